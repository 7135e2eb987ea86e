"""Pages: the bell, my notifications, preferences, failed deliveries (administrators of the jurisdiction)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from cases.notify import CaseEvent
from notifications.models import Delivery, DeliveryStatus, Notification, Preference
from notifications.outbox import notify


def _notify(user: User, key: str = "k") -> Notification:
    notify(
        event=CaseEvent.CASE_RETURNED,
        recipients=[user],
        context={"case": "440106-2026-000003", "reason": "缺少材料"},
        dedupe_key=key,
        division_code="440106",
        link="/cases/3/",
    )
    return Notification.objects.get(recipient=user, dedupe_key=f"{key}|u{user.pk}")


def _dead(division_code: str = "440106") -> Delivery:
    return Delivery.objects.create(
        channel="sms",
        address="13912345678",
        event=CaseEvent.LETTER_READY,
        dedupe_key=f"dead:{division_code}",
        division_code=division_code,
        status=DeliveryStatus.DEAD,
        attempts=6,
        last_error="ConnectionError: gateway down",
    )


def test_the_bell_shows_the_unread_count(client: Client, alice: User) -> None:
    _notify(alice, "a")
    _notify(alice, "b")
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert 'class="bell"' in page and ">2</strong>" in page


def test_my_notifications_list_and_mark_read(client: Client, alice: User) -> None:
    item = _notify(alice)
    client.force_login(alice)
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200 and "440106-2026-000003" in page.content.decode()
    response = client.post(reverse("notifications:read", args=[item.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/3/"
    item.refresh_from_db()
    assert item.read_at is not None


def test_mark_all_read(client: Client, alice: User) -> None:
    _notify(alice, "a")
    _notify(alice, "b")
    client.force_login(alice)
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_is_a_404(client: Client, alice: User, bob: User) -> None:
    item = _notify(alice)
    client.force_login(bob)
    assert client.post(reverse("notifications:read", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_preferences_page_saves_choices(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    response = client.post(
        reverse("notifications:preferences"),
        {f"{CaseEvent.CASE_RETURNED}-email": "on", f"{CaseEvent.CASE_RETURNED}-mode": "digest", "sms_phone": ""},
    )
    assert response.status_code == 302
    row = Preference.objects.get(user=alice, event=CaseEvent.CASE_RETURNED)
    assert (row.in_app, row.email, row.sms, row.mode) == (False, True, False, "digest")
    assert AuditEvent.objects.filter(event_type="notification.preferences_changed").exists()


def test_preferences_page_refuses_a_bad_number(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(reverse("notifications:preferences"), {"sms_phone": "call me"})
    assert response.status_code == 200
    assert not Preference.objects.exists()


def test_administrators_see_failed_deliveries_and_retry_them(web_as: Callable[[User], Client], admin_a: User) -> None:
    dead = _dead()
    client = web_as(admin_a)
    page = client.get(reverse("notifications:failures"))
    assert page.status_code == 200 and "gateway down" in page.content.decode()
    assert "13912345678" not in page.content.decode()  # the number is personal data
    response = client.post(reverse("notifications:retry", args=[dead.pk]))
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.PENDING and dead.attempts == 0
    event = AuditEvent.objects.get(event_type="notification.delivery_retried")
    assert event.division_code == "440106" and event.actor_id == admin_a.pk


def test_an_administrator_of_another_county_gets_404(web_as: Callable[[User], Client], admin_b: User) -> None:
    dead = _dead()
    client = web_as(admin_b)
    assert "gateway down" not in client.get(reverse("notifications:failures")).content.decode()
    assert client.post(reverse("notifications:retry", args=[dead.pk])).status_code == 404
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.DEAD


def test_a_non_administrator_is_refused(client: Client, alice: User) -> None:
    dead = _dead()
    client.force_login(alice)
    assert client.get(reverse("notifications:failures")).status_code == 403
    assert client.post(reverse("notifications:retry", args=[dead.pk])).status_code == 403


def test_a_sent_delivery_cannot_be_retried(web_as: Callable[[User], Client], admin_a: User) -> None:
    dead = _dead()
    Delivery.objects.filter(pk=dead.pk).update(status=DeliveryStatus.SENT)
    client = web_as(admin_a)
    client.post(reverse("notifications:retry", args=[dead.pk]))
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.SENT


def test_pages_need_a_login(client: Client, db: Any) -> None:
    for name in ("notifications:list", "notifications:preferences", "notifications:failures"):
        assert client.get(reverse(name)).status_code == 302
