"""Choice labels looked up in a dictionary per language, not built per row.

``instance.get_FOO_display()`` builds a dictionary of the field's choices and translates its
label on every call (~800 ``gettext`` calls for a page of 50 cases); :func:`label` translates
each choice set once per language and process.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation

_cache: dict[tuple[type, str], dict[str, str]] = {}


def labels(choices: type[models.Choices]) -> dict[str, str]:
    """``{value: label}`` of ``choices`` in the active language."""
    key = (choices, translation.get_language() or "")
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = {str(value): str(text) for value, text in choices.choices}
    return found


def label(choices: type[models.Choices], value: Any, default: str | None = None) -> str:
    """The label of ``value`` (``default``, else the value as stored, when it is not a choice)."""
    found = labels(choices).get(str(value) if value is not None else "")
    if found is not None:
        return found
    return str(value) if default is None else default
