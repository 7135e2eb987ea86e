"""Real threads on PostgreSQL: of two conflicting actions exactly one wins, the other gets a 409,
and nothing is half-applied."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from cases import actions
from cases.models import Case, Status
from core.errors import Conflict
from subjects.models import Benefit

from .conftest import open_nodes, open_task, restore_demo_divisions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOST = (Conflict, TransitionNotAllowed, ConcurrentTransition)


@pytest.fixture(autouse=True)
def _postgres_with_divisions() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    restore_demo_divisions()


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same instant in threads; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_approvers_completing_the_same_task_one_wins_the_other_gets_409(
    make_user, api_as, walk, file_case, subject
):
    case = walk.verify_all(walk.intake(file_case()))
    task = open_task(case, "approve")
    clients = [api_as(make_user(f"approver{i}", "approver")) for i in (1, 2)]
    body = {"decision": "approve", "reasons": "符合条件"}
    responses = race(*[lambda c=c: c.post(f"/api/v1/tasks/{task.pk}/complete/", body, format="json") for c in clients])
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.data["status"] == "closed"
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert Benefit.objects.filter(subject=subject).count() == 1
    assert AuditEvent.objects.filter(object_id=str(case.pk), event_type="case.applied").count() == 1


def test_approving_while_another_withdraws_exactly_one_wins(approver, caseworker, walk, file_case, subject):
    for _ in range(3):
        case = walk.verify_all(walk.intake(file_case()))
        task = open_task(case, "approve")
        approve, withdraw = race(
            functools.partial(actions.do_decide, task, actor=approver, decision="approve"),
            functools.partial(actions.do_withdraw_case, case, actor=caseworker, reason="本人撤回"),
        )
        outcomes = [isinstance(r, Case) for r in (approve, withdraw)]
        assert outcomes.count(True) == 1, (approve, withdraw)
        loser = withdraw if outcomes[0] else approve
        assert isinstance(loser, LOST), loser
        case.refresh_from_db()
        applied = AuditEvent.objects.filter(object_id=str(case.pk), event_type="case.applied").count()
        benefits = Benefit.objects.filter(subject=subject, source_ref=case.number).count()
        if outcomes[0]:
            assert (case.status, applied, benefits) == (Status.CLOSED, 1, 1)
        else:
            assert (case.status, applied, benefits) == (Status.WITHDRAWN, 0, 0)
            assert open_nodes(case) == set()


def test_parallel_verifications_finishing_together_join_once(walk, file_case, liaison_ps, liaison_ca):
    case = walk.intake(file_case())
    ps, ca = open_task(case, "verify_public_security"), open_task(case, "verify_civil_affairs")
    results = race(
        lambda: actions.do_record_verification(ps, actor=liaison_ps, result="confirmed"),
        lambda: actions.do_record_verification(ca, actor=liaison_ca, result="confirmed"),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    case.refresh_from_db()
    assert case.status == Status.PENDING_APPROVAL
    assert open_nodes(case) == {"approve"}
    transitions = AuditEvent.objects.filter(object_id=str(case.pk), event_type="case.transition")
    assert [e.data["to"] for e in transitions.order_by("id")] == ["verifying", "pending_approval"]


def test_concurrent_filings_get_gap_free_numbers(caseworker, subject, file_case):
    results = race(*[lambda: file_case() for _ in range(6)])
    assert not any(isinstance(r, Exception) for r in results), results
    numbers = sorted(int(c.number.rsplit("-", 1)[1]) for c in results)
    assert numbers == list(range(1, 7))


def test_locking_a_case_leaves_its_subjects_row_free_for_another_transaction(file_case, subject):
    """A case lock is the case row only: the work on another case of the same person does not queue
    behind it (a plain FOR UPDATE of the join would lock the subject's row as well)."""
    from django.db import transaction

    from cases.actions._base import lock, lock_of_process

    case = file_case()
    locked, done = threading.Event(), threading.Event()

    def hold(locker: Callable[[], Any]) -> None:
        try:
            with transaction.atomic():
                locker()
                locked.set()
                done.wait(20)
        finally:
            connections.close_all()

    for locker in (lambda: lock(case.pk), lambda: lock_of_process(case.process_id)):
        locked.clear()
        done.clear()
        holder = threading.Thread(target=hold, args=(locker,))
        holder.start()
        try:
            assert locked.wait(10)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT id FROM subjects_subject WHERE id = %s FOR UPDATE NOWAIT", [subject.pk])
                assert cursor.fetchone() == (subject.pk,)
        finally:
            done.set()
            holder.join(10)
