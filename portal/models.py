"""One-time codes texted to the phone on file before a case's public page opens."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackingCode(models.Model):
    """A six-digit code sent by SMS: single use, five minutes, five tries. Only its HMAC is stored."""

    # A code opens one case (tracking) or one person (their access log, a declaration).
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("person"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    code_digest = models.CharField(max_length=64, editable=False)
    phone_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time tracking code")
        verbose_name_plural = _("one-time tracking codes")
        indexes = [
            models.Index(fields=["case", "-created_at"], name="portal_code_case_idx"),
            models.Index(fields=["subject", "-created_at"], name="portal_code_subject_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=True) ^ models.Q(subject__isnull=True), name="portal_code_opens_one"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"
