"""Text messages that carry a secret to a person served (a 查询码, a one-time code): sealed until sent.

Ordinary texts have fixed wording (``notifications.events``). A text that must carry a value the
person needs — the case's 查询码 at registration, the one-time code of the public tracking page —
keeps that value sealed in its outbox row (``notifications.sealing``) until the worker sends it,
and wiped after; ``until`` bounds how long an unsent value may wait.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from . import events, sealing
from .models import Channel, Delivery, DeliveryStatus
from .outbox import enqueue_deliveries

SUBJECT_LANGUAGE = "zh-hans"


def text_sealed(
    event: str,
    *,
    phone: str,
    secrets: dict[str, str],
    until: datetime.datetime,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
    division_code: str = "",
    language: str = SUBJECT_LANGUAGE,
) -> Delivery | None:
    """Queue ``event``'s SMS to ``phone`` with ``secrets`` sealed (one outbox row; delivery job on commit).

    ``dedupe_key`` must be unique per message (a repeated key writes nothing and returns ``None``).
    """
    if not events.is_registered(event):
        raise ValueError(f"unknown notification event {event!r}")
    phone = phone.strip()
    if not phone:
        return None
    with transaction.atomic():
        if Delivery.objects.filter(dedupe_key=dedupe_key, channel=Channel.SMS).exists():
            return None
        row = Delivery.objects.create(
            channel=Channel.SMS,
            address=phone,
            event=event,
            context={**(context or {}), **sealing.seal(secrets, until=until)},
            language=language,
            dedupe_key=dedupe_key,
            division_code=division_code,
            status=DeliveryStatus.PENDING,
        )
        enqueue_deliveries([row.pk])
    return row
