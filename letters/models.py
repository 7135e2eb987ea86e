"""Decision letters (决定书/通知书): what was issued, from which data, and how it reached the person.

A letter is immutable once issued: the PDF is rendered once by a background job
(``letters.tasks.render_letter``) from the data snapshot taken when it was requested, stored
under a random name with its SHA-256 and size, and signed. A correction never re-renders:
it issues a new letter that ``supersedes`` the old one, and both are kept. Writes go through
:mod:`letters.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jurisdictions.models import Division, Located

from . import kinds


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to be rendered")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Rendering failed")


class DispatchMethod(models.TextChoices):
    PRINTED = "printed", _("Printed")
    MAILED = "mailed", _("Mailed")
    MAIL_RECEIVED = "mail_received", _("Mail signed for by the addressee")
    ELECTRONIC = "electronic", _("Delivered electronically")
    IN_PERSON = "in_person", _("Handed over in person")


# Methods after which the letter counts as delivered (served on the person).
DELIVERED_METHODS = (DispatchMethod.MAIL_RECEIVED, DispatchMethod.ELECTRONIC, DispatchMethod.IN_PERSON)


def seal_path(instance: Letterhead, filename: str) -> str:
    import uuid

    return f"letters/seals/{instance.division_id}/{uuid.uuid4().hex}.png"


class Letterhead(models.Model):
    """The issuing authority of the letters of a division's subtree (province, city or county).

    The nearest configured ancestor of a letter's division wins; without any, the bureau is
    named after the county (``letters.content.letterhead_for``).
    """

    division = models.OneToOneField(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="letterhead"
    )
    bureau_name = models.CharField(_("issuing bureau"), max_length=64)
    header_text = models.CharField(
        _("red header"), max_length=64, blank=True, help_text=_("Printed in red at the top; the bureau name if empty.")
    )
    number_prefix = models.CharField(
        _("document number prefix"),
        max_length=24,
        help_text=_("The issuing authority's abbreviation before 〔year〕number号, e.g. 天退役军人决."),
    )
    seal = models.ImageField(_("seal image (PNG)"), upload_to=seal_path, blank=True)
    address = models.CharField(_("address"), max_length=128, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    phone = models.CharField(_("telephone"), max_length=32, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=32, blank=True)
    reconsideration_body = models.CharField(_("administrative reconsideration body"), max_length=64)
    reconsideration_days = models.PositiveSmallIntegerField(_("days to apply for reconsideration"), default=60)
    court = models.CharField(_("court for administrative lawsuits"), max_length=64)
    lawsuit_months = models.PositiveSmallIntegerField(_("months to file a lawsuit"), default=6)
    cc = models.CharField(_("copied to (抄送)"), max_length=128, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterheads")
        ordering = ["division_id"]

    def __str__(self) -> str:
        return f"{self.bureau_name} ({self.division_id})"


class LetterCounter(models.Model):
    """The last document number issued per county and year; locked while a letter is numbered."""

    county_code = models.CharField(_("county code"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document number counter")
        verbose_name_plural = _("document number counters")
        constraints = [models.UniqueConstraint(fields=["county_code", "year"], name="letter_counter_unique")]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last}"


class Letter(Located):
    """One issued (or to-be-issued) letter about a case. ``division`` is the case's division."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="letters")
    # The kinds are registered by the issuing app.
    kind = models.CharField(pgettext_lazy("letter", "kind"), max_length=16, choices=kinds.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence number"))
    number = models.CharField(_("document number"), max_length=64)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    snapshot = models.JSONField(_("data snapshot"), editable=False)
    template_version = models.CharField(_("template version"), max_length=16)
    file_name = models.CharField(max_length=128, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    signer = models.CharField(_("signed by (certificate)"), max_length=255, blank=True)
    error = models.TextField(_("rendering error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    supersede_reason = models.TextField(_("reason for the correction"), blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["county_code", "year", "sequence"], name="letter_number_unique"),
        ]
        indexes = [
            models.Index(fields=["county_code", "-requested_at", "-id"], name="letter_county_list_idx"),
            models.Index(fields=["county_code", "status", "delivered_on"], name="letter_county_undelivered_idx"),
            models.Index(fields=["case", "-requested_at"], name="letter_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def title(self) -> str:
        return kinds.title_of(self.kind)

    @property
    def is_current(self) -> bool:
        """Issued and not superseded by a correction."""
        return self.status == Status.ISSUED and self.superseded_at is None


class Dispatch(models.Model):
    """One step of getting a letter to the person: printed, mailed, signed for, e-delivered, handed over."""

    letter = models.ForeignKey(Letter, verbose_name=_("letter"), on_delete=models.PROTECT, related_name="dispatches")
    method = models.CharField(_("method"), max_length=16, choices=DispatchMethod.choices)
    date = models.DateField(_("date"))
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["letter", "date", "id"]

    def __str__(self) -> str:
        return f"{self.letter_id} {self.method} {self.date}"
