"""Last line of defence against full national ID numbers in the audit trail.

Callers of ``record()`` must pass masked data; this masks anything that still looks like
a full ID number (18-character GB 11643 form, or the old 15-digit form) before it is
stored and hashed, keeping the first six and last four characters (``110105********002X``).
"""

from __future__ import annotations

import re
from typing import Any

_DATE18 = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE15 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# Bounded by non-alphanumerics, so digits inside hashes or longer numbers are left alone.
_ID_RE = re.compile(rf"(?<![0-9A-Za-z])(\d{{6}})(?:{_DATE18}\d{{3}}[0-9Xx]|{_DATE15}\d{{3}})(?![0-9A-Za-z])")


def _mask_match(match: re.Match[str]) -> str:
    full = match.group(0)
    return full[:6] + "*" * (len(full) - 10) + full[-4:]


def mask_id_numbers(value: Any) -> Any:
    """``value`` (str, or JSON-like dicts/lists of them) with every full ID number masked."""
    if isinstance(value, str):
        return _ID_RE.sub(_mask_match, value)
    if isinstance(value, dict):
        return {mask_id_numbers(k): mask_id_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_id_numbers(v) for v in value]
    return value


def contains_id_number(value: Any) -> bool:
    """Whether a full ID number appears anywhere in ``value`` (used by tests and checks)."""
    return mask_id_numbers(value) != value
