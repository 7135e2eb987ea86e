"""Benefits paid by veterans' affairs under the 军人抚恤优待条例 (2024): the money's rules and ledger.

- :class:`BenefitStandard`: a versioned table of standards (type × category × grade × cause × care
  level × region × effective period → a fixed monthly amount or a percentage of a regional base).
- :class:`RegionalBase`: named regional bases (the local previous-year 城镇单位就业人员月平均工资).
- :class:`Entitlement`: the statutory terms and state (FSM) of one ``subjects.Benefit`` paid here.
- :class:`MonthlyLine`: one amount for one month (regular, arrears, continuation, recovery) with the
  standard row and article behind it; immutable once locked in an approved roster (part 2).
- :class:`RecoveryItem` and :class:`Repayment`: overpayments to recover (Art. 58).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from jurisdictions.models import Located

STATUTE = "军人抚恤优待条例"


class Formula(models.TextChoices):
    FIXED = "fixed", _("Fixed monthly amount")
    PERCENT_OF_BASE = "percent_of_base", _("Percentage of a regional base")


class BaseName(models.TextChoices):
    URBAN_AVERAGE_WAGE = "urban_average_wage", _("Previous-year average monthly wage of urban employees")


class Cause(models.TextChoices):
    WAR = "war", _("Disabled in war")
    DUTY = "duty", _("Disabled on duty")
    ILLNESS = "illness", _("Disabled by illness")


class BenefitStandard(models.Model):
    """One standard for one period. Rows are never edited in place: a change closes the old row's
    period and adds a new row (``benefits.actions.do_change_standard``), so every line keeps citing
    the row it was computed from."""

    benefit_type = models.CharField(_("benefit type"), max_length=32)
    category = models.CharField(_("category"), max_length=32, blank=True)  # "" = any category
    grade = models.CharField(_("disability grade"), max_length=2, blank=True)  # "1".."10", "" = any
    cause = models.CharField(_("cause"), max_length=8, choices=Cause.choices, blank=True)
    care_level = models.CharField(_("care level"), max_length=1, blank=True)  # "1".."4" (Art. 34)
    region = models.CharField(_("region"), max_length=6, blank=True)  # division code prefix, "" = nation
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    formula = models.CharField(_("formula"), max_length=16, choices=Formula.choices)
    amount = models.DecimalField(_("monthly amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, null=True, blank=True)
    base = models.CharField(_("regional base"), max_length=32, choices=BaseName.choices, blank=True)
    article = models.CharField(_("article"), max_length=40)  # 第十九条 of the 军人抚恤优待条例
    is_sample = models.BooleanField(_("sample figure (示例)"), default=False)
    supersedes = models.ForeignKey(
        "self", verbose_name=_("replaces"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("benefit standard")
        verbose_name_plural = _("benefit standards")
        ordering = ["benefit_type", "region", "category", "grade", "cause", "care_level", "effective_from", "id"]
        indexes = [models.Index(fields=["benefit_type", "effective_from"], name="benefits_std_type_from")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="benefit_standard_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benefit_type} {self.region or '*'} {self.effective_from}"

    def key(self) -> tuple[str, ...]:
        return (self.benefit_type, self.category, self.grade, self.cause, self.care_level, self.region)

    def covers(self, month: dt.date) -> bool:
        return self.effective_from <= month and (self.effective_to is None or month <= self.effective_to)


class RegionalBase(models.Model):
    """A named base for a region and period (e.g. 广东省 2025 城镇单位就业人员月平均工资 ÷ 12)."""

    name = models.CharField(_("base"), max_length=32, choices=BaseName.choices)
    region = models.CharField(_("region"), max_length=6, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    amount = models.DecimalField(_("monthly amount (yuan)"), max_digits=10, decimal_places=2)
    is_sample = models.BooleanField(_("sample figure (示例)"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("regional base")
        verbose_name_plural = _("regional bases")
        ordering = ["name", "region", "effective_from"]

    def __str__(self) -> str:
        return f"{self.name} {self.region or '*'} {self.effective_from}: {self.amount}"


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", _("Being paid")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")
    ENDED = "ended", _("Ended")


class SuspendReason(models.TextChoices):
    CONFIRMATION_OVERDUE = "confirmation_overdue", _("Annual confirmation overdue")
    IMPRISONMENT = "imprisonment", _("Serving a fixed-term sentence or deprived of political rights (Art. 59)")
    WANTED = "wanted", _("Wanted by the police (Art. 59)")
    PROBLEM_DATA = "problem_data", _("Unresolved problem data")


class CancelReason(models.TextChoices):
    SEVERE_SENTENCE = "severe_sentence", _("Sentenced to death or life imprisonment (Art. 59)")
    EXPELLED = "expelled", _("Expelled from the armed forces (Art. 59)")
    FRAUD = "fraud", _("Obtained by fraud (Art. 58)")


class Entitlement(ConcurrentTransitionMixin, FSMModelMixin, Located):
    """The statutory terms and payment state of one benefit paid by veterans' affairs."""

    benefit = models.OneToOneField(
        "subjects.Benefit", verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="entitlement"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="entitlements"
    )
    benefit_type = models.CharField(_("benefit type"), max_length=32)
    category = models.CharField(_("category"), max_length=32, blank=True)
    grade = models.CharField(_("disability grade"), max_length=2, blank=True)
    cause = models.CharField(_("cause"), max_length=8, choices=Cause.choices, blank=True)
    care_level = models.CharField(_("care level"), max_length=1, blank=True)
    war_veteran = models.BooleanField(_("took part in war (参战)"), default=False)
    effective_month = models.DateField(_("paid from (month)"))
    standard = models.ForeignKey(
        BenefitStandard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="entitlements"
    )
    monthly_amount = models.DecimalField(_("monthly amount (yuan)"), max_digits=10, decimal_places=2)
    status = FSMField(
        _("status"), max_length=12, choices=EntitlementStatus.choices, default=EntitlementStatus.ACTIVE, protected=True
    )
    suspended_from = models.DateField(_("suspended from (month)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    reason_note = models.CharField(_("note"), max_length=255, blank=True)
    last_month = models.DateField(_("last month paid"), null=True, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    # The bank account paid into: personal data, encrypted with the ID numbers' key ring, shown masked.
    account_encrypted = models.TextField(_("bank account (encrypted)"), blank=True, editable=False)
    account_masked = models.CharField(_("bank account"), max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["subject_id", "id"]
        indexes = [
            models.Index(fields=["standard", "status"], name="benefits_ent_std_status"),
            models.Index(fields=["status", "county_code"], name="benefits_ent_status_county"),
        ]

    def __str__(self) -> str:
        return f"{self.benefit_type} {self.monthly_amount}"

    @transition(field=status, source=EntitlementStatus.ACTIVE, target=EntitlementStatus.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(field=status, source=EntitlementStatus.SUSPENDED, target=EntitlementStatus.ACTIVE)
    def resume(self) -> None:
        pass

    @transition(
        field=status, source=[EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED], target=EntitlementStatus.CANCELLED
    )
    def cancel(self) -> None:
        pass

    @transition(
        field=status, source=[EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED], target=EntitlementStatus.ENDED
    )
    def end(self) -> None:
        pass


class PayingCountyChange(models.Model):
    """The county paying a benefit changed from a month on (a transfer between jurisdictions, 跨地区转移).

    The lines of months before ``month`` belong to ``from_county_code``'s rosters, those from ``month``
    on to the next change's county (or the entitlement's own county): ``rosters.paying_county``.
    """

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="paying_changes"
    )
    from_county_code = models.CharField(_("paying county before"), max_length=6)
    to_county_code = models.CharField(_("paying county from the month"), max_length=6)
    month = models.DateField(_("from (month)"))  # the first day of the first month the new county pays
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("change of paying county")
        verbose_name_plural = _("changes of paying county")
        ordering = ["entitlement_id", "month", "id"]
        indexes = [
            models.Index(fields=["entitlement", "month"], name="benefits_paychange_ent_month"),
            models.Index(fields=["from_county_code"], name="benefits_paychange_from"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id} {self.from_county_code}→{self.to_county_code} {self.month:%Y-%m}"


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Regular monthly payment")
    ARREARS = "arrears", _("Arrears (补发)")
    CONTINUATION = "continuation", _("Funeral grant after death (丧葬补助)")
    RECOVERY = "recovery", _("Overpayment to recover")


class MonthlyLine(models.Model):
    """One amount for one month of one entitlement, with the standard row and article behind it.

    Lines are added, never changed: a correction is a new arrears or recovery line. ``locked`` is
    set (and ``roster_id`` filled) when a payment roster containing the line is approved (part 2).
    """

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="lines"
    )
    month = models.DateField(_("month"))  # the first day of the month the amount is for
    kind = models.CharField(_("line kind"), max_length=16, choices=LineKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    standard = models.ForeignKey(
        BenefitStandard, verbose_name=_("standard"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    article = models.CharField(_("article"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    payee = models.CharField(_("payee"), max_length=64, blank=True)  # the survivor, for a funeral grant
    locked = models.BooleanField(_("in an approved roster"), default=False)
    roster_id = models.BigIntegerField(_("roster"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("monthly line")
        verbose_name_plural = _("monthly lines")
        ordering = ["entitlement_id", "month", "id"]
        indexes = [
            models.Index(fields=["entitlement", "month"], name="benefits_line_ent_month"),
            models.Index(fields=["standard", "month"], name="benefits_line_std_month"),
            # A roster's lines (approval, balance, reconciliation, generation).
            models.Index(fields=["roster_id"], name="benefits_line_roster"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id} {self.month:%Y-%m} {self.kind} {self.amount}"


class RecoveryCause(models.TextChoices):
    DEATH = "death", _("Paid after death")
    FRAUD = "fraud", _("Fraud (冒领)")
    WRONG_STANDARD = "wrong_standard", _("Wrong standard")
    # Paid for months a back-dated suspension covers (the suspension's month and later).
    SUSPENSION = "suspension", _("Paid while suspended")


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("To decide")
    INSTALMENTS = "instalments", _("Recovering")
    RECOVERED = "recovered", _("Recovered")
    WAIVED = "waived", pgettext_lazy("recovery", "Waived")


class RecoveryPlan(models.TextChoices):
    """What a recovery case proposes and its approval decides (Art. 58)."""

    FULL = "full", _("Recover in full")
    INSTALMENTS = "instalments", _("Recover in instalments")
    WAIVER = "waiver", _("Waive (in whole or in part)")


class RecoveryItem(Located):
    """An overpayment to recover from a person (Art. 58): which months, how much, why."""

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="recoveries"
    )
    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cause = models.CharField(_("cause"), max_length=16, choices=RecoveryCause.choices)
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    months = models.PositiveIntegerField(_("months"))
    amount = models.DecimalField(_("overpaid (yuan)"), max_digits=12, decimal_places=2)
    # Until the decision, the whole overpayment; the decision may lower it (the rest is ``waived``).
    to_recover = models.DecimalField(_("to recover (yuan)"), max_digits=12, decimal_places=2)
    waived = models.DecimalField(_("waived (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    repaid = models.DecimalField(_("repaid (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    instalments = models.PositiveSmallIntegerField(_("instalments"), null=True, blank=True)
    # The month of the first instalment (the schedule: ``instalments`` equal monthly amounts from it).
    first_due = models.DateField(_("first instalment month"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN)
    fraud_referral = models.BooleanField(_("referred as fraud"), default=False)
    decision_reason = models.CharField(_("reason for the decision"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recovery item")
        verbose_name_plural = _("recovery items")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county_code", "-created_at", "-id"], name="benefits_rec_county")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="recovery_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(to_recover__lte=models.F("amount")), name="recovery_not_more_than_overpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.amount}"

    @property
    def balance(self) -> Decimal:
        """What is still owed: the amount decided (or, before a decision, the whole overpayment) less repayments."""
        return self.to_recover - self.repaid

    @property
    def schedule(self) -> list[tuple[dt.date, Decimal]]:
        """The decided instalments: (month due, amount), equal amounts, the cents left over in the last."""
        if not self.instalments or not self.first_due or self.to_recover <= 0:
            return []
        n = int(self.instalments)
        each = (self.to_recover / n).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        rows = []
        for k in range(n):
            index = self.first_due.month - 1 + k
            month = dt.date(self.first_due.year + index // 12, index % 12 + 1, 1)
            rows.append((month, each if k < n - 1 else self.to_recover - each * (n - 1)))
        return rows


class Repayment(models.Model):
    item = models.ForeignKey(
        RecoveryItem, verbose_name=_("recovery item"), on_delete=models.PROTECT, related_name="repayments"
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["item_id", "paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.amount}"


# --- decisions of the province filed with the ministry (报部备案) ---------------------------------


class FilingAction(models.TextChoices):
    SUSPEND = "suspend", _("Suspension")
    RESUME = "resume", _("Resumption")
    CANCEL = "cancel", _("Cancellation")


class MinistryFiling(Located):
    """A decision of the province on a benefit (Art. 59: suspension, resumption, cancellation), filed
    with the ministry: recorded here, audited, and announced to the national supervisors."""

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="filings"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(pgettext_lazy("ministry filing", "decision"), max_length=8, choices=FilingAction.choices)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    month = models.DateField(_("from (month)"))
    case_number = models.CharField(_("case number"), max_length=24)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(pgettext_lazy("ministry filing", "filed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("filing with the ministry")
        verbose_name_plural = _("filings with the ministry")
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["province_code", "-filed_at", "-id"], name="benefits_filing_province")]

    def __str__(self) -> str:
        return f"{self.case_number} {self.action}"


# --- 公示 (public notices of proposed lists) ------------------------------------------------------


class NoticeKind(models.TextChoices):
    NEW_AWARDS = "new_awards", _("New awards")
    CONFIRMATION_RESULTS = "confirmation_results", _("Results of the annual confirmation")
    ROSTER_CHANGES = "roster_changes", _("Changes to the payment roster")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("notice", "Draft")
    PUBLISHED = "published", pgettext_lazy("notice", "Published, open for objections")
    CLOSED = "closed", pgettext_lazy("notice", "Closed")


class PublicNotice(Located):
    """A 公示: a proposed list published for a window of working days, with personal data masked.

    The record (what, where, when, objections) is kept: a notice is never deleted, only closed.
    """

    kind = models.CharField(_("kind of list"), max_length=24, choices=NoticeKind.choices)
    title = models.CharField(pgettext_lazy("notice", "title"), max_length=200)
    places = models.CharField(
        _("where it is posted"), max_length=255, blank=True, help_text=_("e.g. the stations' notice boards")
    )
    source = models.CharField(_("source of the list"), max_length=64, blank=True)
    window_days = models.PositiveSmallIntegerField(_("window (working days)"), default=7)
    status = models.CharField(_("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    ends_on = models.DateField(_("objections accepted until"), null=True, blank=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(pgettext_lazy("notice", "closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("public notice (公示)")
        verbose_name_plural = _("public notices (公示)")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["county_code", "-created_at", "-id"], name="benefits_notice_county"),
            models.Index(fields=["status", "ends_on"], name="benefits_notice_status"),
        ]

    def __str__(self) -> str:
        return self.title


class NoticeEntry(models.Model):
    """One person on a 公示, as published: only masked data is stored here (the public page reads it)."""

    notice = models.ForeignKey(PublicNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="entries")
    row = models.PositiveIntegerField(_("row"))
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    masked_name = models.CharField(_("name (masked)"), max_length=64)
    masked_id = models.CharField(_("ID number (masked)"), max_length=18)
    township = models.CharField(_("township"), max_length=100, blank=True)
    benefit = models.CharField(_("benefit"), max_length=64)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        ordering = ["notice_id", "row"]
        constraints = [models.UniqueConstraint(fields=["notice", "row"], name="benefits_notice_entry_row")]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.row}"


class NoticeObjection(models.Model):
    """An objection raised during the window; it becomes a case in the county's queue."""

    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections"
    )
    entry = models.ForeignKey(NoticeEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="objections")
    objector = models.CharField(_("raised by"), max_length=64)
    contact = models.CharField(_("contact telephone"), max_length=32)
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField(_("raised at"))
    # The case it became (``cases`` is above ``benefits``: the number and id, not a foreign key).
    case_id = models.BigIntegerField(_("case"), null=True, blank=True)
    case_number = models.CharField(_("case number"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("objection to a notice")
        verbose_name_plural = _("objections to notices")
        ordering = ["notice_id", "raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.case_number}"


# --- payment rosters (发放花名册) ----------------------------------------------------------------


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting approval")
    APPROVED = "approved", _("Approved, sent to the bank")
    CLOSED = "closed", _("Reconciled and closed")


class Roster(Located):
    """One county's payment roster for one cycle (``YYYY-MM`` or ``YYYY-Qn``): made by a caseworker,
    approved by someone else (maker-checker), sent to the bank, reconciled with its return file."""

    period = models.CharField(pgettext_lazy("roster", "period"), max_length=7)
    status = models.CharField(_("status"), max_length=10, choices=RosterStatus.choices, default=RosterStatus.DRAFT)
    total = models.DecimalField(_("control total (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0"))
    item_count = models.PositiveIntegerField(_("lines"), default=0)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("roster", "closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment roster")
        verbose_name_plural = _("payment rosters")
        ordering = ["-period", "-id"]
        constraints = [models.UniqueConstraint(fields=["division", "period"], name="benefits_roster_one_per_cycle")]
        indexes = [models.Index(fields=["county_code", "-period", "-id"], name="benefits_roster_county")]

    def __str__(self) -> str:
        return f"{self.division_id} {self.period}"


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Sent, no answer from the bank yet")
    PAID = "paid", _("Paid")
    RETURNED = "returned", _("Returned by the bank (退票)")


class RosterItem(models.Model):
    """One payment in a roster: one benefit's unpaid lines (or a returned payment reissued), with the
    account it is paid to (encrypted, as sent) and the bank's answer."""

    roster = models.ForeignKey(Roster, verbose_name=_("roster"), on_delete=models.PROTECT, related_name="items")
    row = models.PositiveIntegerField(_("row"))
    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="roster_items"
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    payee = models.CharField(_("payee"), max_length=64)
    account_encrypted = models.TextField(_("bank account (encrypted)"), editable=False)
    account_masked = models.CharField(_("bank account"), max_length=40, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    return_reason = models.CharField(_("reason returned"), max_length=255, blank=True)
    needs_correction = models.BooleanField(_("account to correct"), default=False)
    reissue_of = models.OneToOneField(
        "self", verbose_name=_("reissue of"), null=True, blank=True, on_delete=models.PROTECT, related_name="reissue"
    )

    class Meta:
        verbose_name = _("roster line")
        verbose_name_plural = _("roster lines")
        ordering = ["roster_id", "row"]
        constraints = [models.UniqueConstraint(fields=["roster", "row"], name="benefits_roster_item_row")]

    def __str__(self) -> str:
        return f"{self.roster_id}/{self.row}: {self.amount}"


# --- annual confirmation (年度确认) ----------------------------------------------------------------


class CampaignStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("campaign status", "Open")
    CLOSED = "closed", pgettext_lazy("campaign status", "Closed")


class ConfirmationCampaign(Located):
    """A province's or county's annual confirmation (年度确认) for a year: a window, a grace period
    after it, and one :class:`ConfirmationItem` per person with a periodic benefit in scope."""

    year = models.PositiveSmallIntegerField(_("year"))
    window_start = models.DateField(_("window opens"))
    window_end = models.DateField(_("window closes"))
    grace_days = models.PositiveSmallIntegerField(_("grace period (days)"), default=5)
    spot_check_percent = models.PositiveSmallIntegerField(_("spot-check sample (%)"), default=5)
    status = models.CharField(_("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN)
    item_count = models.PositiveIntegerField(_("people"), default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_at = models.DateTimeField(_("data matched at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(pgettext_lazy("campaign", "closed at"), null=True, blank=True)
    # Frozen at the close (benefits.confirmation_figures): {"total": figures, "counties": {code: figures}}.
    final_figures = models.JSONField(_("figures at the close"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation campaign")
        verbose_name_plural = _("confirmation campaigns")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="benefits_campaign_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(window_end__gte=models.F("window_start")), name="benefits_campaign_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.year}"

    @property
    def deadline(self) -> dt.date:
        """The last day before items still open suspend the benefit: the window's end plus the grace period."""
        return self.window_end + dt.timedelta(days=self.grace_days)


class ConfirmationStatus(models.TextChoices):
    OPEN = "open", _("To confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    OVERDUE = "overdue", _("Overdue: benefit suspended")
    CANCELLED = "cancelled", pgettext_lazy("confirmation item", "Cancelled")


class ConfirmationMethod(models.TextChoices):
    DATA_MATCH = "data_match", _("Department data match")
    HOME_VISIT = "home_visit", _("Home visit by staff")
    STATION = "station", _("Visit to the service station")
    VIDEO = "video", _("Video call")
    FACE_ELSEWHERE = "face_elsewhere", _("Face check done elsewhere")


class SpotCheck(models.TextChoices):
    NONE = "", _("Not drawn")
    PENDING = "pending", _("Drawn, to check")
    UPHELD = "upheld", _("Checked: upheld")
    REJECTED = "rejected", _("Checked: not upheld")


class ConfirmationItem(Located):
    """One person's confirmation in a campaign, assigned to their township (``division``).

    A data match records the rule, the department batch and the evidence's date; a person's
    confirmation records the method, who, when and a reference (``evidence``): never a face image.
    """

    campaign = models.ForeignKey(
        ConfirmationCampaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="items"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ConfirmationStatus.choices, default=ConfirmationStatus.OPEN
    )
    method = models.CharField(
        pgettext_lazy("confirmation", "method"), max_length=16, choices=ConfirmationMethod.choices, blank=True
    )
    evidence_rule = models.CharField(_("living-evidence rule"), max_length=32, blank=True)
    evidence_batch_id = models.BigIntegerField(_("department batch"), null=True, blank=True)
    evidence_date = models.DateField(_("evidence dated"), null=True, blank=True)
    # {"performed_by": ..., "performed_on": "YYYY-MM-DD", "reference": ..., "note": ...}
    evidence = models.JSONField(pgettext_lazy("confirmation", "evidence"), default=dict, blank=True)
    death_record = models.BooleanField(_("death or struck-off registration on record"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    spot_check = models.CharField(_("spot check"), max_length=10, choices=SpotCheck.choices, blank=True, default="")
    spot_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    spot_checked_at = models.DateTimeField(_("spot-checked at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason cancelled"), max_length=255, blank=True)
    cancelled_at = models.DateTimeField(pgettext_lazy("confirmation item", "cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation item")
        verbose_name_plural = _("confirmation items")
        ordering = ["campaign_id", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "subject"], name="benefits_confirmation_once")]
        indexes = [
            models.Index(fields=["campaign", "status"], name="benefits_conf_status"),
            models.Index(fields=["campaign", "county_code", "id"], name="benefits_conf_county"),
            models.Index(fields=["campaign", "division", "id"], name="benefits_conf_division"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.subject_id}: {self.status}"
