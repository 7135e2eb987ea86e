"""Preferences per event: immediate or a daily digest; new tasks in a queue come batched."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import mail

from accounts.models import User
from audit.models import AuditEvent
from cases.notify import CaseEvent
from notifications import delivery
from notifications.actions import do_set_preferences
from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.outbox import notify, preferences_of


def _returned(user: User, n: int) -> None:
    notify(
        event=CaseEvent.CASE_RETURNED,
        recipients=[user],
        context={"case": f"440106-2026-00000{n}", "reason": "缺少材料"},
        dedupe_key=f"case.returned:{n}",
        division_code="440106",
    )


def test_preference_changes_are_stored_and_audited(alice: User) -> None:
    do_set_preferences(
        alice,
        actor=alice,
        preferences={CaseEvent.CASE_RETURNED: {"in_app": True, "email": True, "sms": False, "mode": "digest"}},
        sms_phone="13800138000",
    )
    assert preferences_of(alice)[CaseEvent.CASE_RETURNED].mode == "digest"
    event = AuditEvent.objects.get(event_type="notification.preferences_changed")
    assert "13800138000" not in str(event.data)
    assert event.data["sms_phone_changed"] is True


def test_digest_mode_holds_messages_and_the_daily_digest_sends_them_in_one_email(
    alice: User, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    do_set_preferences(
        alice,
        actor=alice,
        preferences={CaseEvent.CASE_RETURNED: {"in_app": True, "email": True, "sms": False, "mode": "digest"}},
    )
    _returned(alice, 1)
    _returned(alice, 2)
    assert Notification.objects.filter(recipient=alice).count() == 2  # the bell is immediate
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.HELD}
    run_worker()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.release_held("digest", "2026-03-02") == 1
        assert delivery.release_held("digest", "2026-03-02") == 0  # a second scheduler: nothing more
    run_worker()
    [digest] = mail.outbox
    assert "2" in digest.subject
    assert "440106-2026-000001" in digest.body and "440106-2026-000002" in digest.body
    assert set(Delivery.objects.filter(event=CaseEvent.CASE_RETURNED).values_list("status", flat=True)) == {
        DeliveryStatus.DIGESTED
    }


def test_digest_for_a_user_without_email_is_skipped(alice: User) -> None:
    do_set_preferences(
        alice,
        actor=alice,
        preferences={CaseEvent.CASE_RETURNED: {"in_app": True, "email": True, "sms": False, "mode": "digest"}},
    )
    _returned(alice, 1)
    User.objects.filter(pk=alice.pk).update(email="")
    assert delivery.release_held("digest", "2026-03-02") == 0
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED


def test_new_tasks_in_a_queue_are_one_bell_item_and_one_batched_email(
    alice: User, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    for n in (1, 2, 3):
        notify(
            event=CaseEvent.TASK_QUEUED,
            recipients=[alice],
            context={"case": f"440106-2026-00000{n}", "step": "intake"},
            dedupe_key=f"task.queued:{n}",
            division_code="440106",
        )
    [item] = Notification.objects.filter(recipient=alice)
    assert item.context["count"] == 3
    run_worker()
    assert mail.outbox == []  # batched, not one email per task
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.release_held("batch", "slot-1") == 1
    run_worker()
    [email] = mail.outbox
    assert "3" in email.subject
    # Once read, the next task opens a new bell item.
    Notification.objects.update(read_at=item.created_at)
    notify(
        event=CaseEvent.TASK_QUEUED,
        recipients=[alice],
        context={"case": "440106-2026-000004", "step": "intake"},
        dedupe_key="task.queued:4",
    )
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).get().context["count"] == 1
