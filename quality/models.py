"""Random quality review of closed decisions (质量抽查): a recorded monthly draw per county and its reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jurisdictions.models import Located


class QualitySample(Located):
    """One county's draw for one month: reproducible from ``seed`` and the population ordered by id.

    ``division`` is the county (or, for a province's or city's own decisions, that division).
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month whose decisions were drawn."))
    seed = models.BigIntegerField(_("seed"))
    share = models.DecimalField(_("share drawn"), max_digits=5, decimal_places=4)
    minimum = models.PositiveSmallIntegerField(_("at least"))
    population_size = models.PositiveIntegerField(_("closed decisions"))
    population_ids = models.JSONField(_("closed decisions' case ids"), default=list)
    drawn_ids = models.JSONField(_("drawn case ids"), default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quality sample")
        verbose_name_plural = _("quality samples")
        ordering = ["-month", "division_id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "division"], name="quality_sample_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.month:%Y-%m}"


class Finding(models.TextChoices):
    AGREE = "agree", _("Agree with the decision")
    MINOR = "minor", _("Minor issue")
    WRONG = "wrong", _("Wrong decision")


class QualityReview(Located):
    """One drawn decision awaiting (or with) a reviewer's finding. ``division`` is the case's."""

    sample = models.ForeignKey(
        QualitySample, verbose_name=_("sample"), on_delete=models.PROTECT, related_name="reviews"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="quality_reviews"
    )
    finding = models.CharField(_("finding"), max_length=8, choices=Finding.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("finding recorded at"), null=True, blank=True)
    reconsideration = models.ForeignKey(
        "cases.Case",
        verbose_name=_("reconsideration case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "case"], name="quality_review_once_per_sample"),
        ]
        indexes = [models.Index(fields=["county_code", "-id"], name="quality_review_county")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.finding or '-'}"
