"""``{% memo_include "template.html" name=value ... %}``: a fragment rendered once per process for each
set of values and language.

For the parts of every page that depend only on who someone is in general, not on the request:
the navigation's links by role are two dozen ``{% url %}`` and ``{% translate %}`` tags, rendered
again for every page otherwise. The fragment sees only the values passed (no request, no user,
no CSRF token) and the active language, so the same values always give the same markup; it is
kept in this process (a few variants: one per role set and language), never in a shared cache.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


def _frozen(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    return value if isinstance(value, (str, int, bool, type(None))) else str(value)


@lru_cache(maxsize=256)
def _rendered(name: str, language: str, values: tuple[tuple[str, Any], ...]) -> str:
    return render_to_string(name, dict(values))


@register.simple_tag
def memo_include(name: str, **values: Any) -> SafeString:
    frozen = tuple(sorted((key, _frozen(value)) for key, value in values.items()))
    return mark_safe(_rendered(name, get_language() or "", frozen))  # noqa: S308 (a rendered template)
