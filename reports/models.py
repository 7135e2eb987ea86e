"""Periodic reports (上报): a county's report, frozen from live data, reviewed up the hierarchy.

- A :class:`ReportingPeriod` (a month or a phase of the plan) says what is reported and by when
  counties and provinces must submit; a division without a submitted report after the due date
  is late (or missing), and the level above sees it.
- A :class:`Report` belongs to one division (a county or a province) and one period. Its
  ``snapshot`` is frozen when compiled: later changes to live data do not touch it. County
  reports are submitted by the county and approved or returned by the city; the province
  compiles its counties' approved reports, signs off and submits to the ministry, which
  approves or returns it.
- Each submission renders one :class:`ReportDocument` (PDF in the official layout with the
  signer's sign-off).

The status is django-fsm-2 (protected, optimistic concurrency); every write goes through
:mod:`reports.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.fsm import FSMModelMixin
from jurisdictions.models import Level, Located


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    PHASE = "phase", _("Phase of the plan")
    YEAR = "year", _("Year (annual petition report, Art. 41)")


class ReportingPeriod(models.Model):
    """What is reported and the due dates of each level."""

    key = models.SlugField(_("key"), max_length=16, unique=True, help_text=_("For example 2026-11 or phase-1."))
    kind = models.CharField(
        pgettext_lazy("period", "kind"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    name = models.CharField(_("name"), max_length=64)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    county_due = models.DateField(_("counties submit by"))
    province_due = models.DateField(_("provinces submit by"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="period_ends_after")
        ]

    def __str__(self) -> str:
        return self.name

    def due_for(self, level: int) -> object:
        return self.province_due if level == Level.PROVINCE else self.county_due


class ReportStatus(models.TextChoices):
    # Contextual: "Submitted"/"Approved" mean something else for cases (已提交/已批准).
    DRAFT = "draft", pgettext_lazy("report status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("report status", "Submitted")
    APPROVED = "approved", pgettext_lazy("report status", "Approved")
    RETURNED = "returned", pgettext_lazy("report status", "Returned")


REPORT_LEVELS = (Level.COUNTY, Level.PROVINCE)


class Report(ConcurrentTransitionMixin, FSMModelMixin, Located):
    """One division's report for one period (county or province level)."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="reports"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    status = FSMField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT, protected=True
    )
    # Frozen figures (reports.snapshots): additive counters, so a roll-up is a sum.
    snapshot = models.JSONField(_("figures"), default=dict, editable=False)
    analysis = models.TextField(_("analysis"), blank=True)
    # The reviewer's comments when the report was last returned (kept until it is approved).
    comments = models.TextField(_("review comments"), blank=True)
    # Province reports: which county reports were summed into the snapshot.
    sources = models.ManyToManyField("self", verbose_name=_("county reports"), symmetrical=False, blank=True)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("compiled by"), on_delete=models.PROTECT, related_name="+"
    )
    compiled_at = models.DateTimeField(_("compiled at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period__starts_on", "division_id"]
        constraints = [models.UniqueConstraint(fields=["period", "division"], name="report_once_per_period")]
        indexes = [
            models.Index(fields=["province_code", "period", "level"], name="report_province_idx"),
            models.Index(fields=["city_code", "period"], name="report_city_idx"),
            models.Index(fields=["county_code", "period"], name="report_county_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.period_id}"

    # --- Transitions (model-local rules only) ---------------------------------------------

    @transition(field=status, source=[ReportStatus.DRAFT, ReportStatus.RETURNED], target=ReportStatus.DRAFT)
    def recompile(self) -> None:
        """Fresh figures replace the draft's (or the returned report's)."""

    @transition(field=status, source=[ReportStatus.DRAFT, ReportStatus.RETURNED], target=ReportStatus.SUBMITTED)
    def submit(self) -> None:
        """Signed off and sent up."""

    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.APPROVED)
    def approve(self) -> None:
        self.comments = ""

    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.RETURNED)
    def send_back(self) -> None:
        """Back to the division that submitted it, with the reviewer's comments."""


def document_path(instance: ReportDocument, filename: str) -> str:
    report = instance.report
    return f"reports/{report.period_id}/{report.division_id}-{report.pk}-{instance.number}.pdf"


class ReportDocument(models.Model):
    """The PDF rendered at one submission of a report (kept for every submission)."""

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="documents")
    number = models.PositiveSmallIntegerField(_("submission"))
    file = models.FileField(_("file"), upload_to=document_path)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed off by"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"))
    # Issued like a letter (letters' machinery): 文号, verification code, the bureau's digital signature.
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=16, null=True, blank=True, unique=True)
    signer = models.CharField(_("signed by (certificate)"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("report document")
        verbose_name_plural = _("report documents")
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_document_number")]

    def __str__(self) -> str:
        return f"{self.report} #{self.number}"


class ReportCounter(models.Model):
    """The last report document number (文号) issued per division and year; locked while numbering."""

    division_code = models.CharField(_("division code"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("report number counter")
        verbose_name_plural = _("report number counters")
        constraints = [models.UniqueConstraint(fields=["division_code", "year"], name="report_counter_unique")]

    def __str__(self) -> str:
        return f"{self.division_code}-{self.year}: {self.last}"
