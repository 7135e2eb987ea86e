"""Cross-checking (交叉核查比对): department datasets, runs, discrepancies, send-downs, duplicates.

- A :class:`DatasetBatch` is one file (or API push) of one department's extract; its rows are
  staged in :class:`DatasetRow` with the ID number only as blind index and masked form.
- A :class:`Run` compares the registry with the current batches, set-based in SQL
  (``crosscheck.checks``), and keeps :class:`Discrepancy` rows: one *open* discrepancy per
  subject, kind and field at most (a partial unique constraint), closed by the first run
  that no longer finds it.
- Send-down turns open discrepancies into cases in the subject's county queue; an approved
  benefit-suspension case ends the benefits and records an :class:`Overpayment`.
- :class:`DuplicateSuspect` pairs are adjudicated by a person (merge or distinct).

Writes go through :mod:`crosscheck.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.summary import Counted, SummaryDelta
from jurisdictions.models import Department, Located


class BatchStatus(models.TextChoices):
    LOADING = "loading", _("Loading")
    LOADED = "loaded", _("Loaded")
    FAILED = "failed", _("Failed")


class DatasetBatch(models.Model):
    """One department extract, loaded once (idempotent by department and file SHA-256).

    ``coverage_code`` is the division the extract covers ("" for the whole country): a
    snapshot extract only speaks for the people registered there.
    """

    department = models.CharField(_("department"), max_length=24, choices=Department.choices)
    layout = models.CharField(_("file layout"), max_length=48)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file SHA-256"), max_length=64)
    coverage_code = models.CharField(_("division covered"), max_length=12, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.LOADING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    loaded_rows = models.PositiveIntegerField(_("rows loaded"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rows rejected"), default=0)
    # [{"row": n, "field": "...", "reason": "..."}], capped (see loader.MAX_REPORTED_ERRORS).
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token = models.ForeignKey(
        "FeedToken",
        verbose_name=_("pushed with token"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="batches",
    )
    created_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("department dataset batch")
        verbose_name_plural = _("department dataset batches")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["department", "sha256"], name="crosscheck_batch_once")]
        indexes = [models.Index(fields=["layout", "status", "-created_at"], name="crosscheck_batch_layout_idx")]

    def __str__(self) -> str:
        return f"{self.get_department_display()} {self.file_name}"


class DatasetRow(models.Model):
    """A staged row of a department extract. No full ID number: blind index and masked form only.

    The typed columns are shared by every layout (``crosscheck.layouts`` says which a layout fills).
    """

    # One index only, (batch, id_hmac): loads are COPY-bound and every read filters by batch.
    batch = models.ForeignKey(DatasetBatch, on_delete=models.CASCADE, related_name="rows", db_index=False)
    row_number = models.PositiveIntegerField()
    id_hmac = models.CharField(max_length=64)
    id_masked = models.CharField(max_length=18)
    name = models.CharField(max_length=64, blank=True)
    sex = models.CharField(max_length=8, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    division_code = models.CharField(max_length=12, blank=True)
    county_code = models.CharField(max_length=6, blank=True)
    event_date = models.DateField(null=True, blank=True)  # death date, record date
    end_date = models.DateField(null=True, blank=True)  # service end
    benefit_type = models.CharField(max_length=32, blank=True)
    receiving = models.BooleanField(null=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    flag = models.BooleanField(null=True)  # owns real estate, and similar yes/no facts

    class Meta:
        indexes = [models.Index(fields=["batch", "id_hmac"], name="crosscheck_row_batch_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class FeedToken(models.Model):
    """A department system's credential for ``POST /api/v1/feeds/<department>/``.

    Only the SHA-256 of the key is stored; the key is shown once when issued.
    """

    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=24, choices=Department.choices)
    division = models.ForeignKey(
        "jurisdictions.Division",
        verbose_name=_("division scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("department feed token")
        verbose_name_plural = _("department feed tokens")
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.department}, {self.key_prefix}…)"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Run(models.Model):
    """One cross-check run: which departments, which division, what it found and closed."""

    department = models.CharField(_("department"), max_length=24, choices=Department.choices, blank=True)
    division_code = models.CharField(_("division"), max_length=12, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    batches = models.JSONField(_("batches compared"), default=list, blank=True)
    found = models.PositiveIntegerField(_("discrepancies found"), default=0)
    opened = models.PositiveIntegerField(_("new"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)
    suspects = models.PositiveIntegerField(_("new suspected duplicates"), default=0)
    counts = models.JSONField(_("found per kind"), default=dict, blank=True)
    # {county_code: {kind: found}}: each user's part of the result, without touching every row.
    county_counts = models.JSONField(_("found per county and kind"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # What a later run with nothing changed reuses (crosscheck.reuse, PostgreSQL): the run's plan as a
    # fingerprint, the snapshot its checks read under and the last input change it had seen itself.
    inputs = models.CharField(_("inputs fingerprint"), max_length=64, blank=True, db_index=True)
    snapshot = models.TextField(_("snapshot"), blank=True)
    xid = models.CharField(_("transaction"), max_length=24, blank=True)
    mark = models.BigIntegerField(_("last input change seen"), default=0)
    reused_from = models.ForeignKey(
        "self",
        verbose_name=_("result of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("cross-check run")
        verbose_name_plural = _("cross-check runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.department or '*'} {self.division_code or 'CN'}"


class Kind(models.TextChoices):
    DECEASED_RECEIVING = "deceased_receiving", _("Deceased but still receiving benefits")
    DECEASED_ON_FILE = "deceased_on_file", _("Deceased but on file as living")
    NOT_IN_HUKOU = "not_in_hukou", _("Not found in household registration")
    MISMATCH = "mismatch", _("Does not match the department's data")
    TWO_COUNTIES = "two_counties", _("Registered in two counties")
    BENEFIT_CONTRADICTED = "benefit_contradicted", _("Benefit contradicted by another department")
    MISSING = "missing", _("Mandatory data missing")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("discrepancy status", "Open")
    SENT = "sent", _("Sent down")
    CORRECTED = "corrected", _("Corrected, awaiting re-check")
    CONFIRMED = "confirmed", _("Corrected and confirmed")
    RESOLVED = "resolved", _("No longer found")


# Statuses in which a discrepancy is still "live": a run refreshes it instead of adding another.
LIVE_STATUSES = (DiscrepancyStatus.OPEN, DiscrepancyStatus.SENT, DiscrepancyStatus.CORRECTED)


class Discrepancy(Counted, Located):
    """Problem data (问题数据) or missing data (缺失数据) about one subject, found by a run."""

    # What the dashboards' problem counts depend on (crosscheck.summary writes a delta when one changes).
    COUNTED_ATTRS = ("division_id", "subject_id", "kind", "status")

    # The codes without single-column indexes (and their LIKE twins): the composite indexes below
    # start with each of them, and every index here is written for each discrepancy a run opens.
    province_code = models.CharField(max_length=2, editable=False)
    city_code = models.CharField(max_length=4, editable=False, blank=True)
    county_code = models.CharField(max_length=6, editable=False, blank=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=32, blank=True)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices)
    department = models.CharField(_("department"), max_length=24, choices=Department.choices, blank=True)
    registry_value = models.CharField(_("value on file"), max_length=255, blank=True)
    dataset_value = models.CharField(_("department's value"), max_length=255, blank=True)
    batch = models.ForeignKey(
        DatasetBatch,
        verbose_name=_("source batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    months_overpaid = models.PositiveIntegerField(_("months overpaid"), null=True, blank=True)
    amount_overpaid = models.DecimalField(
        _("amount overpaid (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    # Few indexes on purpose: runs write this table in bulk, and lists filter by county.
    # The run references carry no database constraint: they are only ever written by the merge
    # with the id of the run in progress (committed before its checks start), and runs are never
    # deleted (PROTECT). A constraint would cost a deferred key-share lookup of the run row per
    # discrepancy opened (two per row), the largest part of a first run's commit.
    first_run = models.ForeignKey(
        Run,
        verbose_name=_("found by run"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    last_run = models.ForeignKey(
        Run,
        verbose_name=_("last changed by run"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    closed_run = models.ForeignKey(
        Run,
        verbose_name=_("closed by run"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    send_down = models.ForeignKey(
        "SendDown", verbose_name=_("send-down"), null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent down at"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("discrepancy", "closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "kind", "field"],
                condition=models.Q(status__in=["open", "sent", "corrected"]),
                name="crosscheck_one_live_discrepancy",
            )
        ]
        indexes = [
            models.Index(fields=["county_code", "status", "-id"], name="crosscheck_disc_county_idx"),
            models.Index(fields=["city_code", "status", "-id"], name="crosscheck_disc_city_idx"),
            models.Index(fields=["province_code", "status", "-id"], name="crosscheck_disc_prov_idx"),
            models.Index(fields=["kind", "status"], name="crosscheck_disc_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.field} ({self.subject_id})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class RunHit(models.Model):
    """Working table of a run: what each check found, before it is merged into discrepancies."""

    # No constraint and no index of its own (the key index starts with it): a hit lives only
    # inside its run's transaction, which created the run, and the merge empties the table.
    run = models.ForeignKey(Run, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False)
    subject_id = models.BigIntegerField()
    kind = models.CharField(max_length=24)
    field = models.CharField(max_length=32, blank=True)
    severity = models.CharField(max_length=12)
    department = models.CharField(max_length=24, blank=True)
    registry_value = models.CharField(max_length=255, blank=True)
    dataset_value = models.CharField(max_length=255, blank=True)
    batch_id = models.BigIntegerField(null=True)
    death_date = models.DateField(null=True)
    months_overpaid = models.IntegerField(null=True)
    amount_overpaid = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    # The subject's division codes, carried from the check's own join with the register, so the
    # merge writes new discrepancies without joining the register again.
    division_id = models.CharField(max_length=12, blank=True)
    province_code = models.CharField(max_length=2, blank=True)
    city_code = models.CharField(max_length=4, blank=True)
    county_code = models.CharField(max_length=6, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "subject_id", "kind", "field"], name="crosscheck_hit_key_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.subject_id}:{self.kind}"


class SendDown(Located):
    """Discrepancies of one county sent down together (下发) by one person; ``division`` is the county."""

    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    count = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("send-down")
        verbose_name_plural = _("send-downs")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.division_id} {self.sent_at:%Y-%m-%d} ({self.count})"


class OverpaymentStatus(models.TextChoices):
    TO_RECOVER = "to_recover", _("To recover")
    RECOVERED = "recovered", _("Recovered")
    WAIVED = "waived", _("Waived")


class Overpayment(Located):
    """Benefits paid after a death (冒领), recorded when the suspension case is applied."""

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    discrepancy = models.OneToOneField(
        Discrepancy, verbose_name=_("discrepancy"), on_delete=models.PROTECT, related_name="overpayment"
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    death_date = models.DateField(_("date of death"))
    months = models.PositiveIntegerField(_("months overpaid"))
    amount = models.DecimalField(_("amount to recover (yuan)"), max_digits=12, decimal_places=2)
    # [{"benefit": pk, "type": "...", "monthly": "...", "months": n, "amount": "..."}]
    breakdown = models.JSONField(_("per benefit"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OverpaymentStatus.choices, default=OverpaymentStatus.TO_RECOVER
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("overpayment")
        verbose_name_plural = _("overpayments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.amount}"


class SuspectReason(models.TextChoices):
    SAME_NAME_BIRTH = "same_name_birth", _("Same name and birth date under different ID numbers")
    SAME_PERSON = "same_person", _("One person on file twice")


class SuspectStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    MERGE = "merge", _("Same person: merge")
    DISTINCT = "distinct", _("Different people")


class DuplicateSuspect(Located):
    """Two registry records that may be one person, for a person to adjudicate.

    The Located columns are those of ``subject_a``; ``other_county_code`` is ``subject_b``'s.
    """

    subject_a = models.ForeignKey("subjects.Subject", on_delete=models.CASCADE, related_name="+")
    subject_b = models.ForeignKey("subjects.Subject", on_delete=models.CASCADE, related_name="+")
    other_county_code = models.CharField(max_length=6, blank=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=24, choices=SuspectReason.choices)
    status = models.CharField(
        _("decision"), max_length=12, choices=SuspectStatus.choices, default=SuspectStatus.PENDING
    )
    keep = models.ForeignKey(
        "subjects.Subject",
        verbose_name=_("record kept"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    # Both records as they were when decided (masked ID numbers), kept for the history.
    snapshot = models.JSONField(_("records when decided"), default=dict, blank=True)
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("duplicate", "decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(pgettext_lazy("duplicate", "decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suspected duplicate")
        verbose_name_plural = _("suspected duplicates")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subject_a", "subject_b"], name="crosscheck_suspect_pair")]

    def __str__(self) -> str:
        return f"{self.subject_a_id} / {self.subject_b_id}"


# --- linkage without a shared ID (Splink) -----------------------------------------------------------


class UnidentifiedStatus(models.TextChoices):
    UNLINKED = "unlinked", _("Not yet linked")
    LINKED = "linked", _("Linked to a person of the register")
    NO_MATCH = "no_match", _("No person of the register matches")


class UnidentifiedRow(models.Model):
    """A department row whose ID number is missing or invalid but which names a person (name and birth date).

    It is rejected from the ID-keyed cross-check (and reported in the batch's errors) but kept here for
    linkage (:mod:`crosscheck.linkage`): once linked to a person of the register, it becomes an ordinary
    :class:`DatasetRow` of its batch, keyed by that person's blind index. No full ID number is kept.
    """

    batch = models.ForeignKey(DatasetBatch, on_delete=models.CASCADE, related_name="unidentified")
    row_number = models.PositiveIntegerField()
    id_problem = models.CharField(_("ID number"), max_length=200)
    name = models.CharField(max_length=64)
    sex = models.CharField(max_length=8, blank=True)
    birth_date = models.DateField()
    county_code = models.CharField(max_length=6, blank=True)
    # The row's other staged values (dates as ISO text), copied into the DatasetRow made on linking.
    values = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=UnidentifiedStatus.choices, default=UnidentifiedStatus.UNLINKED
    )
    subject = models.ForeignKey(
        "subjects.Subject", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("row without a valid ID number")
        verbose_name_plural = _("rows without a valid ID number")
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="crosscheck_unidentified_row_once")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class LinkageRun(models.Model):
    """One linkage of a batch's rows without a valid ID to the register, with the model it used."""

    batch = models.ForeignKey(DatasetBatch, on_delete=models.CASCADE, related_name="linkage_runs")
    threshold = models.FloatField(_("auto-link from (probability)"))
    review_from = models.FloatField(_("human review from (probability)"))
    model = models.JSONField(_("model parameters"), default=dict)
    counts = models.JSONField(_("counts"), default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")

    def __str__(self) -> str:
        return f"{self.batch_id} {self.started_at:%Y-%m-%d %H:%M}"


class CandidateStatus(models.TextChoices):
    AUTO_LINKED = "auto_linked", _("Linked automatically")
    REVIEW = "review", _("Awaiting review")
    LINKED = "linked", _("Linked after review")
    REJECTED = "rejected", _("Not the same person")
    SUPERSEDED = "superseded", _("Another candidate was chosen")


class LinkCandidate(models.Model):
    """A pair (row without a valid ID, person of the register) with its match weight and probability."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="candidates")
    row = models.ForeignKey(UnidentifiedRow, on_delete=models.CASCADE, related_name="candidates")
    subject = models.ForeignKey("subjects.Subject", on_delete=models.CASCADE, related_name="+")
    match_weight = models.FloatField(_("match weight"))
    match_probability = models.FloatField(_("match probability"))
    status = models.CharField(_("status"), max_length=12, choices=CandidateStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-match_probability", "id"]
        verbose_name = _("linkage candidate")
        verbose_name_plural = _("linkage candidates")
        indexes = [models.Index(fields=["run", "status"], name="crosscheck_candidate_run_idx")]

    def __str__(self) -> str:
        return f"{self.row_id}~{self.subject_id} {self.match_probability:.3f}"


class ProblemCount(SummaryDelta):
    """The dashboards' problem figures per division, as insert-only signed deltas (``core.summary``).

    Two facts: ``DISCREPANCIES`` counts discrepancies by ``kind`` and ``status`` (additive:
    province, city and county rows, the nation sums its provinces); ``SUBJECTS`` counts people
    by ``status`` ``live`` (a live discrepancy in the division) or ``corrected`` (only closed
    ones there), ``kind`` empty, at each level including the nation (``CN``, parent empty): a
    person counts once per division, so these rows do not add up from the levels below.
    Written by the run's merge and by every save of a discrepancy (``crosscheck.summary``),
    summed by the dashboards (``reports``), folded by the ``compact_problem_counts`` job.
    """

    DISCREPANCIES, SUBJECTS = 1, 2

    fact = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24)
    status = models.CharField(max_length=12)

    KEY_FIELDS = ("fact", "kind", "status")

    class Meta:
        verbose_name = _("problem count")
        verbose_name_plural = _("problem counts")
        # A dashboard reads the rows of one division grouped by key (index-only, in order).
        indexes = [models.Index(fields=["code", "fact", "kind", "status", "n"], name="problemcount_code_key_idx")]
