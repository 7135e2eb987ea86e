"""Spreadsheet safety: cells that a spreadsheet would run as a formula (CSV/formula injection).

Shared by every export (audit, subjects, reports) and by the imports that refuse such cells:
one list of dangerous prefixes, including the full-width forms Chinese input methods type.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES)


def safe_cell(value: Any) -> Any:
    """``value`` for an exported cell: text that starts like a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value
