"""The audit trail: append-only events linked in hash chains, one chain per province.

Rows of :class:`AuditEvent` are written only by :func:`audit.log.record` and never changed:
the model refuses ``save()`` of an existing row and ``delete()``, its queryset refuses
``update()``/``delete()``, and on PostgreSQL a trigger (migration 0004) refuses UPDATE,
DELETE and TRUNCATE. None of that stops someone who owns the database; the hash chain and
the signed checkpoints outside the database (``audit.chain``, ``audit.checkpoints``) are
what make such a rewrite detectable.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The chain of events that belong to no province (sign-ins of users with memberships in
# several provinces, national settings, events with no division).
NATION_CHAIN = "CN"
GENESIS_HASH = "0" * 64


def codes_for(division_code: str) -> dict[str, str]:
    """Denormalised province/city/county columns for ``division_code`` ("" above a level).

    Same shape as ``jurisdictions.models.Located.codes_for``, but "" and "CN" (nation)
    give empty columns, so only nation-wide auditors see such events.
    """
    code = division_code if division_code.isdigit() else ""
    return {
        "province_code": code[:2] if len(code) >= 2 else "",
        "city_code": code[:4] if len(code) >= 4 else "",
        "county_code": code[:6] if len(code) >= 6 else "",
    }


def chain_for(division_code: str) -> str:
    """The chain an event of ``division_code`` joins: its province, or the nation chain."""
    return division_code[:2] if division_code[:2].isdigit() and len(division_code) >= 2 else NATION_CHAIN


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete audit events through the ORM."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One audited event. ``hash`` = SHA-256 of the canonical form (``audit.chain``), which
    includes ``prev_hash``, the hash of the previous event of the same ``chain``."""

    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    event_type = models.CharField(_("event type"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(_("actor's username"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor's role"), max_length=64, blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(pgettext_lazy("audit", "object id"), max_length=64, blank=True)
    division_code = models.CharField(_("division code"), max_length=12, blank=True, db_index=True)
    province_code = models.CharField(max_length=2, blank=True, editable=False)
    city_code = models.CharField(max_length=4, blank=True, editable=False)
    county_code = models.CharField(max_length=6, blank=True, editable=False)
    data = models.JSONField(_("data"), default=dict, blank=True)
    chain = models.CharField(_("chain"), max_length=2, default=NATION_CHAIN, editable=False)
    seq = models.PositiveBigIntegerField(_("position in chain"), default=0, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, default=GENESIS_HASH, editable=False)
    hash = models.CharField(pgettext_lazy("audit", "hash"), max_length=64, default="", editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx"),
            # Scoped lists, newest first (keyset on id), one per jurisdiction level.
            models.Index(fields=["province_code", "-id"], name="audit_province_idx"),
            models.Index(fields=["city_code", "-id"], name="audit_city_idx"),
            models.Index(fields=["county_code", "-id"], name="audit_county_idx"),
            models.Index(fields=["actor", "-id"], name="audit_actor_idx"),
            models.Index(fields=["event_type", "-id"], name="audit_type_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class ChainHead(models.Model):
    """The last event of each chain: the row ``record()`` locks to append in order.

    Only a lock and a shortcut: verification never trusts it (it is compared with the
    events, and a mismatch is reported), so it can stay an ordinary, updatable table.
    """

    chain = models.CharField(_("chain"), max_length=2, primary_key=True)
    seq = models.PositiveBigIntegerField(_("position in chain"), default=0)
    hash = models.CharField(pgettext_lazy("audit", "hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")
        ordering = ["chain"]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq}"


class ChainVerification(models.Model):
    """The outcome of one ``verify_audit_chain`` run (shown on the chain status page)."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("chain intact"), default=False)
    events_checked = models.PositiveBigIntegerField(_("events checked"), default=0)
    checkpoints_checked = models.PositiveIntegerField(_("checkpoints checked"), default=0)
    problems = models.JSONField(_("problems found"), default=list, blank=True)

    class Meta:
        verbose_name = _("chain verification")
        verbose_name_plural = _("chain verifications")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'}"
