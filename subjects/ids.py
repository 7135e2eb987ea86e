"""National ID numbers (公民身份号码, GB 11643-1999): normalise, validate, protect, show.

The full number is personal data. It lives in the database only encrypted
(:func:`encrypt`, MultiFernet with dedicated keys from ``LAUREL_ID_ENCRYPTION_KEYS``) and as a
blind index (:func:`blind_index`, HMAC-SHA256 under ``LAUREL_ID_BLIND_INDEX_KEY``) used for exact
lookup, uniqueness and joins. Everywhere else it is shown masked (:func:`mask`). Nothing in this
module logs; its exceptions never carry the number.
"""

from __future__ import annotations

import datetime as dt
import hmac
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import crypto

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE_18 = re.compile(r"^\d{17}[\dX]$")
_SHAPE_15 = re.compile(r"^\d{15}$")
# Separators people and spreadsheets put inside numbers; NFKC already maps full-width forms.
_SEPARATORS = re.compile(r"[\s\-_.·'‘’\"“”]+")


class InvalidIdNumber(ValidationError):
    """The ID number is malformed, has a wrong check character, an impossible date or an unknown division.

    ``code`` is one of ``empty``, ``format``, ``checksum``, ``date``, ``division``; the message
    never contains the number.
    """


_MESSAGES = {
    "empty": _("Enter the national ID number."),
    "format": _("A national ID number has 18 characters (17 digits and a digit or X), or 15 digits."),
    "checksum": _("The check character (the last one) does not match: the number has a typing error."),
    "date": _("The birth date in the ID number is not a real date."),
    "division": _("The first six digits of the ID number are not a known administrative division."),
}


def _invalid(code: str) -> InvalidIdNumber:
    return InvalidIdNumber(_MESSAGES[code], code=code)


def normalise(raw: str) -> str:
    """Canonical form: NFKC (full-width digits and Ｘ), no spaces or separators, upper-case X.

    Does not validate; a 15-digit number stays 15 digits (:func:`validate` upgrades it).
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


@dataclass(frozen=True)
class IdInfo:
    number: str  # normalised 18-character form
    division_code: str  # the six-digit issuing division
    birth_date: dt.date
    sex: str  # "male" or "female" (odd sequence number: male)

    @property
    def masked(self) -> str:
        return mask(self.number)


_known_codes: frozenset[str] = frozenset()


def _known_division_prefixes() -> frozenset[str]:
    """Province, city and county codes, read once per process (an empty tree is not cached)."""
    global _known_codes
    if not _known_codes:
        from jurisdictions.models import Division

        _known_codes = frozenset(Division.objects.filter(level__in=(1, 2, 3)).values_list("code", flat=True))
    return _known_codes


def forget_known_divisions() -> None:
    """Drop the cached division codes (after loading divisions)."""
    global _known_codes
    _known_codes = frozenset()


def division_is_known(code6: str, known: Iterable[str] | None = None) -> bool:
    """Whether the ID's six-digit division prefix is plausible.

    Known means: the county code exists, or (for counties abolished since the number was
    issued — numbers keep the issuing county's code for life) its city exists. Cities that
    have no counties use ``xx xx 00``.
    """
    codes = _known_division_prefixes() if known is None else known
    if not codes:  # no division tree loaded (a bare unit test): cannot judge, do not reject
        return True
    if code6 in codes:
        return True
    city = code6[:4]
    return city in codes


def validate(
    raw: str,
    *,
    check_division: bool = True,
    known_divisions: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> IdInfo:
    """Normalise and validate ``raw``; raise :class:`InvalidIdNumber` (no number in the message).

    15-digit numbers are upgraded to 18. The birth date must be real and not in the future
    (nor before 1870); the division prefix must be known unless ``check_division`` is False.
    """
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] in "0123456789X":
        number = raw  # already canonical (the common case in bulk files): skip NFKC
    else:
        number = normalise(raw)
    if not number:
        raise _invalid("empty")
    if _SHAPE_15.match(number):
        number = upgrade_15(number)
    elif not _SHAPE_18.match(number):
        raise _invalid("format")
    if check_char(number[:17]) != number[17]:
        raise _invalid("checksum")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _invalid("date") from None
    if birth.year < 1870 or birth > (today or dt.date.today()):
        raise _invalid("date")
    if check_division and not division_is_known(number[:6], known_divisions):
        raise _invalid("division")
    return IdInfo(number=number, division_code=number[:6], birth_date=birth, sex=_sex(number))


def _sex(number: str) -> str:
    return "male" if int(number[16]) % 2 else "female"


def is_valid(raw: str, **kwargs: object) -> bool:
    try:
        validate(raw, **kwargs)  # type: ignore[arg-type]
    except InvalidIdNumber:
        return False
    return True


def mask(normalised: str) -> str:
    """``110105********002X``: division and the last four kept, the birth date hidden."""
    number = normalise(normalised)
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# --- keys ------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], profile: str = "standard") -> MultiFernet | crypto.Sm4MultiKey:
    if profile == "gm":
        return crypto.Sm4MultiKey(keys)
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet | crypto.Sm4MultiKey:
    """The cipher of ``settings.LAUREL_ID_ENCRYPTION_KEYS`` (first key encrypts) in the installation's
    profile (``core.crypto``): MultiFernet, or SM4 + HMAC-SM3 under the 国密 profile."""
    return _fernet(tuple(settings.LAUREL_ID_ENCRYPTION_KEYS), crypto.profile())


def _blind_key() -> bytes:
    key = settings.LAUREL_ID_BLIND_INDEX_KEY
    return key.encode() if isinstance(key, str) else key


def blind_index(raw_or_normalised: str) -> str:
    """HMAC-SHA256 (HMAC-SM3 under the 国密 profile), hex, of the normalised number; 15-digit
    numbers are upgraded first.

    The same person gives the same index however the number was typed, so it serves exact
    lookup, the uniqueness constraint and joins with other departments' data.
    """
    number = normalise(raw_or_normalised)
    if _SHAPE_15.match(number):
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


def encrypt(normalised: str) -> str:
    """Fernet token (text) of the normalised number under the current key."""
    return fernet().encrypt(normalise(normalised).encode("ascii")).decode("ascii")


def encrypt_many(numbers: Iterable[str]) -> list[str]:
    f = fernet()
    return [f.encrypt(n.encode("ascii")).decode("ascii") for n in numbers]


def decrypt(token: str) -> str:
    """The number from a token written under any configured key; ValueError if none fits."""
    try:
        return fernet().decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise ValueError("ID number token does not decrypt under any configured key") from None


def rotate(token: str) -> str:
    """The token re-encrypted under the current (first) key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def generate_key() -> str:
    return crypto.generate_key()


def build(division_code: str, birth_date: dt.date, sequence: int) -> str:
    """A valid 18-character number (for synthetic data and tests): sequence 0-999, odd = male."""
    first17 = f"{division_code[:6]}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
