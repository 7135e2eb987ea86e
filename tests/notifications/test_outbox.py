"""notify(): written in the caller's transaction, delivered by a worker, once per receiver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import User
from cases.notify import CaseEvent
from notifications.actions import do_set_preferences
from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.outbox import notify


class Boom(Exception):
    pass


def _notify_decided(recipients: list[User], key: str = "case.decided:1", **kw: Any) -> list[Delivery]:
    return notify(
        event=CaseEvent.CASE_RETURNED,
        recipients=recipients,
        context={"case": "440106-2026-000001", "reason": "材料不全"},
        dedupe_key=key,
        division_code="440106",
        link="/cases/1/",
        **kw,
    )


def test_rolled_back_action_sends_nothing(
    alice: User, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        _notify_decided([alice])
        assert Notification.objects.filter(recipient=alice).exists()  # written inside the transaction
        raise Boom
    run_worker()
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_committed_action_puts_an_item_in_the_bell_and_emails_once(
    alice: User, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify_decided([alice])
    item = Notification.objects.get(recipient=alice)
    assert item.read_at is None and item.link == "/cases/1/"
    assert run_worker() >= 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.gov.cn"]
    assert "440106-2026-000001" in message.subject
    assert "退回" in message.subject  # zh-Hans by default
    assert "https://laurel.example/cases/1/" in message.body
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_english_speakers_get_english(
    bob: User, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify_decided([bob])
    run_worker()
    assert mail.outbox[0].subject == "Case 440106-2026-000001 was returned for correction"


def test_the_same_key_reaches_nobody_twice(alice: User, bob: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify_decided([alice])
        _notify_decided([alice, bob])
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert Notification.objects.filter(recipient=bob).count() == 1
    assert Delivery.objects.filter(recipient=alice).count() == 1


def test_inactive_users_and_switched_off_channels_get_nothing(alice: User, bob: User) -> None:
    User.objects.filter(pk=bob.pk).update(is_active=False)
    bob.refresh_from_db()
    do_set_preferences(
        alice,
        actor=alice,
        preferences={CaseEvent.CASE_RETURNED: {"in_app": False, "email": False, "sms": False, "mode": "immediate"}},
    )
    _notify_decided([alice, bob])
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_sms_to_staff_needs_a_number_and_the_preference(
    alice: User,
    run_worker: Callable[[], int],
    sms_messages: Callable[[], list[dict[str, str]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_set_preferences(
        alice,
        actor=alice,
        preferences={CaseEvent.CASE_RETURNED: {"in_app": True, "email": False, "sms": True, "mode": "immediate"}},
        sms_phone="13800138000",
    )
    with django_capture_on_commit_callbacks(execute=True):
        _notify_decided([alice])
    run_worker()
    [sms] = sms_messages()
    assert sms["to"] == "13800138000"
    assert "440106" not in sms["text"] and "材料不全" not in sms["text"]  # no case details by SMS
    assert mail.outbox == []


def test_unknown_event_is_refused(alice: User) -> None:
    with pytest.raises(ValueError, match="unknown notification event"):
        notify(event="case.exploded", recipients=[alice], context={}, dedupe_key="x")
