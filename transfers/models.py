"""Transfers between jurisdictions (跨地区转移): a person's file moves to another county.

The sending county proposes; its approver releases the file (or refuses); the receiving county's
approver accepts (or refuses) having seen a summary of the person. On acceptance the person, their
benefits (the paying county changes at ``effective_month``) and the open cases the sending county
chose to move go to the destination. The row is ``Located`` at the sending side (``division``…);
the receiving side has the same columns prefixed ``to_`` so that both sides' lists are scoped by
``jurisdictions.scope.scope_q``. The status (django-fsm-2) is authoritative; each side's turn is a
step of ``core.steps`` about the transfer (``transfers.nodes``: a viewflow task in the task lists).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.fsm import FSMModelMixin
from jurisdictions.models import Division, Located


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the sending county's approval")
    RELEASED = "released", _("Waiting for the receiving county")
    ACCEPTED = "accepted", _("Accepted: the file has moved")
    REFUSED = "refused", _("Refused")


OPEN_STATUSES = (Status.PROPOSED, Status.RELEASED)


class CaseChoice(models.TextChoices):
    STAY = "stay", _("Finishes where it is")
    MOVE = "move", _("Moves with the file")


class Side(models.TextChoices):
    OUT = "out", _("Sending county")
    IN = "in", _("Receiving county")


class Transfer(ConcurrentTransitionMixin, FSMModelMixin, Located):
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("person"), on_delete=models.PROTECT, related_name="transfers"
    )
    # The receiving side: the destination division (a county or a township) and its codes.
    to_division = models.ForeignKey(Division, verbose_name=_("destination"), on_delete=models.PROTECT, related_name="+")
    to_province_code = models.CharField(max_length=2, editable=False)
    to_city_code = models.CharField(max_length=4, editable=False, blank=True)
    to_county_code = models.CharField(max_length=6, editable=False, blank=True)

    reason = models.TextField(_("reason for the transfer"))
    effective_month = models.DateField(_("paying county changes from (month)"))
    # Per open case of the person at the proposal: {"<case id>": "stay" | "move"}.
    case_choices = models.JSONField(_("open cases"), default=dict, blank=True)

    status = FSMField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED, protected=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refused_by_side = models.CharField(_("refused by"), max_length=4, choices=Side.choices, blank=True)
    refusal_reasons = models.TextField(_("reasons for the refusal"), blank=True)
    # SLA of the side whose turn it is (working days per step: LAUREL_TRANSFER_SLA_DAYS); when that
    # side's step went overdue and was escalated to its supervisors (once per step: reset on release).
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    process = models.OneToOneField(
        "viewflow.Process",
        verbose_name=_("process"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transfer",
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("transfer between jurisdictions")
        verbose_name_plural = _("transfers between jurisdictions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=models.Q(status__in=["proposed", "released"]),
                name="transfer_one_open_per_subject",
            )
        ]
        indexes = [
            models.Index(fields=["county_code", "-created_at", "-id"], name="transfer_out_county_idx"),
            models.Index(fields=["city_code", "-created_at", "-id"], name="transfer_out_city_idx"),
            models.Index(fields=["province_code", "-created_at", "-id"], name="transfer_out_province_idx"),
            models.Index(fields=["to_county_code", "-created_at", "-id"], name="transfer_in_county_idx"),
            models.Index(fields=["to_city_code", "-created_at", "-id"], name="transfer_in_city_idx"),
            models.Index(fields=["to_province_code", "-created_at", "-id"], name="transfer_in_province_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.division_id}→{self.to_division_id}"

    @property
    def number(self) -> str:
        """The transfer's reference on pages and in events (迁移 + year + id)."""
        year = self.created_at.year if self.created_at else ""
        return f"ZY{year}-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return bool(self.is_open and self.due_at and self.due_at < timezone.now())

    @property
    def current_step(self) -> str:
        """The node of the side whose turn it is (``transfers.nodes``), ``""`` once decided."""
        from . import nodes

        return {Status.PROPOSED: nodes.RELEASE, Status.RELEASED: nodes.ACCEPT}.get(self.status, "")

    @property
    def current_side_code(self) -> str:
        """The division of the side whose turn it is: the sending county, then the destination."""
        return self.to_division_id if self.status == Status.RELEASED else self.division_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        for field, value in self.codes_for(self.to_division_id).items():
            setattr(self, f"to_{field}", value)
        super().save(*args, **kwargs)

    # --- transitions (model-local rules only) --------------------------------------------------

    @transition(field=status, source=Status.PROPOSED, target=Status.RELEASED)
    def release(self) -> None:
        """The sending county's approver lets the file go."""

    @transition(field=status, source=Status.RELEASED, target=Status.ACCEPTED)
    def accept(self) -> None:
        """The receiving county takes the person on."""

    @transition(field=status, source=[Status.PROPOSED, Status.RELEASED], target=Status.REFUSED)
    def refuse(self) -> None:
        """Either side refuses (with reasons)."""
