"""Process starters: how a filed case's workflow is started, registered by the app that owns it.

``cases`` files the case and then calls :func:`start_process`; ``workflows`` (above ``cases``)
registers its flow's starter in ``WorkflowsConfig.ready()``. A starter may be registered for
one kind of case, or as the default for every kind without its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Case

DEFAULT = "*"

Starter = Callable[["Case"], Any]  # starts the case's process and returns it (a viewflow Process)

_STARTERS: dict[str, Starter] = {}


def register_starter(kind: str, starter: Starter) -> None:
    """Register ``starter`` for cases of ``kind`` (or :data:`DEFAULT`); registering again replaces it."""
    _STARTERS[kind] = starter


def starter_for(kind: str) -> Starter:
    try:
        return _STARTERS.get(kind) or _STARTERS[DEFAULT]
    except KeyError:
        raise LookupError(f"no process starter registered for cases of kind {kind!r}") from None


def start_process(case: Case) -> Any:
    """Start the process of a just-filed case (inside the filing transaction); returns the process."""
    return starter_for(case.kind)(case)
