"""collectstatic takes every app's static files except viewflow's unused Material UI."""

from __future__ import annotations

from core.staticfiles import AppDirectoriesExceptExcludedFinder


def test_the_finder_skips_viewflow_and_keeps_the_other_apps() -> None:
    finder = AppDirectoriesExceptExcludedFinder()
    assert "viewflow" not in finder.apps and "viewflow" not in finder.storages
    assert "django.contrib.admin" in finder.apps
    assert finder.find("viewflow/fonts/roboto/node_modules/roboto-fontface/css/roboto/roboto-fontface.css") == []
    assert finder.find("admin/css/base.css")
