"""The cases locked in the current transaction, so that each is read once per request.

Every change to a case locks its row first (``cases.actions``; ``cases.queries.access_task(...,
lock=True)`` for the API's completions). Once locked, the row cannot change under the
transaction, so the instance read with the lock *is* the case for the rest of the transaction:
the flow's gateways and automatic nodes, and the actions they call, take that instance instead of
reading (and locking) the row again, and see each other's changes without a refresh.

A lock is remembered with a do-nothing on-commit callback: Django forgets such callbacks when the
transaction ends and when the savepoint they were registered in rolls back (which also releases
a row lock taken in it), so a case whose callback is gone is read again. Outside a transaction
nothing is remembered.
"""

from __future__ import annotations

import threading

from django.db import transaction

from .models import Case

_local = threading.local()


class _Held:
    """The on-commit marker of one case locked in this transaction (does nothing at commit)."""

    __slots__ = ("case",)

    def __init__(self, case: Case) -> None:
        self.case = case

    def __call__(self) -> None:
        """Nothing to do at commit: the lock ends with the transaction."""


def _markers() -> dict[int, _Held]:
    markers: dict[int, _Held] | None = getattr(_local, "markers", None)
    if markers is None:
        markers = _local.markers = {}
    return markers


def _alive(marker: _Held) -> bool:
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(func is marker for _sids, func, *_rest in connection.run_on_commit)


def remember(case: Case) -> Case:
    """Note ``case`` as read under its row lock in the current transaction; returns it."""
    if not transaction.get_connection().in_atomic_block:
        return case
    markers = _markers()
    if markers and not _alive(next(iter(markers.values()))):
        markers.clear()  # left over from an earlier transaction
    marker = _Held(case)
    transaction.on_commit(marker)
    markers[case.pk] = marker
    return case


def held(*, pk: int | None = None, process_id: int | None = None) -> Case | None:
    """The case locked earlier in this transaction (by its pk or its process), or None."""
    markers = getattr(_local, "markers", None)
    if not markers:
        return None
    if pk is not None:
        marker = markers.get(pk)
    else:
        marker = next((m for m in markers.values() if m.case.process_id == process_id), None)
    if marker is None:
        return None
    if not _alive(marker):
        markers.pop(marker.case.pk, None)
        return None
    return marker.case


def is_held(case: Case) -> bool:
    """Whether ``case`` is the instance locked in this transaction (its state is current)."""
    return case.pk is not None and held(pk=case.pk) is case
