"""Delivery: claims and crashes, retries with backoff, dead letters, receivers that drop repeats."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import User
from cases.notify import CaseEvent
from notifications import delivery
from notifications.models import Delivery, DeliveryStatus
from notifications.outbox import notify

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _email(user: User, key: str = "k1") -> Delivery:
    [row] = notify(
        event=CaseEvent.CASE_DECIDED,
        recipients=[user],
        context={"case": "440106-2026-000007", "outcome": "approved"},
        dedupe_key=key,
        division_code="440106",
    )
    return row


def _letter_sms(phone: str = "13912345678") -> Delivery:
    [row] = notify(
        event=CaseEvent.LETTER_READY,
        recipient_phone=phone,
        context={"case": "440106-2026-000007"},
        dedupe_key="letter.ready:7",
        division_code="440106",
    )
    return row


@pytest.fixture
def decided_by_email(alice: User) -> User:
    from notifications.actions import do_set_preferences

    do_set_preferences(
        alice,
        actor=alice,
        preferences={CaseEvent.CASE_DECIDED: {"in_app": True, "email": True, "sms": False, "mode": "immediate"}},
    )
    return alice


def test_a_worker_killed_after_claiming_is_replaced_and_the_message_arrives_once(
    decided_by_email: User, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    with freeze_time(T0):
        row = _email(decided_by_email)
        assert delivery.claim(row.pk) is not None  # the worker claims it ... and dies before sending
        assert delivery.deliver_one(row.pk) == delivery.SKIPPED  # the claim holds while its lease runs
    assert mail.outbox == []
    with freeze_time(T0 + datetime.timedelta(seconds=301)):  # the lease expired: restart
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery.sweep() == 1
        run_worker()
        run_worker()
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 2


def test_a_worker_killed_after_sending_does_not_text_the_receiver_twice(
    db: Any,
    run_worker: Callable[[], int],
    sms_messages: Callable[[], list[dict[str, str]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with freeze_time(T0):
        row = _letter_sms()
        claimed = delivery.claim(row.pk)
        assert claimed is not None
        delivery.send(claimed)  # sent ... and the worker dies before recording it
    with freeze_time(T0 + datetime.timedelta(minutes=10)):
        with django_capture_on_commit_callbacks(execute=True):
            delivery.sweep()
        run_worker()
    assert len(sms_messages()) == 1  # the gateway dropped the repeat by its message id
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT


def test_the_email_message_id_is_stable_so_mail_clients_drop_repeats(decided_by_email: User) -> None:
    row = _email(decided_by_email)
    delivery.send(row)
    delivery.send(row)
    ids = {m.extra_headers["Message-ID"] for m in mail.outbox}
    assert len(ids) == 1


class Flaky:
    calls = 0

    def send(self, phone: str, text: str, *, message_id: str) -> None:
        Flaky.calls += 1
        raise ConnectionError("gateway down")


def test_failures_are_retried_with_doubling_backoff_then_become_dead_letters(db: Any, settings: Any) -> None:
    settings.LAUREL_SMS_BACKEND = "tests.notifications.test_delivery.Flaky"
    settings.LAUREL_NOTIFY_MAX_ATTEMPTS = 3
    settings.LAUREL_NOTIFY_BACKOFF_SECONDS = 60
    with freeze_time(T0):
        row = _letter_sms()
        assert delivery.deliver_one(row.pk) == delivery.FAILED
        row.refresh_from_db()
        assert row.status == DeliveryStatus.FAILED
        assert row.next_attempt_at == T0 + datetime.timedelta(seconds=60)
        assert row.last_error == "ConnectionError: gateway down"
        assert delivery.deliver_one(row.pk) == delivery.SKIPPED  # not due yet
    with freeze_time(T0 + datetime.timedelta(seconds=60)):
        assert delivery.deliver_one(row.pk) == delivery.FAILED
        row.refresh_from_db()
        assert row.next_attempt_at == timezone.now() + datetime.timedelta(seconds=120)
    with freeze_time(T0 + datetime.timedelta(seconds=180)):
        assert delivery.deliver_one(row.pk) == delivery.DEAD
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DEAD and row.attempts == 3
    assert Flaky.calls >= 3
    with freeze_time(T0 + datetime.timedelta(days=1)):
        assert delivery.sweep() == 0  # dead letters wait for an administrator


def test_backoff_is_capped(settings: Any) -> None:
    settings.LAUREL_NOTIFY_BACKOFF_SECONDS = 60
    settings.LAUREL_NOTIFY_BACKOFF_MAX_SECONDS = 600
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 9)] == [60, 120, 240, 480, 600, 600]


def test_the_letter_text_to_the_person_served_carries_no_personal_details(
    make_subject: Callable[..., Any],
    run_worker: Callable[[], int],
    sms_messages: Callable[[], list[dict[str, str]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = make_subject(name="赵六", phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        _letter_sms(person.phone)
    run_worker()
    [sms] = sms_messages()
    assert sms["to"] == "13912345678"
    assert sms["text"] == "【退役军人事务局】您的申请已有结果，决定书已可领取，请携带身份证件到县局领取。"
    assert "赵六" not in sms["text"] and person.id_number_hmac not in sms["text"]
