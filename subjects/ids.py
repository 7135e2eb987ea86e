"""National ID numbers (公民身份号码, GB 11643-1999): normalise, validate, protect, show.

The generic part (normalising, checking, the blind index) is ``core.national_id``, shared with
staff accounts; this module adds the register's encryption, masking and division check.

The full number is personal data. It lives in the database only encrypted
(:func:`encrypt`, MultiFernet with dedicated keys from ``LAUREL_ID_ENCRYPTION_KEYS``; SM4 +
HMAC-SM3 under the 国密 profile of ``core.crypto``) and as a blind index (:func:`blind_index`,
HMAC-SHA256 or HMAC-SM3 under ``LAUREL_ID_BLIND_INDEX_KEY``) used for exact lookup, uniqueness
and joins. Everywhere else it is shown masked (:func:`mask`). Nothing in this module logs; its
exceptions never carry the number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from core import crypto
from core.national_id import (
    CHECK_CHARS,
    WEIGHTS,
    InvalidIdNumber,
    blind_index,
    blind_indexer,
    check_char,
    checked,
    invalid,
    normalise,
    upgrade_15,
)

__all__ = [
    "CHECK_CHARS",
    "WEIGHTS",
    "IdInfo",
    "InvalidIdNumber",
    "blind_index",
    "blind_indexer",
    "check_char",
    "normalise",
    "upgrade_15",
]


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
    number, birth = checked(raw, today=today)
    if check_division and not division_is_known(number[:6], known_divisions):
        raise invalid("division")
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


def encrypt(normalised: str) -> str:
    """Fernet token (text) of the normalised number under the current key."""
    return fernet().encrypt(normalise(normalised).encode("ascii")).decode("ascii")


def encrypt_many(numbers: Iterable[str]) -> list[str]:
    """Tokens of many normalised numbers under the current key (what :func:`encrypt` makes, faster)."""
    keys = settings.LAUREL_ID_ENCRYPTION_KEYS
    if crypto.profile() != "gm":
        return crypto.fernet_encrypt_many(keys[0], [n.encode("ascii") for n in numbers])
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
