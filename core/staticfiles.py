"""Static-file finding for ``collectstatic``: every installed app's ``static/`` except the excluded.

django-viewflow ships ~49 MB of Material UI assets that Laurel never serves (its UI is not
mounted: it ignores the jurisdiction hierarchy, see STACK-NOTES), and their stylesheet names font
files the package lacks, so the manifest storage used in production stops on them. The apps in
``settings.LAUREL_STATICFILES_EXCLUDE_APPS`` are therefore not collected at all.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import AppDirectoriesFinder


class AppDirectoriesExceptExcludedFinder(AppDirectoriesFinder):
    """Django's app-directories finder, skipping ``LAUREL_STATICFILES_EXCLUDE_APPS``."""

    def __init__(self, app_names: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(app_names, *args, **kwargs)
        excluded = set(getattr(settings, "LAUREL_STATICFILES_EXCLUDE_APPS", ()))
        self.apps = [name for name in self.apps if name not in excluded]
        for name in excluded:
            self.storages.pop(name, None)
