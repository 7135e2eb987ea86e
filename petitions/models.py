"""Grievances under the 信访工作条例 (2022): the petition beside its case, its clock, hearings and reports.

A grievance registered here is a case (``cases.Case``, kind ``grievance``) with one
:class:`Petition`: the channel and the statute's request, facts and reasons (Art. 19), the day
it was received (its 15 days to accept run from there, Art. 22), the acceptance and the 60
days of handling (Art. 31), one extension of at most 30 days (Art. 34), the pauses of the
clock, the decision with its opinion and the articles it cites (Art. 32). The limits are not
stored: :mod:`petitions.deadlines` counts them on the calendar from these facts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    VISIT = "visit", _("Visit in person (来访)")
    LETTER = "letter", pgettext_lazy("petition channel", "Letter (来信)")
    PHONE = "phone", _("Phone call (来电)")
    ONLINE = "online", _("Online petition")
    HOTLINE_12345 = "hotline_12345", _("Hand-off from the 12345 hotline")
    NATIONAL_SYSTEM = "national_system", _("National petition information system")


# Channels whose matters carry the other system's reference number.
REFERENCED_CHANNELS = (Channel.HOTLINE_12345, Channel.NATIONAL_SYSTEM)


class Stage(models.TextChoices):
    REGISTERED = "registered", _("Registered, awaiting acceptance")
    FORWARDED = "forwarded", _("Forwarded, awaiting acknowledgement (签收)")
    OBJECTED = "objected", _("Objection awaiting the routing body")
    DISPUTED = "disputed", _("Dispute awaiting the common superior")
    HANDLING = "handling", _("Accepted, being handled")
    EXTENSION_REQUESTED = "extension_requested", _("Extension awaiting the head's approval")
    DECIDED = "decided", pgettext_lazy("petition stage", "Decided")
    REFUSED = "refused", _("Not accepted")


# The stages whose clock runs toward a notice or a decision (the case's ``due_at`` follows it).
OPEN_STAGES = (Stage.REGISTERED, Stage.HANDLING, Stage.EXTENSION_REQUESTED)
# The stages of routing (转送、交办, Arts. 22–24): the matter is between bodies, not yet signed for.
ROUTING_STAGES = (Stage.FORWARDED, Stage.OBJECTED, Stage.DISPUTED)


class Opinion(models.TextChoices):
    SUPPORT = "support", _("Support (支持)")
    EXPLAIN = "explain", _("Explain (解释说明)")
    NOT_SUPPORT = "not_support", _("Not supported (不予支持)")


class Field(models.TextChoices):
    """The field a matter concerns (涉及领域), counted in the annual petition report (Art. 41)."""

    RESETTLEMENT = "resettlement", _("Resettlement on leaving the forces (移交安置)")
    EMPLOYMENT = "employment", _("Employment and business (就业创业)")
    BENEFITS = "benefits", _("Pensions and special-care benefits (抚恤优待)")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance (社会保险)")
    MEDICAL = "medical", _("Medical care (医疗保障)")
    HOUSING = "housing", _("Housing (住房保障)")
    HONOURS = "honours", _("Honours and commemoration (褒扬纪念)")
    SERVICE_RECORD = "service_record", _("Service record and identity (身份认定)")
    OTHER = "other", pgettext_lazy("petition field", "Other")


# The name used where "Field" alone would be ambiguous (forms have fields).
PetitionField = Field


class Petition(models.Model):
    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="petition")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    reference_number = models.CharField(_("reference number"), max_length=64, blank=True)
    received_on = models.DateField(_("received on"))
    registered_on = models.DateField(_("registered on"))
    request = models.TextField(_("request"))
    facts = models.TextField(_("facts"))
    reasons = models.TextField(_("reasons"))
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, default=Stage.REGISTERED)
    field = models.CharField(_("field concerned"), max_length=20, choices=Field.choices, default=Field.OTHER)
    # The body (or office) the matter complains about, as the petitioner names it: counted in the annual report.
    respondent = models.CharField(_("body complained about"), max_length=200, blank=True)
    # Raised again while an earlier matter of the same person with the same request is accepted or in progress.
    repeat_of = models.ForeignKey(
        "cases.Case", verbose_name=_("repeat of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The same request with the same facts and reasons after a 复核: answered 不再受理 (Art. 36).
    final_repeat = models.BooleanField(_("raised again after the re-review"), default=False)
    # 检举、揭发 (Art. 30): never shown to the accused body.
    confidential = models.BooleanField(_("confidential report"), default=False)
    accused_division = models.ForeignKey(
        "jurisdictions.Division",
        verbose_name=_("accused body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 重大、紧急 (Art. 25): reported upward at registration.
    major = models.BooleanField(_("major or urgent"), default=False)
    lead_division = models.ForeignKey(
        "jurisdictions.Division", verbose_name=_("lead body"), on_delete=models.PROTECT, related_name="+"
    )
    assisting = models.JSONField(_("assisting bodies"), default=list, blank=True)

    # Routing (转送、交办, Arts. 22–24): the body that forwarded the matter, the body it went to, when;
    # the receiving body's 签收 or its objection (with reasons) within the working days of the setting.
    routing_division = models.ForeignKey(
        "jurisdictions.Division",
        verbose_name=_("routing body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiving_division = models.ForeignKey(
        "jurisdictions.Division",
        verbose_name=_("receiving body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    acknowledged_on = models.DateField(_("acknowledged on (签收)"), null=True, blank=True)
    # Designated by the routing body (or the common superior): the body can no longer object.
    designated = models.BooleanField(_("designated"), default=False)
    objected_on = models.DateField(_("objected on"), null=True, blank=True)
    objection_reasons = models.TextField(_("reasons of the objection"), blank=True)
    proposed_division = models.ForeignKey(
        "jurisdictions.Division",
        verbose_name=_("body proposed by the objection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A dispute between bodies goes to their common superior (Art. 24), which designates.
    dispute_division = models.ForeignKey(
        "jurisdictions.Division",
        verbose_name=_("deciding superior"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    # A 复查 or 复核 changed or revoked the handling opinion: the body that answered handles the matter
    # again from this day (重新办理); its limits count from here (``petitions.deadlines``).
    redo_on = models.DateField(_("handled again since"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension days"), default=0)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    requested_extension_days = models.PositiveSmallIntegerField(_("requested extension days"), default=0)
    paused_since = models.DateField(_("clock paused since"), null=True, blank=True)
    pause_reason = models.TextField(_("pause reason"), blank=True)
    paused_days = models.PositiveIntegerField(_("days paused"), default=0)

    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    opinion = models.CharField(_("opinion"), max_length=16, choices=Opinion.choices, blank=True)
    decision_facts = models.TextField(_("facts found"), blank=True)
    decision_reasons = models.TextField(_("reasons of the decision"), blank=True)
    # The cited article versions, frozen when cited: [{"id", "document", "number", "version", "is_summary"}].
    citations = models.JSONField(_("citations"), default=list, blank=True)
    refusal_citations = models.JSONField(_("citations of the refusal"), default=list, blank=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        indexes = [models.Index(fields=["case", "stage"], name="petition_case_stage_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}"


class ReviewLevel(models.TextChoices):
    REVIEW = "review", _("Review (复查, Art. 35)")
    RE_REVIEW = "re_review", _("Re-review (复核, Art. 36)")


class ReviewOutcome(models.TextChoices):
    UPHOLD = "uphold", _("Upheld (维持)")
    CHANGE = "change", _("Changed (变更)")
    REVOKE = "revoke", _("Revoked (撤销)")


class Review(models.Model):
    """A 复查 (Art. 35) or 复核 (Art. 36) of a decided grievance, at the level above the body that answered.

    Requested within 30 days of the written answer (the 信访处理意见书, then the 复查意见书), answered
    within 30 days of the request by ``body``; one of each level per grievance (a 复核 is final).
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="reviews")
    level = models.CharField(pgettext_lazy("review", "level"), max_length=12, choices=ReviewLevel.choices)
    body = models.ForeignKey(
        "jurisdictions.Division", verbose_name=_("reviewing body"), on_delete=models.PROTECT, related_name="+"
    )
    requested_on = models.DateField(_("requested on"))
    grounds = models.TextField(_("grounds of the request"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    outcome = models.CharField(
        pgettext_lazy("review", "outcome"), max_length=12, choices=ReviewOutcome.choices, blank=True
    )
    facts = models.TextField(_("facts found"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    citations = models.JSONField(_("citations"), default=list, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Changed or revoked: the handling opinion it set aside ({"opinion", "decided_on", "facts", "reasons",
    # "citations", "body"}), which the body that gave it handles again (重新办理).
    set_aside = models.JSONField(_("opinion set aside"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["requested_on", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [models.UniqueConstraint(fields=["petition", "level"], name="petition_review_once_per_level")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.level} {self.body_id}"


class Petitioner(models.Model):
    """One of the petitioners of a group petition (集体访, Art. 20): a registered person or a named one.

    The ID number of a named person is checked (``subjects.ids``) and kept only as the blind index and
    the masked form. At most five representatives for a visit; the letters are addressed to them.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="petitioners")
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64)
    id_number_hmac = models.CharField(_("ID number blind index"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("national ID number"), max_length=18, editable=False)
    representative = models.BooleanField(_("representative"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("petitioner")
        verbose_name_plural = _("petitioners")
        constraints = [
            models.UniqueConstraint(fields=["petition", "id_number_hmac"], name="petitioner_once_per_petition")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.name}"


class ClockEvent(models.Model):
    """One change of a petition's clock: an extension requested, approved or refused; a pause; a resume."""

    class Kind(models.TextChoices):
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENSION_APPROVED = "extension_approved", _("Extension approved")
        EXTENSION_REFUSED = "extension_refused", _("Extension refused")
        PAUSED = "paused", _("Clock paused")
        RESUMED = "resumed", _("Clock resumed")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="clock_events")
    kind = models.CharField(_("kind of change"), max_length=24, choices=Kind.choices)
    on = models.DateField(_("on"))
    days = models.PositiveIntegerField(_("days"), default=0)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} {self.on}"


class Bounce(models.Model):
    """A matter that bounced off a body it was forwarded to: counted against that body (Art. 23)."""

    class Kind(models.TextChoices):
        RETURNED = "returned", _("Objection agreed: materials returned")
        REDIRECTED = "redirected", _("Objection: designated to another body")
        LAPSED = "lapsed", _("Not acknowledged in time: designated to another body")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="bounces")
    division = models.ForeignKey(
        "jurisdictions.Division", verbose_name=_("body"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of bounce"), max_length=12, choices=Kind.choices)
    on = models.DateField(_("on"))
    reasons = models.TextField(_("reasons"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
        indexes = [models.Index(fields=["division", "on"], name="petition_bounce_body_idx")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} {self.division_id}"


class UpwardReport(models.Model):
    """A major or urgent matter reported to a level above (Art. 25), one row per level notified."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="upward_reports")
    division = models.ForeignKey(
        "jurisdictions.Division", verbose_name=_("reported to"), on_delete=models.PROTECT, related_name="+"
    )
    recipients = models.PositiveIntegerField(_("people notified"), default=0)
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ["reported_at", "id"]
        verbose_name = _("upward report")
        verbose_name_plural = _("upward reports")

    def __str__(self) -> str:
        return f"{self.petition_id} → {self.division_id}"


class Hearing(models.Model):
    """A hearing (听证) scheduled for a complex matter: when, where, who; its record attached later."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="hearings")
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    participants = models.TextField(_("participants"))
    record = models.ForeignKey(
        "cases.Attachment", verbose_name=_("record"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")

    def __str__(self) -> str:
        return f"{self.petition_id} {self.held_at:%Y-%m-%d} {self.place}"


class Intensity(models.TextChoices):
    ROUTINE = "routine", _("Routine follow-up (日常督办)")
    FLAGGED = "flagged", _("Flagged follow-up (挂牌督办)")
    SUMMONS = "summons", _("Summons (约谈)")


class SupervisionOrder(models.Model):
    """A 督办 order (Arts. 39–40): a supervisor above a body orders it to follow up a case or its work.

    ``division`` is the supervised body (the case's division, or the body named); ``issued_at_division``
    the level above it where the issuer supervises. The order is open until the supervised body files
    its completion report; :mod:`petitions.supervision` sends the 催办 on the first overdue working day
    and records the 通报 at the configured number of working days overdue.
    """

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="supervision_orders",
    )
    division = models.ForeignKey(
        "jurisdictions.Division", verbose_name=_("supervised body"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at_division = models.ForeignKey(
        "jurisdictions.Division", verbose_name=_("issuing level"), on_delete=models.PROTECT, related_name="+"
    )
    intensity = models.CharField(_("intensity"), max_length=12, choices=Intensity.choices)
    deadline = models.DateField(_("deadline"))
    instructions = models.TextField(_("instructions"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issuing supervisor"), on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("issued on"))
    report = models.TextField(_("completion report"), blank=True)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    urged_on = models.DateField(_("urged on (催办)"), null=True, blank=True)
    circulated_on = models.DateField(_("circulated on (通报)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        indexes = [models.Index(fields=["reported_on", "deadline"], name="supervision_open_idx")]

    def __str__(self) -> str:
        return f"{self.division_id} {self.intensity} {self.deadline}"


class CollectedGrievance(models.Model):
    """A grievance recorded at collection (``Subject.grievances``) and the case it opened.

    Keyed by the person and the SHA-256 of the text (whitespace folded): importing the same text
    again opens nothing; a changed text opens a new case linked to the previous one.
    """

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    text_hash = models.CharField(_("text hash"), max_length=64)
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    import_batch = models.ForeignKey(
        "subjects.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grievance recorded at collection")
        verbose_name_plural = _("grievances recorded at collection")
        constraints = [models.UniqueConstraint(fields=["subject", "text_hash"], name="collected_grievance_once")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.text_hash[:12]}"


class CollectedBatch(models.Model):
    """An import batch whose recorded grievances were opened as cases (the sweep skips it)."""

    import_batch = models.OneToOneField(
        "subjects.ImportBatch", verbose_name=_("import batch"), on_delete=models.CASCADE, related_name="+"
    )
    opened = models.PositiveIntegerField(_("cases opened"), default=0)
    finished_at = models.DateTimeField(_("finished at"), auto_now_add=True)

    class Meta:
        verbose_name = _("import batch whose grievances were opened")
        verbose_name_plural = _("import batches whose grievances were opened")

    def __str__(self) -> str:
        return f"{self.import_batch_id} {self.opened}"


class Suggestion(models.Model):
    """A suggestion a petition office made to improve a policy or solve a problem, and whether it was adopted (Art. 41).

    Counted in the annual petition report of the office's division and the levels above.
    """

    division = models.ForeignKey(
        "jurisdictions.Division", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    made_on = models.DateField(_("made on"))
    addressed_to = models.CharField(_("addressed to"), max_length=200)
    subject = models.CharField(pgettext_lazy("suggestion", "subject"), max_length=200)
    text = models.TextField(_("suggestion"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    # None while no answer has come; then whether the body it was addressed to adopted it.
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_on", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [models.Index(fields=["division", "made_on"], name="suggestion_division_made_idx")]

    def __str__(self) -> str:
        return self.subject


class Rectification(models.Model):
    """整改 after a 差评 (issue 19 item 4): the handling body puts right what the petitioner rated poorly.

    Opened by a rating of 1 or 2 on a decided grievance (``petitions.rectification``), with its own
    deadline in working days and a task for the handling body. Once the body reports what it did, the
    petitioner rates the rectification (rating round 1); still dissatisfied, the matter is reopened as a
    new grievance linked to this one, or the petitioner is told of 复查 (Art. 35).
    """

    class Followup(models.TextChoices):
        NONE = "", _("None needed")
        PENDING = "pending", _("Still dissatisfied: reopen or advise a review")
        REOPENED = "reopened", _("Reopened as a new grievance")
        REVIEW_ADVISED = "review_advised", _("Told of the review (复查, Art. 35)")

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="rectification")
    rating = models.ForeignKey("cases.Rating", verbose_name=_("rating"), on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("rectify by"))
    report = models.TextField(_("what was rectified"), blank=True)
    done_on = models.DateField(_("rectified on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rectified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    followup = models.CharField(_("follow-up"), max_length=16, choices=Followup.choices, blank=True, default="")
    followup_note = models.TextField(_("follow-up note"), blank=True)
    reopened_as = models.ForeignKey(
        "cases.Case", verbose_name=_("reopened as"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self) -> str:
        return f"{self.petition_id} {self.due_on}"
