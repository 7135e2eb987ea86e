"""A new account's one-time link is texted when a phone is on file, sealed in the outbox until sent."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from freezegun import freeze_time

from accounts.actions import do_issue_initial_link
from jurisdictions.actions import do_create_staff
from jurisdictions.models import Division
from notifications import delivery, sealing
from notifications.initial_links import EVENT
from notifications.models import Channel, Delivery, DeliveryStatus
from tests.conftest import COUNTY_A


def link_for(token: str) -> str:
    return f"https://laurel.example/accounts/welcome/{token}/"


def create(username: str, phone: str) -> tuple[Any, str, bool]:
    return do_create_staff(
        division=Division.objects.get(code=COUNTY_A),
        username=username,
        full_name="李小丽",
        phone=phone,
        actor=None,
        link_for=link_for,
    )


def texts() -> list[Delivery]:
    return list(Delivery.objects.filter(channel=Channel.SMS, event=EVENT).order_by("pk"))


def test_creating_staff_with_a_phone_queues_exactly_one_text_that_carries_the_link(
    db: Any,
    run_worker: Callable[[], int],
    sms_messages: Callable[[], list[dict[str, str]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # on RQ the job is queued on commit
        user, url, texted = create("xiaoli", "138-0013-8000")
    assert texted
    [row] = texts()
    assert row.address == "13800138000" and row.recipient_id == user.pk and row.status == DeliveryStatus.PENDING
    token = url.rsplit("/", 2)[-2]
    assert token not in json.dumps(row.context) and token not in row.dedupe_key  # sealed, never in clear
    assert sealing.open_sealed(row.context) == {"link": url}

    run_worker()
    [message] = sms_messages()
    assert message["to"] == "13800138000" and url in message["text"] and "设置密码" in message["text"]
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and not sealing.is_sealed(row.context)  # wiped once sent


def test_without_a_phone_nothing_is_texted(db: Any, sms_messages: Callable[[], list[dict[str, str]]]) -> None:
    _user, _url, texted = create("xiaozhao", "")
    assert not texted and texts() == [] and sms_messages() == []


def test_a_newer_link_skips_the_waiting_text_of_the_older_one(
    db: Any,
    run_worker: Callable[[], int],
    sms_messages: Callable[[], list[dict[str, str]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # on RQ the jobs are queued on commit
        user, first, _texted = create("xiaoli", "13800138000")
        second, texted = do_issue_initial_link(user, actor=None, link_for=link_for)
    assert texted
    old, new = texts()
    assert old.status == DeliveryStatus.SKIPPED and not sealing.is_sealed(old.context)
    assert new.status == DeliveryStatus.PENDING and sealing.open_sealed(new.context) == {"link": second}
    run_worker()
    assert [m["text"] for m in sms_messages() if first in m["text"]] == []
    assert [second in m["text"] for m in sms_messages()] == [True]


def test_a_link_that_expired_before_it_was_sent_is_wiped_and_never_sent(
    db: Any, sms_messages: Callable[[], list[dict[str, str]]]
) -> None:
    create("xiaoli", "13800138000")
    [row] = texts()
    with freeze_time(timezone.now() + dt.timedelta(days=4)):
        delivery.sweep()
        assert delivery.deliver_one(row.pk) == delivery.SKIPPED
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SKIPPED and not sealing.is_sealed(row.context)
    assert sms_messages() == []


def test_a_failed_text_keeps_its_sealed_link_for_the_retry(db: Any, settings: Any) -> None:
    settings.LAUREL_SMS_BACKEND = "tests.notifications.test_initial_links.BrokenGateway"
    _user, url, _texted = create("xiaoli", "13800138000")
    [row] = texts()
    assert delivery.deliver_one(row.pk) == delivery.FAILED
    row.refresh_from_db()
    assert sealing.open_sealed(row.context) == {"link": url} and url not in row.last_error


def test_the_gm_profile_seals_with_sm4(settings: Any) -> None:
    settings.LAUREL_CRYPTO_PROFILE = "gm"
    context = sealing.seal({"link": "https://x/welcome/abc/"}, until=timezone.now() + dt.timedelta(hours=1))
    assert context[sealing.SEALED]["link"].startswith("gm1:")
    assert sealing.open_sealed(context) == {"link": "https://x/welcome/abc/"}
    settings.LAUREL_CRYPTO_PROFILE = "standard"
    assert sealing.open_sealed(context) is None  # sealed under the other profile: cannot be opened


class BrokenGateway:
    def send(self, phone: str, text: str, *, message_id: str) -> None:
        raise OSError("gateway down")
