"""Delivering the outbox: claim a row, send it, record the outcome; retries, dead letters, digests.

A delivery is claimed in a short transaction (status ``sending``, ``claimed_at``, one more
attempt) and sent outside it. A worker that dies after claiming leaves the row ``sending``;
once the claim is older than ``LAUREL_NOTIFY_CLAIM_LEASE_SECONDS`` the sweep hands it to
another worker. If the first worker had already sent the message, the receiver drops the
repeat by its message id (email ``Message-ID``, the SMS gateway's idempotency key).

Failures wait ``LAUREL_NOTIFY_BACKOFF_SECONDS × 2^(attempt-1)`` (capped at
``LAUREL_NOTIFY_BACKOFF_MAX_SECONDS``); after ``LAUREL_NOTIFY_MAX_ATTEMPTS`` attempts the
delivery is dead and waits for an administrator's retry.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.jobs import enqueue

from . import events, sealing, sms
from .models import Channel, Delivery, DeliveryStatus, Held

# Outcomes returned by deliver_one (job results, handy in logs and tests).
SENT, FAILED, DEAD, SKIPPED = "sent", "failed", "dead", "skipped"


def backoff(attempts: int) -> datetime.timedelta:
    """Wait after the ``attempts``-th failed attempt."""
    seconds = settings.LAUREL_NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.LAUREL_NOTIFY_BACKOFF_MAX_SECONDS))


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LAUREL_NOTIFY_CLAIM_LEASE_SECONDS)


def message_id(delivery: Delivery) -> str:
    """A stable id per message, from its dedupe key: the receiver's duplicate filter."""
    return hashlib.sha256(f"{delivery.channel}|{delivery.dedupe_key}".encode()).hexdigest()[:32]


def claim(delivery_id: int, now: datetime.datetime | None = None) -> Delivery | None:
    """Take the delivery for sending, or None when it is not due, done, or another worker holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id).first()
        if delivery is None:
            return None
        if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            if delivery.next_attempt_at > now:
                return None
        elif delivery.status == DeliveryStatus.SENDING:
            if delivery.claimed_at and delivery.claimed_at > now - lease():
                return None
        else:
            return None
        delivery.status = DeliveryStatus.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts"])
        return delivery


def _digest_lines(delivery: Delivery) -> list[str]:
    lines, seen = [], set()
    for item in delivery.items.order_by("created_at", "id"):
        if item.dedupe_key in seen:  # the same message held for email and SMS is listed once
            continue
        seen.add(item.dedupe_key)
        title, _body = events.render(item.event, item.context, delivery.language)
        lines.append(f"- {title}")
    return lines


def compose(delivery: Delivery) -> tuple[str, str]:
    """``(subject, text)`` of an email delivery in its language."""
    title, body = events.render(delivery.event, delivery.context, delivery.language)
    parts = [body]
    if delivery.event == events.DIGEST or events.spec(delivery.event).batched:
        lines = _digest_lines(delivery)
        if lines:
            parts.append("\n".join(lines))
    if delivery.link:
        with translation.override(delivery.language):
            parts.append(_("Open: %(link)s") % {"link": settings.LAUREL_PUBLIC_BASE_URL.rstrip("/") + delivery.link})
    return title, "\n\n".join(parts)


class SecretGone(Exception):
    """The row's sealed secret expired or cannot be opened: the message is skipped, not retried."""


def send(delivery: Delivery) -> None:
    """Hand one message to its channel; raises on failure."""
    if delivery.channel == Channel.EMAIL:
        subject, text = compose(delivery)
        email = EmailMessage(
            subject=subject,
            body=text,
            to=[delivery.address],
            headers={"Message-ID": f"<{message_id(delivery)}@{settings.LAUREL_NOTIFY_MESSAGE_ID_DOMAIN}>"},
        )
        email.send(fail_silently=False)
    elif delivery.channel == Channel.SMS:
        secrets = None
        if sealing.is_sealed(delivery.context):
            secrets = sealing.open_sealed(delivery.context)
            if secrets is None:
                raise SecretGone
        text = events.render_sms(delivery.event, delivery.context, delivery.language, secrets=secrets)
        sms.gateway().send(delivery.address, text, message_id=message_id(delivery))
    else:
        raise ValueError(f"no sender for channel {delivery.channel!r}")


def record_failure(delivery: Delivery, error: str, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    with transaction.atomic():
        row = Delivery.objects.select_for_update().get(pk=delivery.pk)
        row.last_error = error[:2000]
        row.claimed_at = None
        if row.attempts >= settings.LAUREL_NOTIFY_MAX_ATTEMPTS:
            row.status = DeliveryStatus.DEAD
        else:
            row.status = DeliveryStatus.FAILED
            row.next_attempt_at = now + backoff(row.attempts)
            enqueue("notifications.tasks.deliver", row.pk, run_after=row.next_attempt_at)
        row.save(update_fields=["last_error", "claimed_at", "status", "next_attempt_at"])
        return DEAD if row.status == DeliveryStatus.DEAD else FAILED


def record_sent(delivery: Delivery, now: datetime.datetime | None = None) -> None:
    """Mark the row sent; a sealed secret it carried (``notifications.sealing``) is wiped at once."""
    changes: dict[str, Any] = {"status": DeliveryStatus.SENT, "sent_at": now or timezone.now()}
    if sealing.is_sealed(delivery.context):
        changes["context"] = sealing.wiped(delivery.context)
    Delivery.objects.filter(pk=delivery.pk).update(**changes)


def deliver_one(delivery_id: int) -> str:
    """Claim, send and record one delivery (the body of the ``deliver`` job)."""
    delivery = claim(delivery_id)
    if delivery is None:
        return SKIPPED
    try:
        send(delivery)
    except SecretGone:
        sealing.wipe([delivery.pk], skip_waiting=False)
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SKIPPED, claimed_at=None)
        return SKIPPED
    except Exception as exc:
        return record_failure(delivery, f"{type(exc).__name__}: {exc}")
    record_sent(delivery)
    return SENT


def sweep(now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """Enqueue deliveries that no job is going to pick up: lost enqueues, due retries, expired claims.

    Sealed secrets whose time is over are wiped first (``notifications.sealing``).
    """
    now = now or timezone.now()
    sealing.wipe_expired(now)
    grace = datetime.timedelta(seconds=settings.LAUREL_NOTIFY_SWEEP_GRACE_SECONDS)
    due = Delivery.objects.filter(
        Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now - grace)
        | Q(status=DeliveryStatus.SENDING, claimed_at__lte=now - lease())
    ).order_by("next_attempt_at", "id")
    ids = list(due.values_list("pk", flat=True)[:limit])
    with transaction.atomic():
        for pk in ids:
            enqueue("notifications.tasks.deliver", pk)
    return len(ids)


def release_held(held_for: str, slot: str, now: datetime.datetime | None = None) -> int:
    """Fold each recipient's held messages into one email (the batch of new tasks, or the daily digest).

    Idempotent per ``slot``: the summary's dedupe key is ``<held_for>:<user>:<slot>``. Held
    messages of a user without an email address are marked skipped. Returns the number of
    summaries written.
    """
    from .outbox import enqueue_deliveries

    now = now or timezone.now()
    written = []
    with transaction.atomic():
        held = list(
            Delivery.objects.select_for_update(of=("self",))
            .filter(status=DeliveryStatus.HELD, held_for=held_for, created_at__lte=now)
            .select_related("recipient")
            .order_by("recipient_id", "created_at", "id")
        )
        by_user: dict[int, list[Delivery]] = defaultdict(list)
        for item in held:
            by_user[item.recipient_id or 0].append(item)
        for user_id, items in by_user.items():
            user: Any = items[0].recipient
            if user is None or not user.email or not user.is_active:
                Delivery.objects.filter(pk__in=[i.pk for i in items]).update(status=DeliveryStatus.SKIPPED)
                continue
            last = items[-1]
            event = last.event if held_for == Held.BATCH else events.DIGEST
            summary, created = Delivery.objects.get_or_create(
                channel=Channel.EMAIL,
                dedupe_key=f"{held_for}:{user_id}:{slot}",
                defaults={
                    "recipient": user,
                    "address": user.email,
                    "event": event,
                    "context": {
                        **(last.context if held_for == Held.BATCH else {}),
                        "count": len({i.dedupe_key for i in items}),
                    },
                    "language": user.language,
                    "division_code": last.division_code,
                },
            )
            Delivery.objects.filter(pk__in=[i.pk for i in items]).update(status=DeliveryStatus.DIGESTED, digest=summary)
            if created:
                written.append(summary.pk)
        enqueue_deliveries(written)
    return len(written)
