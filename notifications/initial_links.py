"""Texting a new member of staff's one-time sign-in link (the courier ``accounts`` asks for).

``accounts`` issues the link and shows it to the administrator; it knows no channel, so it hands
the link to the couriers registered with ``accounts.couriers``. This one is registered in
``NotificationsConfig.ready()``: when the account has a mobile phone on file it writes one SMS
outbox row in the issuing transaction (the message goes out if and only if the account was
created) and queues its delivery job on commit.

The link is a credential, so the row never holds it in clear: it is sealed
(``notifications.sealing``) until the worker sends it, then wiped; it is also wiped when the link
expires and when a newer link for the same account replaces it (the older row, if still
waiting, is skipped: its link no longer works).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actions import INITIAL_LINK_LIFETIME
from accounts.homes import home_division

from . import events, sealing
from .models import Channel, Delivery, DeliveryStatus
from .outbox import enqueue_deliveries

if TYPE_CHECKING:
    from accounts.models import User

EVENT = "account.initial_link"


def register() -> None:
    """The event's texts (no preference: it is not something one opts out of) and the courier."""
    from accounts.couriers import register_initial_link_courier

    events.register_event(
        EVENT,
        events.EventSpec(
            label=_("Your new account's sign-in link"),
            title=_("Your account is ready"),
            body=_("Open the one-time link you received to choose your password."),
            sms=_(
                "【Veterans Affairs】Your Laurel account is ready. Open this link once to choose your "
                "password (valid until %(valid_until)s; do not forward it): %(link)s"
            ),
            preference=False,
        ),
    )
    register_initial_link_courier(text_initial_link)


def text_initial_link(user: User, url: str) -> bool:
    """Queue the link as a text message to ``user.phone``; False (nothing queued) without a phone."""
    # A newer link voids the older ones: their texts, if still waiting, are not sent.
    earlier = Delivery.objects.filter(recipient=user, event=EVENT, context__has_key=sealing.SEALED)
    sealing.wipe(list(earlier.values_list("pk", flat=True)), skip_waiting=True)
    if not user.phone:
        return False
    until = timezone.now() + INITIAL_LINK_LIFETIME
    row = Delivery.objects.create(
        channel=Channel.SMS,
        recipient=user,
        address=user.phone,
        event=EVENT,
        context={
            "valid_until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            **sealing.seal({"link": url}, until=until),
        },
        language=user.language or "zh-hans",
        dedupe_key=f"{EVENT}:u{user.pk}:{uuid.uuid4().hex}",
        division_code=home_division(user),
        status=DeliveryStatus.PENDING,
    )
    enqueue_deliveries([row.pk])
    return True
