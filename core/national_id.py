"""National ID numbers (公民身份号码, GB 11643-1999): the generic part shared by every app.

Normalising, checking (shape, check character, birth date) and the blind index (HMAC-SHA256,
or HMAC-SM3 under the 国密 profile of ``core.crypto``, under ``LAUREL_ID_BLIND_INDEX_KEY``) live
here so that the register (``subjects.ids``, which adds encryption, masking and the division
check) and staff accounts (``accounts``: a staff member's own number, kept only as its blind
index for the recusal rule) compute the very same index. Nothing in this module logs; its
exceptions never carry the number.
"""

from __future__ import annotations

import datetime as dt
import hmac
import operator
import re
import unicodedata
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import crypto

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE_18 = re.compile(r"^\d{17}[\dX]$")
SHAPE_15 = re.compile(r"^\d{15}$")
# Separators people and spreadsheets put inside numbers; NFKC already maps full-width forms.
_SEPARATORS = re.compile(r"[\s\-_.·'‘’\"“”]+")


class InvalidIdNumber(ValidationError):
    """The ID number is malformed, has a wrong check character, an impossible date or an unknown division.

    ``code`` is one of ``empty``, ``format``, ``checksum``, ``date``, ``division``; the message
    never contains the number.
    """


MESSAGES = {
    "empty": _("Enter the national ID number."),
    "format": _("A national ID number has 18 characters (17 digits and a digit or X), or 15 digits."),
    "checksum": _("The check character (the last one) does not match: the number has a typing error."),
    "date": _("The birth date in the ID number is not a real date."),
    "division": _("The first six digits of the ID number are not a known administrative division."),
}


def invalid(code: str) -> InvalidIdNumber:
    return InvalidIdNumber(MESSAGES[code], code=code)


def normalise(raw: str) -> str:
    """Canonical form: NFKC (full-width digits and Ｘ), no spaces or separators, upper-case X.

    Does not validate; a 15-digit number stays 15 digits (:func:`checked` upgrades it).
    """
    text = unicodedata.normalize("NFKC", raw or "")
    return _SEPARATORS.sub("", text).upper()


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def upgrade_15(number15: str) -> str:
    """A first-generation 15-digit number as its 18-digit form (century 19, check character added)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def checked(raw: str, *, today: dt.date | None = None) -> tuple[str, dt.date]:
    """``(number, birth_date)``: ``raw`` normalised to 18 characters with a correct check character
    and a real birth date (not in the future, not before 1870); else :class:`InvalidIdNumber`.

    The issuing division is not judged here (``subjects.ids.validate`` adds that).
    """
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] in "0123456789X":
        number = raw  # already canonical (the common case in bulk files): skip NFKC
    else:
        number = normalise(raw)
    if not number:
        raise invalid("empty")
    if SHAPE_15.match(number):
        number = upgrade_15(number)
    elif not SHAPE_18.match(number):
        raise invalid("format")
    if check_char(number[:17]) != number[17]:
        raise invalid("checksum")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise invalid("date") from None
    if birth.year < 1870 or birth > (today or timezone.localdate()):
        raise invalid("date")
    return number, birth


# --- the blind index -------------------------------------------------------------------------


def _blind_key() -> bytes:
    key = settings.LAUREL_ID_BLIND_INDEX_KEY
    return key.encode() if isinstance(key, str) else key


def blind_index(raw_or_normalised: str) -> str:
    """HMAC-SHA256 (HMAC-SM3 under the 国密 profile, ``core.crypto``), hex, of the normalised
    number; 15-digit numbers are upgraded first.

    The same person gives the same index however the number was typed, so it serves exact
    lookup, the uniqueness constraint, joins with other departments' data and the recusal rule.
    """
    number = normalise(raw_or_normalised)
    if SHAPE_15.match(number):
        number = upgrade_15(number)
    return hmac.new(_blind_key(), number.encode("ascii", "replace"), crypto.hash_name()).hexdigest()


def blind_indexer() -> Callable[[str], str]:
    """A fast HMAC function over already-normalised numbers, for batches (key read once)."""
    template = hmac.new(_blind_key(), digestmod=crypto.hash_name())

    def index(number: str) -> str:
        h = template.copy()
        h.update(number.encode("ascii", "replace"))
        return h.hexdigest()

    return index
