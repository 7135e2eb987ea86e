"""Who may act as a user's security administrator (issue enrolment codes, end their tokens).

``accounts`` knows no roles or jurisdictions: a higher app registers the rule in its
``AppConfig.ready()`` (``jurisdictions``: "holds ``grant_roles`` over one of the user's
divisions"). Superusers administer everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Actor

Rule = Callable[[Any, Any], bool]
Holder = Callable[[Any], bool]

_rules: list[Rule] = []
_holders: list[Holder] = []


def register_security_administration(administers: Rule, is_administrator: Holder) -> None:
    """``administers(actor, user)``: may ``actor`` administer ``user``; ``is_administrator(actor)``: anyone at all."""
    if administers not in _rules:
        _rules.append(administers)
    if is_administrator not in _holders:
        _holders.append(is_administrator)


def is_security_administrator(actor: Actor) -> bool:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return bool(actor.is_superuser) or any(holder(actor) for holder in _holders)


def administers(actor: Actor, user: Any) -> bool:
    if actor is None or not is_security_administrator(actor):
        return False
    return bool(actor.is_superuser) or any(rule(actor, user) for rule in _rules)
