"""Validators shared by the apps' models, forms, serializers and actions."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters that render as nothing (Hangul fillers, the blank Braille pattern); the rest of the
# invisible characters are found by their Unicode category.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Format (Cf: bidi overrides and isolates, zero-width spaces and joiners, BOM, soft hyphen),
# control (Cc), and line/paragraph separators (Zl, Zp). Unassigned code points (Cn) are
# allowed, so CJK added to Unicode after this Python's tables still passes.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})


def invisible_characters(value: str) -> list[str]:
    """The invisible or direction-changing characters in ``value``, as ``U+XXXX`` codes."""
    found = [
        f"U+{ord(ch):04X}"
        for ch in value
        if ch in _INVISIBLE_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES
    ]
    return list(dict.fromkeys(found))


def no_invisible_characters(value: str) -> None:
    """Refuse names and titles holding invisible characters, which garble letters and lists.

    Rare CJK (𫖯, 䶮) and ideographic variation selectors stay allowed.
    """
    if not isinstance(value, str):
        return
    found = invisible_characters(value)
    if found:
        raise ValidationError(
            _(
                "This contains invisible or text-direction characters (%(codes)s). "
                "Retype it without copying from another document."
            ),
            code="invisible_characters",
            params={"codes": ", ".join(found[:5])},
        )
