"""Where an account belongs, for the audit trail: the division its events are recorded under.

``accounts`` knows no divisions. ``jurisdictions`` registers the lookup of a staff member's
home division in its ``AppConfig.ready()``; the account actions record their events there so
that the auditors of that jurisdiction see them (without it, only nation-wide auditors would).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import User

_lookup: list[Callable[[User], str]] = []


def register_home_division(lookup: Callable[[User], str]) -> None:
    _lookup[:] = [lookup]


def home_division(user: User) -> str:
    """The division code ``user``'s account events belong to ("" when none is known)."""
    return _lookup[0](user) if _lookup else ""
