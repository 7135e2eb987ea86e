"""The navigation's links by role are rendered once per role set and language (core.templatetags.core_memo)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from core.templatetags import core_memo

TEMPLATE = Template('{% load core_memo %}{% memo_include "nav_role_links.html" nav_roles=roles is_superuser=su %}')


@pytest.fixture(autouse=True)
def _fresh() -> None:
    core_memo._rendered.cache_clear()


def _render(roles: set[str], su: bool = False) -> str:
    return TEMPLATE.render(Context({"roles": roles, "su": su}))


def test_the_links_follow_the_roles_and_are_rendered_once_per_role_set() -> None:
    with translation.override("zh-hans"):
        supervisor = _render({"supervisor"})
        again = _render({"supervisor"})
        caseworker = _render({"caseworker"})
    assert supervisor == again
    assert core_memo._rendered.cache_info().hits == 1
    assert "审计" in supervisor and 'id="nav-quality"' in supervisor
    assert 'id="nav-quality"' not in caseworker and 'id="nav-transfers"' in caseworker
    assert 'id="nav-staff"' not in supervisor


def test_each_language_gets_its_own_rendering() -> None:
    with translation.override("zh-hans"):
        chinese = _render({"supervisor"})
    with translation.override("en"):
        english = _render({"supervisor"})
    assert chinese != english and "Audit trail" in english


def test_the_administration_link_only_for_a_superuser() -> None:
    with translation.override("en"):
        assert "/admin/" in _render(set(), su=True)
        assert "/admin/" not in _render(set(), su=False)
