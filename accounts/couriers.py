"""Who carries a new account's one-time sign-in link besides the administrator's screen.

``accounts`` owns the registry and knows no channel. A higher app that can send texts
registers a courier in its ``AppConfig.ready()``; each courier gets the account and the link
inside the issuing transaction (so it may write an outbox row) and says whether it sent it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import User

LinkBuilder = Callable[[str], str]
Courier = Callable[["User", str], bool]

_couriers: list[Courier] = []


def register_initial_link_courier(courier: Courier) -> None:
    """Add ``courier(user, url) -> sent``; called for every issued link."""
    if courier not in _couriers:
        _couriers.append(courier)


def deliver_initial_link(user: User, url: str) -> bool:
    """Hand the link to every registered courier; True when one of them sent it."""
    sent = False
    for courier in _couriers:
        sent = courier(user, url) or sent
    return sent
