"""``record()``: the one way actions write the audit trail.

Call it inside the action's transaction: the event commits or rolls back with the change,
and an exception here fails the action (no unaudited change).

Event types are dotted (``case.transition``, ``subject.updated``, ...); the ones the
workspace knows how to name are in :data:`audit_ui.labels.EVENT_LABELS`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.db import models, transaction
from django.utils import timezone

from . import chain
from .masking import mask_id_numbers
from .models import AuditEvent

LEVEL_LENGTHS = (9, 6, 4, 2)

P = ParamSpec("P")
R = TypeVar("R")


def common_division(codes: Iterable[str]) -> str:
    """The deepest division containing every code in ``codes`` ("" for the nation or none).

    Used for events that belong to a person rather than an object (sign-ins, exports), so
    that the auditors of that person's jurisdiction see them.
    """
    cleaned = [c for c in codes if c]
    if not cleaned or any(not c.isdigit() for c in cleaned):
        return ""
    prefix = cleaned[0]
    for code in cleaned[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return next((prefix[:n] for n in LEVEL_LENGTHS if len(prefix) >= n), "")


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in LEVEL_LENGTHS if len(code) >= n] + ["CN"]


# Who can name an actor's roles without a query (``jurisdictions`` registers its cached
# memberships in its ``AppConfig.ready()``): ``source(actor, division codes)`` → "role,role".
_role_sources: list[Callable[[Any, list[str]], str]] = []


def register_role_source(source: Callable[[Any, list[str]], str]) -> None:
    if source not in _role_sources:
        _role_sources.append(source)


def role_of(actor: Any, division_code: str) -> str:
    """The actor's roles over ``division_code`` (memberships there or above), comma-joined."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not hasattr(actor, "memberships"):
        return ""
    if _role_sources:
        return _role_sources[0](actor, _prefixes(division_code) if division_code else [])
    # Roles in force today (memberships carry a start and an optional end date).
    today = timezone.localdate()
    memberships = actor.memberships.filter(starts_on__lte=today).exclude(ends_on__lte=today)
    if division_code:
        memberships = memberships.filter(division_id__in=_prefixes(division_code))
    return ",".join(sorted(set(memberships.values_list("role", flat=True))))


# Event types ending so record data leaving the system (CSV/XLSX exports): each is checkpointed.
EXPORT_SUFFIX = ".exported"


def record(
    *,
    event_type: str,
    actor: Any | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    division_code: str = "",
    data: dict[str, Any] | None = None,
    actor_role: str | None = None,
    reason: str = "",
    evidence: list[Any] | None = None,
) -> AuditEvent:
    """Append one event to its province's hash chain and return it.

    - ``obj`` fills ``object_type`` (``app_label.model``), ``object_id`` (pk) and, for
      Located objects, ``division_code``; explicit arguments win.
    - ``division_code`` scopes the event: auditors and supervisors see the events of their
      jurisdiction's subtree. Without one the event is visible to nation-wide auditors only.
    - ``data``: JSON-serialisable facts of the event (dates become ISO strings). It must
      already be masked: never pass a full ID number or other personal data in clear; any
      full ID number found anyway is masked (``110105********002X``) before storing.
      ``case.transition`` events carry ``{"from", "to", "reason", "task", "evidence"}``;
      data changes ``{"field", "old", "new", "provenance"}``.
    - ``actor_role`` (optional): the role the actor acted in. ``None`` (default) derives
      it from the actor's memberships at or above ``division_code``; ``""`` records none.
    - ``reason`` and ``evidence`` (optional): shortcuts that set ``data["reason"]`` and
      ``data["evidence"]`` (a list of references, e.g. document ids) when given.

    Runs inside the caller's transaction (or its own, if there is none): a failure raises
    and so fails the action. The chain head is locked until that transaction ends. Inside an
    audited action (:func:`deferred`), the event joins its chain at the end of the action,
    just before the commit, so that the head is locked for the commit only; the event
    returned is then saved at that moment.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        division_code = division_code or getattr(obj, "division_id", "") or ""
    payload: dict[str, Any] = dict(data or {})
    if reason:
        payload["reason"] = reason
    if evidence is not None:
        payload["evidence"] = list(evidence)
    authenticated = bool(actor is not None and getattr(actor, "is_authenticated", False))
    actor_id = getattr(actor, "pk", None) if authenticated else None
    if actor_role is None:
        actor_role = role_of(actor, division_code) if authenticated else ""
    event = AuditEvent(
        event_type=event_type,
        actor_id=actor_id,
        # Some offices use ID numbers as usernames: those are masked too.
        actor_username=mask_id_numbers(getattr(actor, "username", "")) if actor_id else "",
        actor_role=actor_role[:64],
        object_type=object_type,
        object_id=mask_id_numbers(str(object_id)),
        division_code=str(division_code),
        data=mask_id_numbers(chain.normalise_data(payload)),
    )
    batch = getattr(_deferral, "batch", None)
    if batch is not None and not event_type.endswith(EXPORT_SUFFIX):
        # Inside an audited action: appended at its end, just before it commits (see deferred()).
        pending = _Pending(event)
        batch.append(pending)
        transaction.on_commit(pending)
        return event
    with transaction.atomic(savepoint=False):
        stored = chain.append(event)
        if event_type.endswith(EXPORT_SUFFIX):
            # Data left the system: sign the chain heads right after it (a checkpoint job queued
            # with the export's own transaction), so the export's record is anchored at once.
            from core.jobs import enqueue

            enqueue("audit.tasks.checkpoint", f"export:{stored.pk}")
        return stored


# --- audited actions: the chain head locked last --------------------------------------------------

_deferral = threading.local()


class _Pending:
    """An event recorded inside an audited action, waiting for the action's end.

    It is also registered as a (do-nothing) on-commit callback: Django forgets such callbacks
    when the savepoint they were registered in rolls back, which tells :func:`deferred` that the
    event's change was undone and the event must go with it.
    """

    __slots__ = ("event",)

    def __init__(self, event: AuditEvent) -> None:
        self.event = event

    def __call__(self) -> None:
        """Nothing to do at commit: the event was stored just before it."""


@contextmanager
def deferred(using: str | None = None) -> Iterator[None]:
    """One transaction (a savepoint when nested) whose audit events join their chains at its end.

    An action records its events as it goes (``record()``); the outermost audited action appends
    them all right before it returns, inside its transaction: each chain's head is locked once,
    last, and only for the commit, instead of from the first event to the end of the action.
    The events, their order, links and hashes are the ones ``record()`` would have written one
    by one, so tamper evidence is unchanged; events whose savepoint rolled back are dropped
    with it, and an action that fails leaves none.
    """
    outermost = getattr(_deferral, "batch", None) is None
    connection = transaction.get_connection(using)
    if not outermost:
        # Inside another audited action: its transaction, no savepoint of its own (a failure fails the
        # enclosing action; code that goes on after a failure needs its own savepoint, as viewflow has).
        with transaction.atomic(using=using, savepoint=False):
            yield
        return
    with transaction.atomic(using=using):
        _deferral.batch = []
        try:
            yield
            pending: list[_Pending] = _deferral.batch
        finally:
            _deferral.batch = None
        kept = {id(func) for _sids, func, *_rest in connection.run_on_commit}
        events = [p.event for p in pending if id(p) in kept]
        if events:
            chain.append_many(events)


def write_with_events(sql: str, params: list[Any]) -> int:
    """Inside an audited action: run the write ``sql`` (an ``UPDATE … WHERE …``) and, if it wrote,
    append the events recorded so far with it, in one statement where it can (``chain.append_with_write``).

    Returns the rows written. Nothing written: those events are dropped (the action then refuses or
    does nothing, as it would have without recording them). Events recorded afterwards join their
    chains at the action's end as usual.
    """
    batch: list[_Pending] | None = getattr(_deferral, "batch", None)
    assert batch is not None, "write_with_events runs inside an audited action"
    connection = transaction.get_connection()
    kept = {id(func) for _sids, func, *_rest in connection.run_on_commit}
    pending = [p for p in batch if id(p) in kept]
    batch.clear()
    return chain.append_with_write([p.event for p in pending], sql, params)


def audited(action: Callable[P, R]) -> Callable[P, R]:
    """Decorator for an action: :func:`deferred` around it (its transaction, the chain heads locked last)."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with deferred():
            return action(*args, **kwargs)

    return run
