"""Notifications: the in-app bell items, the outbox of email/SMS deliveries, preferences, schedule claims.

The outbox is the source of truth. ``notifications.outbox.notify`` writes these rows inside
the caller's transaction, so a message exists if and only if the action committed; workers
(``notifications.tasks``) deliver them, retry with backoff and park dead letters.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def event_choices() -> list[tuple[str, str]]:
    """The registered events (``notifications.events``): each app registers its own in ``ready()``."""
    from .events import choices

    return choices()


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the application")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("In a daily digest")


class Notification(models.Model):
    """One item in a user's bell. Written in the action's transaction; nothing to deliver."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("event"), max_length=32, choices=event_choices)
    context = models.JSONField(_("details"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    division_code = models.CharField(_("division code"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_dedupe"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.event} {self.dedupe_key}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Failed for good")
    HELD = "held", _("Held for a digest")
    DIGESTED = "digested", _("Sent in a digest")
    SKIPPED = "skipped", _("Not sent (no address)")


class Held(models.TextChoices):
    NONE = "", _("Not held")
    BATCH = "batch", _("Batch of new tasks")
    DIGEST = "digest", _("Daily digest")


class Delivery(models.Model):
    """One message on one external channel (email, SMS): the outbox row a worker delivers."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Email address or phone number at the time of the event; kept out of logs and pages.
    address = models.CharField(_("address"), max_length=254)
    event = models.CharField(_("event"), max_length=32, choices=event_choices)
    context = models.JSONField(_("details"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    division_code = models.CharField(_("division code"), max_length=12, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    held_for = models.CharField(_("held for"), max_length=8, choices=Held.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    digest = models.ForeignKey(
        "self", verbose_name=_("digest"), null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "dedupe_key"], name="delivery_dedupe"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["held_for", "status", "recipient"], name="delivery_held_idx"),
            models.Index(fields=["division_code", "status"], name="delivery_division_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} {self.status}"


class NotifiedKey(models.Model):
    """Every (receiver, dedupe key) ever notified: the gate that makes ``notify`` idempotent."""

    key = models.CharField(max_length=220, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notified key")
        verbose_name_plural = _("notified keys")

    def __str__(self) -> str:
        return self.key


class ContactDetails(models.Model):
    """A staff member's own number for text messages (optional; set on the preferences page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    sms_phone = models.CharField(_("mobile number for text messages"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("contact details")
        verbose_name_plural = _("contact details")

    def __str__(self) -> str:
        return str(self.user_id)


class Preference(models.Model):
    """A user's choice for one event; without a row the event's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(_("event"), max_length=32, choices=event_choices)
    in_app = models.BooleanField(_("in the application"), default=True)
    email = models.BooleanField(_("email"), default=False)
    sms = models.BooleanField(_("text message"), default=False)
    mode = models.CharField(_("when"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}"


class ScheduledRun(models.Model):
    """A claimed slot of a periodic job: the unique (job, slot) pair lets only one scheduler run it."""

    job = models.CharField(_("job"), max_length=64)
    slot = models.CharField(_("slot"), max_length=32)
    claimed_by = models.CharField(_("claimed by"), max_length=128, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-claimed_at"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once")]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"
