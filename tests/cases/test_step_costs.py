"""What one workflow step costs and holds (issue 17): announcements, claims, the audit chain head."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User, declared_relative_indexes
from audit import chain
from audit.log import deferred, record
from audit.models import AuditEvent
from cases import actions
from cases.models import Case
from cases.notify import CaseEvent
from core.errors import Conflict
from notifications.models import Notification, NotifiedKey
from notifications.outbox import notify
from tests.cases.conftest import open_task


def test_a_verification_that_does_not_conclude_announces_nothing(
    file_case: Callable[..., Case], walk: Any, liaison_ps: User, liaison_ca: User
) -> None:
    case = walk.intake(file_case())
    keys = NotifiedKey.objects.count()
    walk.verify(case, department="public_security")  # the civil affairs task is still open and unclaimed
    assert NotifiedKey.objects.count() == keys  # the sibling was announced once, at the intake review
    assert Notification.objects.filter(recipient=liaison_ca, event=CaseEvent.TASK_QUEUED).count() == 1


def test_the_last_verification_announces_the_approval_task_it_created(
    file_case: Callable[..., Case], walk: Any, approver: User
) -> None:
    case = walk.verify_all(walk.intake(file_case()))
    [item] = Notification.objects.filter(recipient=approver, event=CaseEvent.TASK_QUEUED)
    assert item.context["step"] == "approve" and item.context["case"] == case.number


def test_notification_keys_are_claimed_in_one_statement_for_many_receivers(make_user: Callable[..., User]) -> None:
    people = [make_user(f"receiver{i}", "caseworker") for i in range(4)]
    with CaptureQueriesContext(connection) as ctx:
        notify(event=CaseEvent.CASE_DECIDED, recipients=people, context={"case": "X", "outcome": ""}, dedupe_key="k:1")
    key_writes = [q for q in ctx.captured_queries if "notifications_notifiedkey" in q["sql"]]
    assert len(key_writes) == 1
    assert Notification.objects.filter(event=CaseEvent.CASE_DECIDED).count() == 4
    notify(event=CaseEvent.CASE_DECIDED, recipients=people, context={"case": "X", "outcome": ""}, dedupe_key="k:1")
    assert Notification.objects.filter(event=CaseEvent.CASE_DECIDED).count() == 4  # nobody twice


def test_a_claim_is_one_conditional_update_of_the_task(
    file_case: Callable[..., Case], walk: Any, liaison_ps: User
) -> None:
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    with CaptureQueriesContext(connection) as ctx:
        actions.do_claim_task(task, actor=liaison_ps, case=case)
    writes = [q["sql"] for q in ctx.captured_queries if "viewflow_task" in q["sql"] and "owner_id IS NULL" in q["sql"]]
    [write] = writes
    assert write.removeprefix("WITH w AS (").startswith("UPDATE")
    assert not any("FOR UPDATE" in q["sql"] and "cases_case" in q["sql"] for q in ctx.captured_queries)
    task.refresh_from_db()
    assert task.owner_id == liaison_ps.pk


def test_a_second_claim_of_a_claimed_task_is_a_conflict(
    file_case: Callable[..., Case], walk: Any, liaison_ps: User, make_user: Callable[..., User]
) -> None:
    other = make_user("liaison_ps2", "liaison", department="public_security")
    task = open_task(walk.intake(file_case()), "verify_public_security")
    actions.do_claim_task(task, actor=liaison_ps)
    actions.do_claim_task(task, actor=liaison_ps)  # one's own claim again: nothing happens
    with pytest.raises(Conflict):
        actions.do_claim_task(task, actor=other)
    assert AuditEvent.objects.filter(event_type="task.claimed").count() == 1


def test_an_audited_action_locks_the_chain_head_last(
    file_case: Callable[..., Case], walk: Any, liaison_ps: User
) -> None:
    case = walk.intake(file_case())
    with CaptureQueriesContext(connection) as ctx:
        walk.verify(case, department="public_security")
    statements = [q["sql"] for q in ctx.captured_queries]
    head = [i for i, sql in enumerate(statements) if "audit_chainhead" in sql]
    other_writes = [
        i for i, sql in enumerate(statements) if sql.startswith(("INSERT", "UPDATE")) and "audit_" not in sql
    ]
    assert head and other_writes and min(head) > max(other_writes)
    assert chain.verify_all().ok


def test_events_of_a_rolled_back_savepoint_are_not_appended(db: Any) -> None:
    with deferred():
        record(event_type="test.kept", actor=None)
        try:
            with transaction.atomic():
                record(event_type="test.undone", actor=None)
                raise RuntimeError
        except RuntimeError:
            pass
        record(event_type="test.kept_too", actor=None)
    assert list(AuditEvent.objects.order_by("seq").values_list("event_type", flat=True)) == [
        "test.kept",
        "test.kept_too",
    ]
    assert chain.verify_all().ok


def test_a_failed_audited_action_leaves_no_event(db: Any) -> None:
    with pytest.raises(RuntimeError), deferred():
        record(event_type="test.lost", actor=None)
        raise RuntimeError
    assert not AuditEvent.objects.exists()


def test_deferred_events_chain_exactly_like_immediate_ones(db: Any) -> None:
    record(event_type="test.before", actor=None, division_code="440106")
    with deferred():
        first = record(event_type="test.one", actor=None, division_code="440106")
        record(event_type="test.other_province", actor=None, division_code="110101")
        record(event_type="test.two", actor=None, division_code="440106")
    record(event_type="test.after", actor=None, division_code="440106")
    assert first.pk is not None and first.seq == 2
    assert list(AuditEvent.objects.filter(chain="44").order_by("seq").values_list("event_type", flat=True)) == [
        "test.before",
        "test.one",
        "test.two",
        "test.after",
    ]
    assert chain.verify_all().ok


# --- statements per step through the API (issue 17: the workflow bench's step) -------------------------
# PostgreSQL, warm caches (the token's last use written, memberships and declared relatives cached).
# A claim: the token with its user, the task with its case, then BEGIN, one statement for the
# conditional UPDATE and the audit INSERT (which locks, checks and moves the chain head this process
# knows, only if the UPDATE wrote) and COMMIT. A verification that does not conclude: the token, BEGIN,
# the case and the task locked in one statement, the result, one statement for the task done, the
# process's tasks for the join and the link to it (at the first arrival: the join task written, then
# linked and started), the audit INSERT, COMMIT. The one that concludes also runs the conclusion and
# announces the approval task.
CLAIM_BUDGET = 5
VERIFY_BUDGET = 10
CONCLUDE_BUDGET = 33


def _api_step_statements(client: Any, task_id: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as claim:
        assert client.post(f"/api/v1/tasks/{task_id}/claim/").status_code == 200
    with CaptureQueriesContext(connection) as complete:
        response = client.post(f"/api/v1/tasks/{task_id}/complete/", {"result": "confirmed"}, format="json")
        assert response.status_code == 200, response.content
    return len(claim.captured_queries), len(complete.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the budgets are PostgreSQL's statements")
def test_a_verification_step_through_the_api_keeps_to_its_statement_budget(
    file_case: Callable[..., Case], walk: Any, liaison_ps: User, liaison_ca: User, api_as: Any
) -> None:
    case = walk.intake(file_case())
    clients = {"public_security": api_as(liaison_ps), "civil_affairs": api_as(liaison_ca)}
    for user, client in ((liaison_ps, clients["public_security"]), (liaison_ca, clients["civil_affairs"])):
        assert client.get("/api/v1/tasks/").status_code == 200  # warm: the token's last use, the memberships
        declared_relative_indexes(user.pk)  # warm: the recusal rule's declared relatives
    first = _api_step_statements(clients["public_security"], open_task(case, "verify_public_security").pk)
    last = _api_step_statements(clients["civil_affairs"], open_task(case, "verify_civil_affairs").pk)
    assert first[0] <= CLAIM_BUDGET and last[0] <= CLAIM_BUDGET, (first, last)
    assert first[1] <= VERIFY_BUDGET, first
    assert last[1] <= CONCLUDE_BUDGET, last
    case.refresh_from_db()
    assert case.status == "pending_approval"
    assert open_task(case, "approve")
    assert chain.verify_all().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the budgets are PostgreSQL's statements")
def test_a_completion_reads_the_case_once_and_takes_no_second_process_lock(
    file_case: Callable[..., Case], walk: Any, liaison_ps: User, liaison_ca: User, api_as: Any
) -> None:
    case = walk.intake(file_case())
    client = api_as(liaison_ps)
    task = open_task(case, "verify_public_security")
    assert client.post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert (
            client.post(f"/api/v1/tasks/{task.pk}/complete/", {"result": "confirmed"}, format="json").status_code == 200
        )
    statements = [q["sql"] for q in ctx.captured_queries]
    case_reads = [sql for sql in statements if sql.startswith("SELECT") and "cases_case" in sql]
    assert len(case_reads) == 1 and "FOR UPDATE OF c, t" in case_reads[0]
    locks = [sql for sql in statements if "FOR UPDATE" in sql]
    assert locks == [case_reads[0], *[sql for sql in locks if "audit_chainhead" in sql]]  # no process lock
    # One savepoint at most: the request's transaction inside the test's own; none of viewflow's.
    assert len([sql for sql in statements if sql.startswith("SAVEPOINT")]) <= 1


def test_the_task_serializer_writes_what_its_fields_would(
    file_case: Callable[..., Case], walk: Any, liaison_ps: User
) -> None:
    from rest_framework import serializers

    from cases.api import TaskSerializer

    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    unclaimed = TaskSerializer(task).data
    assert unclaimed == serializers.Serializer.to_representation(TaskSerializer(task), task)
    claimed = actions.do_claim_task(task, actor=liaison_ps, case=case)
    fast = dict(TaskSerializer(claimed).data)
    assert fast == serializers.Serializer.to_representation(TaskSerializer(claimed), claimed)
    assert fast["owner"] == liaison_ps.username and fast["department"] == "public_security"
    assert list(fast) == ["id", "node", "label", "department", "status", "owner", "created", "case", "step"]
