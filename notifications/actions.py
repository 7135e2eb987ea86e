"""Writes of the notifications app (one transaction each; audited where an administrator acts)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, staff_or_none
from audit.log import record

from . import events
from .models import ContactDetails, Delivery, DeliveryStatus, Mode, Notification, Preference
from .outbox import enqueue_deliveries
from .queries import forget_badge


@transaction.atomic
def do_mark_read(notification: Notification, *, actor: Actor) -> Notification:
    """Mark one of the actor's notifications read (the caller checked it is theirs)."""
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    forget_badge(notification.recipient_id)
    if updated:
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def do_mark_all_read(*, actor: Actor) -> int:
    forget_badge(getattr(actor, "pk", None))
    return Notification.objects.filter(recipient=staff_or_none(actor), read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def do_set_preferences(
    user: Any, *, actor: Actor, preferences: dict[str, dict[str, Any]], sms_phone: str | None = None
) -> None:
    """Store ``{event: {"in_app", "email", "sms", "mode"}}`` for ``user`` (and their SMS number)."""
    changed: dict[str, Any] = {}
    for event, values in preferences.items():
        if event not in events.preference_events():
            raise ValidationError({"event": _("Unknown notification event: %(event)s") % {"event": event}})
        mode = values.get("mode", Mode.IMMEDIATE)
        if mode not in Mode.values:
            raise ValidationError({"mode": _("Choose immediately or in a daily digest.")})
        wanted = {
            "in_app": bool(values.get("in_app")),
            "email": bool(values.get("email")),
            "sms": bool(values.get("sms")),
            "mode": mode,
        }
        row = Preference.objects.select_for_update().filter(user=user, event=event).first()
        before = {k: getattr(row, k) for k in wanted} if row else None
        if before != wanted:
            Preference.objects.update_or_create(user=user, event=event, defaults=wanted)
            changed[event] = wanted
    phone_changed = False
    if sms_phone is not None:
        sms_phone = sms_phone.strip()
        if sms_phone and not sms_phone.lstrip("+").replace(" ", "").replace("-", "").isdigit():
            raise ValidationError({"sms_phone": _("Enter a mobile number with digits only.")})
        contact, _created = ContactDetails.objects.get_or_create(user=user)
        if contact.sms_phone != sms_phone:
            contact.sms_phone = sms_phone
            contact.save(update_fields=["sms_phone"])
            phone_changed = True
    if changed or phone_changed:
        # The number itself is personal data: the trail records only that it changed.
        record(
            event_type="notification.preferences_changed",
            actor=actor,
            object_type="accounts.user",
            object_id=str(user.pk),
            data={"preferences": changed, "sms_phone_changed": phone_changed},
        )


@transaction.atomic
def do_retry_delivery(delivery: Delivery, *, actor: Actor) -> Delivery:
    """An administrator sends a failed or dead delivery again (a fresh round of attempts)."""
    row = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status not in (DeliveryStatus.FAILED, DeliveryStatus.DEAD):
        raise ValidationError(_("Only a failed delivery can be retried."))
    previous = row.status
    row.status = DeliveryStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = timezone.now()
    row.claimed_at = None
    row.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at"])
    record(
        event_type="notification.delivery_retried",
        actor=actor,
        object_type="notifications.delivery",
        object_id=str(row.pk),
        division_code=row.division_code,
        data={"channel": row.channel, "event": row.event, "from": previous, "last_error": row.last_error[:200]},
    )
    enqueue_deliveries([row.pk])
    return row
