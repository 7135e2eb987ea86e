"""PostgreSQL: the trigger makes the table append-only; what bypasses it is caught by verification."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, OperationalError, connection, connections, transaction

from audit import chain
from audit.log import deferred, record
from audit.models import AuditEvent
from tests.conftest import COUNTY_A, COUNTY_B

from .test_chain import rehash_from

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def events() -> list[AuditEvent]:
    return [record(event_type="test.event", actor=None, division_code=COUNTY_A, data={"n": n}) for n in range(3)]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET event_type = 'rewritten'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_the_trigger_refuses_update_delete_and_truncate(events: list[AuditEvent], sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # The test session may truncate (flushing between tests); an ordinary session may not.
        cursor.execute("SET LOCAL laurel.audit_allow_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks pending before TRUNCATE
        cursor.execute(sql)
    assert AuditEvent.objects.filter(event_type="test.event").count() == 3


def test_the_truncate_escape_is_for_superusers_only(events: list[AuditEvent]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("CREATE ROLE laurel_app_test NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON audit_auditevent TO laurel_app_test")
        cursor.execute("SET LOCAL ROLE laurel_app_test")
        cursor.execute("SET LOCAL laurel.audit_allow_truncate = 'on'")
        cursor.execute("TRUNCATE audit_auditevent")


def test_a_raw_edit_with_triggers_bypassed_is_caught_by_verify_audit_chain(events: list[AuditEvent]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET data = '{\"n\": 42}' WHERE id = %s", [events[1].pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_chain", stdout=out)
    assert failure.value.returncode == 1
    assert f"chain 44 seq 2 (event id {events[1].pk}): content does not match its hash" in out.getvalue()


def test_a_rehashed_chain_is_caught_by_the_checkpoint(
    events: list[AuditEvent], tamper: Callable[..., None], signing_keys: tuple[Path, Path]
) -> None:
    call_command("audit_checkpoint", stdout=StringIO())
    tamper("UPDATE audit_auditevent SET data = '{\"n\": 42}' WHERE id = %s", [events[0].pk])
    rehash_from(tamper, AuditEvent.objects.get(pk=events[0].pk))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", stdout=out)
    assert "the chain was rewritten and re-hashed" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_chain_never_fork_it() -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    record(event_type="test.race", actor=None, division_code=COUNTY_A, data={"w": n, "i": i})
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = chain.verify_all()
    assert report.ok, report.problems
    assert report.heads["44"][0] == 60


def test_the_production_role_can_append_but_not_rewrite(events: list[AuditEvent]) -> None:
    """The grants of README "Audit trail": SELECT and INSERT on the events, nothing more."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE laurel_app_prod NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT ON audit_auditevent TO laurel_app_prod")
        cursor.execute("GRANT USAGE ON SEQUENCE audit_auditevent_id_seq TO laurel_app_prod")
        cursor.execute("GRANT SELECT, INSERT, UPDATE ON audit_chainhead TO laurel_app_prod")
        cursor.execute("SET LOCAL ROLE laurel_app_prod")
    appended = record(event_type="test.as_app_role", actor=None, division_code=COUNTY_A)
    assert appended.seq == events[-1].seq + 1
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET event_type = 'rewritten' WHERE id = %s", [appended.pk])
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert chain.verify_all().ok


def _in_a_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    """``target`` on a connection of its own (a thread), its exception kept in ``errors``."""

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the caller's assertions
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _append_in_the_same_province_within(seconds: float) -> None:
    """An audited action in county B (province 44, the chain of county A) that gives up on a lock after ``seconds``."""
    with deferred(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
        record(event_type="test.second", actor=None, division_code=COUNTY_B)


@pytest.mark.django_db(transaction=True)
def test_an_audited_action_still_working_does_not_block_another_in_its_province() -> None:
    working, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_action() -> None:
        with deferred():
            record(event_type="test.first", actor=None, division_code=COUNTY_A)
            working.set()
            assert done.wait(20), "the second action never finished"  # the first action's slow work

    first = _in_a_thread(first_action, errors)
    assert working.wait(10)
    second = _in_a_thread(lambda: _append_in_the_same_province_within(3), errors)
    second.join(10)
    second_finished = not second.is_alive()
    done.set()
    first.join(10)
    assert errors == []
    assert second_finished
    # The second action committed first and so comes first in the chain; the chain is intact.
    assert list(AuditEvent.objects.filter(chain="44").order_by("seq").values_list("event_type", flat=True)) == [
        "test.second",
        "test.first",
    ]
    report = chain.verify_all()
    assert report.ok, report.problems


@pytest.mark.django_db(transaction=True)
def test_an_event_recorded_outside_an_audited_action_holds_the_head_until_commit() -> None:
    """The other side, showing that the test above would see a held head: a bare ``record()`` in a
    transaction appends at once and keeps its chain head locked until that transaction ends."""
    working, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_transaction() -> None:
        with transaction.atomic():
            record(event_type="test.first", actor=None, division_code=COUNTY_A)
            working.set()
            done.wait(20)

    first = _in_a_thread(first_transaction, errors)
    assert working.wait(10)
    second = _in_a_thread(lambda: _append_in_the_same_province_within(0.5), errors)
    second.join(10)
    done.set()
    first.join(10)
    assert len(errors) == 1 and isinstance(errors[0], OperationalError), errors
    assert "lock timeout" in str(errors[0])


@pytest.mark.django_db(transaction=True)
def test_concurrent_audited_actions_in_one_province_link_one_unbroken_chain() -> None:
    """Audited actions racing each other in one province (their events appended at their ends, two chains
    each, heads taken in a fixed order): no deadlock, and the chain never forks or runs backwards."""
    errors: list[BaseException] = []

    def actions(n: int) -> None:
        for i in range(15):
            with deferred():
                record(event_type="test.race", actor=None, division_code=COUNTY_A, data={"w": n, "i": i})
                record(event_type="test.race", actor=None, division_code=COUNTY_B, data={"w": n, "i": i})

    threads = [_in_a_thread(functools.partial(actions, n), errors) for n in range(4)]
    for thread in threads:
        thread.join(60)
    assert errors == []
    report = chain.verify_all()  # ids and times grow along the chain, every link holds
    assert report.ok, report.problems
    assert report.heads["44"][0] == 120
    times = list(AuditEvent.objects.filter(chain="44").order_by("seq").values_list("occurred_at", flat=True))
    assert times == sorted(times)
