"""Cases: grievances, benefit claims, data corrections and reconsiderations, with their status machine.

The status (django-fsm-2, protected, with optimistic concurrency) is authoritative; the
viewflow process (``workflows.flows.CaseFlow``) only decides who works on the case next.
Transitions here change state in memory and check model-local rules only; every write
goes through ``cases.actions``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.fsm import FSMModelMixin
from core.summary import Counted, SummaryDelta
from core.validators import no_invisible_characters
from jurisdictions.models import Department, Located


class Kind(models.TextChoices):
    GRIEVANCE = "grievance", _("Grievance")
    BENEFIT_CLAIM = "benefit_claim", _("Benefit claim")
    DATA_CORRECTION = "data_correction", _("Data correction")
    RECONSIDERATION = "reconsideration", _("Reconsideration")
    # A benefit paid by veterans' affairs (benefits.Entitlement): suspend, resume or cancel it. The
    # Art. 59 reasons are decided at the province (the province approval step, cases.nodes).
    BENEFIT_SUSPENSION = "benefit_suspension", _("Suspension of a benefit")
    BENEFIT_RESUMPTION = "benefit_resumption", _("Resumption of a benefit")
    BENEFIT_CANCELLATION = "benefit_cancellation", _("Cancellation of a benefit")
    # An overpayment (benefits.RecoveryItem) to recover in full, in instalments, or to waive (Art. 58):
    # the approval applies the decision (追缴决定).
    RECOVERY = "recovery", _("Decision on an overpayment")


# The kinds that change the payment state of a benefit paid by veterans' affairs.
BENEFIT_STATUS_KINDS = (Kind.BENEFIT_SUSPENSION, Kind.BENEFIT_RESUMPTION, Kind.BENEFIT_CANCELLATION)


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in at a collection point")
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone")
    LETTER = "letter", pgettext_lazy("case kind", "Letter")
    ONLINE = "online", _("Online")
    REFERRAL = "referral", _("Department referral")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFYING = "verifying", _("Department verification")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Database updated")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.VERIFYING,
    Status.PENDING_APPROVAL,
    Status.RETURNED,
    Status.APPROVED,
    Status.APPLIED,
    Status.REJECTED,
)
WITHDRAWABLE = [Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL, Status.RETURNED]


class Decision(models.TextChoices):
    """What the approver decides at the approval step."""

    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for correction")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly_approved", _("Partly approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Refused at intake review (不予受理): never verified nor decided on its merits.
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class IntakeDecision(models.TextChoices):
    """What the caseworker decides at intake review."""

    ACCEPT = "accept", _("Accept the application")
    CORRECT = "correct", _("Return for correction of the application")
    REFUSE = "refuse", _("Refuse to accept")
    # Forwarding to another competent body (转送) belongs to the grievance routing actions:
    # once they exist, their choice is added here and dispatched in cases.actions.do_complete_task.


class MissingItem(models.TextChoices):
    """What an application commonly lacks (the checklist of a return for correction, 补正)."""

    APPLICATION_FORM = "application_form", _("The signed application form")
    ID_CARD = "id_card", _("A copy of the resident identity card")
    HOUSEHOLD_REGISTER = "household_register", _("A copy of the household register")
    DISCHARGE_CERTIFICATE = "discharge_certificate", _("The discharge or demobilisation certificate")
    DISABILITY_CERTIFICATE = "disability_certificate", _("The disability certificate")
    INCOME_PROOF = "income_proof", _("Proof of income or living conditions")
    BANK_ACCOUNT = "bank_account", _("The bank account for payments")
    AGENT_AUTHORISATION = "agent_authorisation", _("The agent's written authorisation")


class BenefitChange(models.TextChoices):
    ADD = "add", _("Grant a benefit")
    END = "end", _("End a benefit")


class VerificationResultChoice(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("verification result", "Confirmed")
    DISPUTED = "disputed", _("Disputed")
    NOT_FOUND = "not_found", pgettext_lazy("verification result", "Not found")


class CaseCounter(models.Model):
    """The last case number issued per county and year; locked while a case is numbered."""

    county_code = models.CharField(_("county code"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [models.UniqueConstraint(fields=["county_code", "year"], name="case_counter_unique")]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last}"


class Case(Counted, ConcurrentTransitionMixin, FSMModelMixin, Located):
    # What the dashboards' counts depend on (cases.summary writes a delta when one changes).
    COUNTED_ATTRS = ("division_id", "status", "created_at", "due_at", "paused_at", "decided_at")

    number = models.CharField(_("case number"), max_length=24, unique=True)
    # 查询码: given at registration (texted, printed on the notices); with the last six digits of the
    # ID number and a one-time SMS code it opens the public tracking page (``portal``). Cases
    # filed before it existed have none: they are tracked by their case number.
    query_code = models.CharField(_("query code"), max_length=12, unique=True, null=True, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("title"), max_length=200, validators=[no_invisible_characters])
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("intake channel"), max_length=16, choices=Channel.choices, default=Channel.WALK_IN)
    departments = models.JSONField(_("departments to verify"), default=list, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    # Filed on behalf of the subject by an agent or representative.
    agent_name = models.CharField(_("agent's name"), max_length=64, blank=True, validators=[no_invisible_characters])
    agent_relation = models.CharField(_("agent's relation to the subject"), max_length=64, blank=True)
    agent_contact = models.CharField(_("agent's contact"), max_length=64, blank=True)

    # Benefit claim: which benefit, what change.
    benefit_type = models.CharField(_("benefit"), max_length=64, blank=True)
    benefit_change = models.CharField(_("change"), max_length=8, choices=BenefitChange.choices, blank=True)
    benefit_amount = models.DecimalField(_("monthly amount"), max_digits=10, decimal_places=2, null=True, blank=True)
    benefit_start = models.DateField(_("from"), null=True, blank=True)
    benefit_id = models.BigIntegerField(_("benefit to end"), null=True, blank=True)
    # Suspension or cancellation: the reason (benefits.models.SuspendReason / CancelReason).
    benefit_reason = models.CharField(_("reason"), max_length=32, blank=True)
    # Recovery (追缴决定): the overpayment (benefits.RecoveryItem) and what the case proposes
    # (benefits.models.RecoveryPlan; the amount to recover, instalments from a month, why anything is waived).
    recovery_id = models.BigIntegerField(_("overpayment"), null=True, blank=True)
    recovery_plan = models.CharField(_("recovery decision"), max_length=12, blank=True)
    recovery_amount = models.DecimalField(
        _("amount to recover"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    recovery_instalments = models.PositiveSmallIntegerField(_("instalments"), null=True, blank=True)
    recovery_first_month = models.DateField(_("first instalment month"), null=True, blank=True)
    recovery_reason = models.CharField(_("reason for the waiver"), max_length=255, blank=True)
    # Data correction: fields and proposed values, evidence.
    corrections = models.JSONField(_("proposed corrections"), default=dict, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    # Reconsideration: the decided case it contests.
    contested_case = models.ForeignKey(
        "self",
        verbose_name=_("contested case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reconsiderations",
    )
    # A case filed although another one was open for the same subject and kind.
    related_case = models.ForeignKey(
        "self", verbose_name=_("linked case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, protected=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_reasons = models.TextField(_("reasons"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    # Written by the decider in the bureau's voice (经查明), never the applicant's own account.
    findings = models.TextField(_("findings"), blank=True)
    # The decision takes effect on this day; before the decision date only with a stated reason.
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    retroactive_reason = models.TextField(_("reason for the retroactive start"), blank=True)
    approved_amount = models.DecimalField(
        _("approved monthly amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A case the province decides (cases.nodes.PROVINCE_APPROVE): the county's approval before it.
    county_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved at the county by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county_approved_at = models.DateTimeField(_("approved at the county at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("database updated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # SLA: the current stage's due date; paused while returned.
    stage_started_at = models.DateTimeField(_("stage started at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    sla_remaining_days = models.PositiveSmallIntegerField(_("working days left when paused"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    verification_round = models.PositiveSmallIntegerField(_("verification round"), default=0)

    process = models.OneToOneField(
        "viewflow.Process",
        verbose_name=_("process"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
    )
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["county_code", "-created_at", "-id"], name="case_county_list_idx"),
            models.Index(fields=["city_code", "-created_at", "-id"], name="case_city_list_idx"),
            models.Index(fields=["province_code", "-created_at", "-id"], name="case_province_list_idx"),
            models.Index(fields=["division", "-created_at", "-id"], name="case_division_list_idx"),
            # One keyset index per sort of the case list (cases.queries.CASE_SORTS) and scope level.
            models.Index(fields=["county_code", "number", "id"], name="case_county_number_idx"),
            models.Index(fields=["city_code", "number", "id"], name="case_city_number_idx"),
            models.Index(fields=["province_code", "number", "id"], name="case_province_number_idx"),
            models.Index(fields=["division", "number", "id"], name="case_division_number_idx"),
            models.Index(fields=["county_code", "due_at", "id"], name="case_county_due_idx"),
            models.Index(fields=["city_code", "due_at", "id"], name="case_city_due_idx"),
            models.Index(fields=["province_code", "due_at", "id"], name="case_province_due_idx"),
            models.Index(fields=["division", "due_at", "id"], name="case_division_due_idx"),
            models.Index(fields=["subject", "kind", "status"], name="case_subject_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return bool(self.due_at and self.paused_at is None and self.due_at < timezone.now() and self.is_open)

    def department_labels(self) -> list[str]:
        return [str(Department(code).label) for code in self.departments if code in Department.values]

    # --- Transitions (model-local rules only) ---------------------------------------------

    @transition(field=status, source=Status.SUBMITTED, target=Status.VERIFYING)
    def start_verification(self) -> None:
        """Intake review passed: the departments verify."""
        self.verification_round += 1

    @transition(field=status, source=Status.VERIFYING, target=Status.PENDING_APPROVAL)
    def finish_verification(self) -> None:
        """Every department confirmed (or had nothing against it)."""

    @transition(
        field=status, source=[Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL], target=Status.RETURNED
    )
    def return_for_correction(self) -> None:
        """Intake review (补正), a disputed verification or the approver sends the case back to the caseworker."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED)
    def refuse(self) -> None:
        """Intake review refuses to accept the application (不予受理); the case is then closed."""
        self.outcome = Outcome.NOT_ACCEPTED

    @property
    def returned_at_intake(self) -> bool:
        """Returned before any verification started: once corrected, it goes back to intake review."""
        return self.status == Status.RETURNED and self.verification_round == 0

    @transition(field=status, source=Status.RETURNED, target=Status.VERIFYING)
    def resubmit(self) -> None:
        """The caseworker corrected the case; the departments verify again."""
        self.verification_round += 1

    @transition(field=status, source=Status.RETURNED, target=Status.SUBMITTED)
    def resubmit_for_intake(self) -> None:
        """The caseworker supplied what intake review found missing; intake review looks again."""

    @transition(field=status, source=Status.PENDING_APPROVAL, target=Status.APPROVED)
    def approve(self, *, partly: bool = False) -> None:
        self.outcome = Outcome.PARTLY_APPROVED if partly else Outcome.APPROVED

    @transition(field=status, source=Status.PENDING_APPROVAL, target=Status.REJECTED)
    def reject(self) -> None:
        self.outcome = Outcome.REJECTED

    @transition(field=status, source=Status.APPROVED, target=Status.APPLIED)
    def mark_applied(self, at: datetime.datetime) -> None:
        self.applied_at = at

    @transition(field=status, source=[Status.APPLIED, Status.REJECTED], target=Status.CLOSED)
    def close(self, at: datetime.datetime) -> None:
        self.closed_at = at

    @transition(field=status, source=Status.CLOSED, target=Status.VERIFYING)
    def reopen_for_redo(self) -> None:
        """A higher body set the decision aside (a grievance's 复查 or 复核 changed or revoked it): the body
        that decided handles the case again; the earlier decision stays in the history and the letters."""
        self.outcome = ""
        self.closed_at = None
        self.decided_at = None
        self.decided_by = None
        self.applied_at = None

    @transition(field=status, source=WITHDRAWABLE, target=Status.WITHDRAWN)
    def withdraw(self, at: datetime.datetime) -> None:
        self.outcome = Outcome.WITHDRAWN
        self.closed_at = at


# Transitions an API caller may request directly (not tied to a task).
FREE_TRANSITIONS = ("withdraw",)


class RatingSource(models.TextChoices):
    PUBLIC = "public", _("The public tracking page")
    SMS = "sms", _("A link sent by SMS")
    PHONE = "phone", _("A telephone call-back recorded by staff")


class Rating(models.Model):
    """The person served rates the handling of a closed case (好差评, five levels)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="ratings")
    # 0: the handling itself; later rounds rate a rectification (the grievance process).
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    source = models.CharField(_("source"), max_length=8, choices=RatingSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["case", "round"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="case_rating_once_per_round"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="case_rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


class VerificationResult(models.Model):
    """One department's answer in one verification round."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="verifications")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    department = models.CharField(_("department"), max_length=24, choices=Department.choices)
    result = models.CharField(_("result"), max_length=12, choices=VerificationResultChoice.choices)
    note = models.TextField(_("note"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification result")
        verbose_name_plural = _("verification results")
        ordering = ["case", "round", "department"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round", "department"], name="verification_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.department} {self.result}"


class Stage(models.TextChoices):
    """The stages an SLA rule can time (a case's status while someone must act)."""

    INTAKE = "submitted", _("Intake review")
    VERIFICATION = "verifying", _("Department verification")
    APPROVAL = "pending_approval", _("Approval")


class SlaRule(models.Model):
    """How many working days a stage may take for a kind of case (administrators change these)."""

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    warn_days = models.PositiveSmallIntegerField(_("warn this many working days before"), default=1)

    class Meta:
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        ordering = ["kind", "stage"]
        constraints = [models.UniqueConstraint(fields=["kind", "stage"], name="sla_rule_unique")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.stage}: {self.working_days}"


class Attachment(models.Model):
    """A document of a case, stored under a random name; served only by a permission-checked view."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_name = models.CharField(max_length=100, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # A department's reply document, attached by its liaison with the verification result.
    verification = models.ForeignKey(
        VerificationResult,
        verbose_name=_("verification result"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png")

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class CaseGrant(models.Model):
    """A per-case exception: one user may open one case (its tasks and documents) for a period.

    For a member of staff outside the case's jurisdiction, e.g. a liaison of another county
    asked to verify one case. Granted and ended by a security administrator of the case's
    jurisdiction (``cases.actions.grants``); read by the ``access_*`` helpers of
    ``cases.queries``, at request time, so ending a grant ends access at once. The case shows
    in the user's separate "shared with me" list, never in the scoped lists.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="case_grants"
    )
    reason = models.TextField(_("reason"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("Access stops on this day."))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("case exception grant")
        verbose_name_plural = _("case exception grants")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "ends_on"], name="casegrant_user_ends")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="casegrant_period"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.case_id} · {self.starts_on}–{self.ends_on}"

    def in_force(self, today: datetime.date) -> bool:
        return self.ended_at is None and self.starts_on <= today < self.ends_on


class CaseCount(SummaryDelta):
    """Case figures per division as insert-only signed deltas (``cases.summary`` says what each counts).

    ``fact`` is what a row counts: a case in a stage since the day it was filed (its age), a
    case whose stage clock runs until a due day, a case filed on a day, a case decided on a day.
    Written by every save of a case in its transaction, summed by the dashboards, folded by
    the ``compact_case_counts`` job.
    """

    fact = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, blank=True)
    day = models.DateField(null=True)

    KEY_FIELDS = ("fact", "status", "day")

    class Meta:
        verbose_name = _("case count")
        verbose_name_plural = _("case counts")
        # A dashboard reads one division's own rows (the nation: its provinces', by parent) of a
        # few facts grouped by key: these indexes hold every column it reads, in grouping order
        # (index-only scans, no sort, no heap).
        indexes = [
            models.Index(fields=["parent", "fact", "status", "day", "n"], name="casecount_parent_key_idx"),
            models.Index(fields=["code", "fact", "status", "day", "n"], name="casecount_code_key_idx"),
        ]
