"""Real threads on PostgreSQL: two schedulers, two workers, two transactions notifying the same key."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import User
from cases.notify import CaseEvent
from notifications import delivery, scheduler
from notifications.models import Delivery, DeliveryStatus, Notification, ScheduledRun
from notifications.outbox import notify
from tests.cases.conftest import restore_demo_divisions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_with_divisions() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent transactions)")
    restore_demo_divisions()


def race(*calls: Callable[[], Any]) -> list[Any]:
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


def test_two_schedulers_at_the_same_instant_run_each_slot_once(db: Any) -> None:
    now = timezone.now()
    for _ in range(3):
        first, second = race(lambda: scheduler.run_due(now, who="a"), lambda: scheduler.run_due(now, who="b"))
        assert not set(first) & set(second)
    assert ScheduledRun.objects.count() == len([j for j in scheduler.jobs() if j.slot(now)])


def test_two_workers_on_one_message_send_it_once(alice: User) -> None:
    [row] = notify(
        event=CaseEvent.CASE_RETURNED,
        recipients=[alice],
        context={"case": "440106-2026-000001"},
        dedupe_key="race:1",
        division_code="440106",
    )
    outcomes = race(lambda: delivery.deliver_one(row.pk), lambda: delivery.deliver_one(row.pk))
    assert sorted(outcomes) == [delivery.SENT, delivery.SKIPPED]
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_two_transactions_notifying_the_same_key_reach_the_receiver_once(alice: User) -> None:
    def announce() -> None:
        with transaction.atomic():
            notify(
                event=CaseEvent.CASE_RETURNED,
                recipients=[alice],
                context={"case": "440106-2026-000002"},
                dedupe_key="race:2",
                division_code="440106",
            )

    for result in race(announce, announce):
        assert not isinstance(result, Exception), result
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert Delivery.objects.count() == 1
