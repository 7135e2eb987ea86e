"""What apps above ``cases`` add to the case resource, registered from their ``apps.py``.

- :func:`register_transition`: a named transition of ``POST /api/v1/cases/{id}/transitions/{name}/``
  (its request serializer, for the schema and the validation, and the handler that authorises
  and calls one action);
- :func:`register_detail_field`: a field of ``GET /api/v1/cases/{id}/`` (a read-only serializer
  field with ``source="*"``, given the case; ``None`` for a case it does not concern);
- :func:`register_event_labels`: the names of their audit events on the case's timeline;
- :func:`register_hider`: a rule that hides a case from someone who could otherwise see it (a
  confidential report from the accused body): the case answers 404 to them, everywhere;
- :func:`register_rating_rules`: which round the next rating of a case belongs to (a grievance's
  rectification is rated in a later round), and what follows a rating (a 差评 opens a rectification).

``cases`` never imports the apps that register here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class Transition:
    """``handler(user, case, data)`` authorises (404/403), runs one action and returns the case."""

    name: str
    serializer: type[Any]
    handler: Callable[[Any, Any, dict[str, Any]], Any]


_transitions: dict[str, Transition] = {}
_event_labels: dict[str, Any] = {}
_detail_fields: dict[str, Callable[[], Any]] = {}
_hiders: list[tuple[Callable[[Any, Any], bool], Callable[[Any, str], Q | None]]] = []


def register_transition(transition: Transition) -> None:
    _transitions[transition.name] = transition


def transition(name: str) -> Transition | None:
    return _transitions.get(name)


def transitions() -> list[Transition]:
    return list(_transitions.values())


def register_detail_field(name: str, field: Callable[[], Any]) -> None:
    """``field()`` builds the serializer field (read-only, ``source="*"``) of the case detail."""
    _detail_fields[name] = field


def detail_fields() -> dict[str, Any]:
    return {name: make() for name, make in _detail_fields.items()}


def register_hider(hides: Callable[[Any, Any], bool], hidden_q: Callable[[Any, str], Q | None]) -> None:
    """``hides(user, case)``: the case is hidden from ``user``; ``hidden_q(user, prefix)``: those cases, as a
    filter on the case (``prefix``: the path to the case, e.g. ``"process__case__"``)."""
    if (hides, hidden_q) not in _hiders:
        _hiders.append((hides, hidden_q))


_cached_keys: list[Callable[[Any], list[str]]] = []


def register_cached_keys(keys: Callable[[Any], list[str]]) -> None:
    """``keys(case)``: shared-cache keys (``core.cache.get_plain``) another app reads for a case it is
    shown or worked on: fetched with the user's own values in one round trip (:func:`cached_keys`)."""
    if keys not in _cached_keys:
        _cached_keys.append(keys)


def cached_keys(case: Any) -> list[str]:
    return [key for keys in _cached_keys for key in keys(case)]


def hidden_from(user: Any, case: Any) -> bool:
    return any(hides(user, case) for hides, _q in _hiders)


def hidden_q(user: Any, prefix: str = "") -> Q | None:
    """The cases hidden from ``user`` (``None`` when no rule hides any)."""
    q: Q | None = None
    for _hides, make in _hiders:
        part = make(user, prefix)
        if part is not None:
            q = part if q is None else q | part
    return q


def register_event_labels(labels: dict[str, Any]) -> None:
    """Names of another app's audit events of a case, for the case's timeline."""
    _event_labels.update(labels)


def event_label(event_type: str) -> Any:
    return _event_labels.get(event_type)


# --- ratings (好差评) ----------------------------------------------------------------------------

_rating_rounds: list[Callable[[Any], int | None]] = []
_rated: list[Callable[[Any, Any], None]] = []


def register_rating_rules(
    next_round: Callable[[Any], int | None] | None = None, rated: Callable[[Any, Any], None] | None = None
) -> None:
    """``next_round(case)``: the round the case's next rating belongs to (``None``: not this rule's case; it
    may raise ``ValidationError`` when the case cannot be rated now); ``rated(case, rating)``: runs in the
    rating's transaction once it is recorded."""
    if next_round is not None and next_round not in _rating_rounds:
        _rating_rounds.append(next_round)
    if rated is not None and rated not in _rated:
        _rated.append(rated)


def next_rating_round(case: Any) -> int:
    for rule in _rating_rounds:
        found = rule(case)
        if found is not None:
            return found
    return 0


def after_rating(case: Any, rating: Any) -> None:
    for react in _rated:
        react(case, rating)
