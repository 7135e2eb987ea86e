"""``notify()``: the one way other apps' actions announce something.

Call it inside the action's transaction. It writes the bell items (:class:`Notification`) and
the outbox rows (:class:`Delivery`) in that transaction, honouring each receiver's
preferences, and enqueues the delivery jobs so that they run only if the transaction
commits:

- django-tasks-db stores its job row in the same database transaction: the job is enqueued
  right away and disappears with a rollback.
- Other backends (RQ/Redis) are not transactional: the job is enqueued ``on_commit``. If
  the process dies between the commit and that enqueue, the periodic sweep
  (``notifications.delivery.sweep``) finds the undelivered row and enqueues it again.

The outbox rows are the source of truth either way; a message goes out if and only if its
transaction committed, and a duplicate job is harmless (delivery claims the row first).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.jobs import enqueue

from . import events
from .models import Channel, ContactDetails, Delivery, DeliveryStatus, Held, Mode, Notification, NotifiedKey
from .models import Preference as PreferenceRow
from .queries import forget_badge

logger = logging.getLogger(__name__)

SUBJECT_LANGUAGE = "zh-hans"  # people served have no account; their texts are in Chinese


@dataclass(frozen=True)
class Preference:
    in_app: bool
    email: bool
    sms: bool
    mode: str


def default_preference(event: str) -> Preference:
    return Preference(in_app=True, email=events.spec(event).email, sms=False, mode=Mode.IMMEDIATE)


def preferences_of(user: Any) -> dict[str, Preference]:
    """Every event's effective preference for ``user`` (stored rows over defaults)."""
    found = {
        row.event: Preference(in_app=row.in_app, email=row.email, sms=row.sms, mode=row.mode)
        for row in PreferenceRow.objects.filter(user=user)
    }
    return {event: found.get(event, default_preference(event)) for event in events.codes()}


def preference_for(user: Any, event: str) -> Preference:
    row = PreferenceRow.objects.filter(user=user, event=event).first()
    if row is None:
        return default_preference(event)
    return Preference(in_app=row.in_app, email=row.email, sms=row.sms, mode=row.mode)


def _claim_key(key: str) -> bool:
    """Record that ``key`` was notified; False when it already was (in this or an earlier transaction)."""
    return key in _claim_keys([key])


def _claim_keys(keys: list[str]) -> set[str]:
    """Record that ``keys`` were notified, in one statement; the ones that were not already (in this or
    an earlier transaction). ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: PostgreSQL and SQLite alike."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return set()
    ops = connection.ops
    table, key, created = (ops.quote_name(n) for n in (NotifiedKey._meta.db_table, "key", "created_at"))
    now = ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s)"] * len(keys))
    sql = f"INSERT INTO {table} ({key}, {created}) VALUES {rows} ON CONFLICT ({key}) DO NOTHING RETURNING {key}"  # noqa: S608 (names quoted, values bound)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for k in keys for value in (k, now)])
        return {row[0] for row in cursor.fetchall()}


def _preferences_for(user_ids: list[int], event: str) -> dict[int, Preference]:
    """Each user's effective preference for ``event`` (stored rows over the default), in one query."""
    if not user_ids:
        return {}
    found = {
        row.user_id: Preference(in_app=row.in_app, email=row.email, sms=row.sms, mode=row.mode)
        for row in PreferenceRow.objects.filter(user_id__in=user_ids, event=event)
    }
    default = default_preference(event)
    return {pk: found.get(pk, default) for pk in user_ids}


def phone_key(phone: str) -> str:
    """A receiver key for a phone number that does not reveal the number."""
    return "p" + hashlib.sha256(phone.encode()).hexdigest()[:16]


def _write_in_app(user: Any, event: str, context: dict[str, Any], key: str, link: str, division_code: str) -> None:
    now = timezone.now()
    forget_badge(user.pk)
    if events.spec(event).batched:
        # New tasks in a queue come in bursts: one unread bell item per user counts them.
        unread = (
            Notification.objects.select_for_update()
            .filter(recipient=user, event=event, read_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if unread is not None:
            unread.context = {**context, "count": int(unread.context.get("count", 1)) + 1}
            unread.created_at = now
            unread.link = link or unread.link
            unread.save(update_fields=["context", "created_at", "link"])
            return
        context = {**context, "count": 1}
    Notification.objects.create(
        recipient=user, event=event, context=context, link=link, dedupe_key=key, division_code=division_code
    )


def notify(
    *,
    event: str,
    context: dict[str, Any],
    dedupe_key: str,
    recipients: Iterable[Any] = (),
    recipient_phone: str = "",
    division_code: str = "",
    link: str = "",
) -> list[Delivery]:
    """Announce ``event`` to ``recipients`` (staff users) and/or by SMS to ``recipient_phone``.

    - ``context``: the template values (the texts the announcing app registered in
      ``notifications.events``): case numbers, dates, counts; never personal details.
    - ``dedupe_key``: identifies the occurrence (e.g. ``"case.decided:42"``). Notifying the
      same key again reaches nobody twice, whichever transaction does it.
    - ``division_code``: where the event belongs (administrators there see failed deliveries).
    - ``link``: a path in the application for the bell item.

    Staff receive what their preferences say (in-app, email, SMS; immediately or in the
    daily digest). ``recipient_phone`` (a person served) receives the event's fixed SMS
    text, which carries no personal details. Returns the outbox rows written.
    """
    if not events.is_registered(event):
        raise ValueError(f"unknown notification event {event!r}")
    spec = events.spec(event)
    written: list[Delivery] = []
    with transaction.atomic():
        users = {user.pk: user for user in recipients if user.is_active}
        keys = {pk: f"{dedupe_key}|u{pk}" for pk in users}
        fresh = _claim_keys(list(keys.values()))  # one statement, however many receivers
        users = {pk: user for pk, user in users.items() if keys[pk] in fresh}
        prefs = _preferences_for(list(users), event)
        wants_sms = [pk for pk in users if prefs[pk].sms]
        phones = (
            dict(ContactDetails.objects.filter(user_id__in=wants_sms).values_list("user_id", "sms_phone"))
            if wants_sms
            else {}
        )
        for pk, user in users.items():
            key, pref = keys[pk], prefs[pk]
            if pref.in_app:
                _write_in_app(user, event, context, key, link, division_code)
            held = Held.BATCH if spec.batched else Held.DIGEST if pref.mode == Mode.DIGEST else Held.NONE
            phone = phones.get(pk) or ""
            for channel, wanted, address in ((Channel.EMAIL, pref.email, user.email), (Channel.SMS, pref.sms, phone)):
                if wanted and address:
                    written.append(
                        Delivery.objects.create(
                            channel=channel,
                            recipient=user,
                            address=address,
                            event=event,
                            context=context,
                            link=link,
                            language=user.language or SUBJECT_LANGUAGE,
                            dedupe_key=key,
                            division_code=division_code,
                            status=DeliveryStatus.HELD if held else DeliveryStatus.PENDING,
                            held_for=held,
                        )
                    )
        if recipient_phone:
            key = f"{dedupe_key}|{phone_key(recipient_phone)}"
            if _claim_key(key):
                written.append(
                    Delivery.objects.create(
                        channel=Channel.SMS,
                        address=recipient_phone,
                        event=event,
                        context=context,
                        language=SUBJECT_LANGUAGE,
                        dedupe_key=key,
                        division_code=division_code,
                    )
                )
        enqueue_deliveries([d.pk for d in written if d.status == DeliveryStatus.PENDING])
    return written


# --- enqueueing jobs -----------------------------------------------------------------------


def enqueue_deliveries(ids: Iterable[int]) -> None:
    """Queue one delivery job per outbox row, on commit (``core.jobs.enqueue``)."""
    for pk in ids:
        enqueue("notifications.tasks.deliver", pk)
