"""The subject registry (服务对象档案): who is served, what is known about them, and where it came from.

One person, one record, nationally: ``Subject.id_number_hmac`` (the blind index of the national
ID number) is unique across the whole table. The number itself is stored only encrypted; the
masked form is kept for display. Writes go through :mod:`subjects.actions`.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.summary import Counted, SummaryDelta
from core.validators import no_invisible_characters
from jurisdictions.models import Division, Located


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Category(models.TextChoices):
    """采集对象: the subject categories of the plan (three groups)."""

    # Group 1: veterans and similar.
    RETIRED_OFFICER = "retired_officer", _("Retired officer")
    RETIRED_SOLDIER = "retired_soldier", _("Retired soldier")
    RED_ARMY_VETERAN = "red_army_veteran", _("Red Army veteran")
    WEST_ROUTE_RED_ARMY = "west_route_red_army", _("West Route Red Army veteran")
    DISPERSED_RED_ARMY = "dispersed_red_army", _("Dispersed Red Army personnel")
    EARLY_DEMOBILISED = "early_demobilised", _("Early demobilised serviceman")
    RETIRED_CADRE_NON_MILITARY = "retired_cadre_non_military", _("Non-military retired cadre")
    RETIRED_STAFF_NON_MILITARY = "retired_staff_non_military", _("Non-military retired staff")
    # Group 2: families.
    MARTYR_SURVIVOR = "martyr_survivor", _("Martyr's survivor")
    KILLED_ON_DUTY_SURVIVOR = "killed_on_duty_survivor", _("Survivor of a serviceman killed on duty")
    DIED_OF_ILLNESS_SURVIVOR = "died_of_illness_survivor", _("Survivor of a serviceman who died of illness")
    ACTIVE_SERVICEMAN_FAMILY = "active_serviceman_family", _("Family of an active serviceman")
    # Group 3.
    DISABLED_MILITIA = "disabled_militia", _("Disabled militia or civilian worker receiving a state pension")


FAMILY_CATEGORIES = frozenset(
    {
        Category.MARTYR_SURVIVOR,
        Category.KILLED_ON_DUTY_SURVIVOR,
        Category.DIED_OF_ILLNESS_SURVIVOR,
        Category.ACTIVE_SERVICEMAN_FAMILY,
    }
)


class Ethnicity(models.TextChoices):
    """The 56 ethnic groups, with their GB/T 3304 codes."""

    HAN = "01", _("Han")
    MONGOL = "02", _("Mongol")
    HUI = "03", _("Hui")
    TIBETAN = "04", _("Tibetan")
    UYGHUR = "05", _("Uyghur")
    MIAO = "06", _("Miao")
    YI = "07", _("Yi")
    ZHUANG = "08", _("Zhuang")
    BUYEI = "09", _("Buyei")
    KOREAN = "10", _("Korean")
    MANCHU = "11", _("Manchu")
    DONG = "12", _("Dong")
    YAO = "13", _("Yao")
    BAI = "14", _("Bai")
    TUJIA = "15", _("Tujia")
    HANI = "16", _("Hani")
    KAZAKH = "17", _("Kazakh")
    DAI = "18", _("Dai")
    LI = "19", _("Li")
    LISU = "20", _("Lisu")
    VA = "21", _("Va")
    SHE = "22", _("She")
    GAOSHAN = "23", _("Gaoshan")
    LAHU = "24", _("Lahu")
    SUI = "25", _("Sui")
    DONGXIANG = "26", _("Dongxiang")
    NAXI = "27", _("Naxi")
    JINGPO = "28", _("Jingpo")
    KYRGYZ = "29", _("Kyrgyz")
    TU = "30", _("Tu")
    DAUR = "31", _("Daur")
    MULAO = "32", _("Mulao")
    QIANG = "33", _("Qiang")
    BLANG = "34", _("Blang")
    SALAR = "35", _("Salar")
    MAONAN = "36", _("Maonan")
    GELAO = "37", _("Gelao")
    XIBE = "38", _("Xibe")
    ACHANG = "39", _("Achang")
    PUMI = "40", _("Pumi")
    TAJIK = "41", _("Tajik")
    NU = "42", _("Nu")
    UZBEK = "43", _("Uzbek")
    RUSSIAN = "44", _("Russian")
    EVENKI = "45", _("Evenki")
    DEANG = "46", _("De'ang")
    BONAN = "47", _("Bonan")
    YUGUR = "48", _("Yugur")
    GIN = "49", _("Gin")
    TATAR = "50", _("Tatar")
    DERUNG = "51", _("Derung")
    OROQEN = "52", _("Oroqen")
    HEZHEN = "53", _("Hezhen")
    MONBA = "54", _("Monba")
    LHOBA = "55", _("Lhoba")
    JINO = "56", _("Jino")


class PoliticalAffiliation(models.TextChoices):
    CPC_MEMBER = "cpc_member", _("Member of the Communist Party of China")
    CPC_PROBATIONARY = "cpc_probationary", _("Probationary member of the Communist Party of China")
    CYL_MEMBER = "cyl_member", _("Member of the Communist Youth League")
    DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
    NON_PARTY = "non_party", _("Non-party personage")
    MASSES = "masses", _("Ordinary citizen")


class RankClass(models.TextChoices):
    OFFICER = "officer", _("Officer")
    NCO = "nco", _("Non-commissioned officer")
    CONSCRIPT = "conscript", _("Conscript")


class Resettlement(models.TextChoices):
    ASSIGNED_JOB = "assigned_job", _("Assigned job")
    SELF_CHOSEN_CAREER = "self_chosen_career", _("Self-chosen career")
    SELF_EMPLOYMENT = "self_employment", _("Self-employment")
    SELF_ARRANGED = "self_arranged", _("Self-arranged employment")


class Employment(models.TextChoices):
    PUBLIC_INSTITUTION = "public_institution", _("Government or public institution")
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC_WELFARE_POST = "public_welfare_post", _("Public-welfare post")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNEMPLOYED = "unemployed", _("Unemployed")
    LAID_OFF = "laid_off", _("Laid off")
    RETIRED = "retired", _("Retired")
    FARMING = "farming", _("Farming")


class HousingTenure(models.TextChoices):
    OWNED = "owned", _("Owned")
    RENTED = "rented", _("Rented")
    PUBLIC_RENTAL = "public_rental", _("Public rental housing")
    BORROWED = "borrowed", _("Living with others")
    OTHER = "other", _("Other")


class ConfirmationMethod(models.TextChoices):
    ON_SITE = "on_site", _("On-site collection")
    SELF_DECLARED = "self_declared", _("Self-declared")
    HOME_VISIT = "home_visit", _("Home visit")


class SubjectStatus(models.TextChoices):
    ACTIVE = "active", _("On file")
    DECEASED = "deceased", _("Deceased")
    TRANSFERRED = "transferred", _("Moved away")
    DEREGISTERED = "deregistered", _("Deregistered")
    MERGED = "merged", _("Merged into another record")


class ServicemanStatus(models.TextChoices):
    ACTIVE_DUTY = "active_duty", _("On active duty")
    RETIRED = "retired", _("Retired from service")
    MARTYR = "martyr", _("Martyr")
    KILLED_ON_DUTY = "killed_on_duty", _("Killed on duty")
    DIED_OF_ILLNESS = "died_of_illness", _("Died of illness")
    DECEASED = "deceased", _("Deceased")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other relative")


class Provenance(models.TextChoices):
    """Where a field's current value came from."""

    PUBLIC_SECURITY_SEED = "public_security_seed", _("Public security seed data")
    MILITARY_SEED = "military_seed", _("Military seed data")
    SELF_DECLARED = "self_declared", _("Self-declared")
    CASEWORKER_ENTRY = "caseworker_entry", _("Caseworker entry")
    DEPARTMENT_VERIFICATION = "department_verification", _("Department verification")
    APPROVED_CASE = "approved_case", _("Approved case")
    OFFLINE_COLLECTION = "offline_collection", _("Offline collection")


class BenefitType(models.TextChoices):
    # Paid by veterans' affairs under the 军人抚恤优待条例 (2024): amounts by rule (benefits app).
    PERIODIC_PENSION = "periodic_pension", _("Periodic survivor pension")
    DISABILITY_PENSION = "disability_pension", _("Disability pension")
    CARE_ALLOWANCE = "care_allowance", _("Care allowance")
    LIVING_SUBSIDY = "living_subsidy", _("Periodic living subsidy")
    FUNERAL_GRANT = "funeral_grant", _("Funeral grant")
    # Before the statute's kinds: mapped to them by benefits' data migration; kept readable.
    STATE_PENSION = "state_pension", _("State pension")
    STATE_SUBSIDY = "state_subsidy", _("State subsidy")
    # Paid by other departments: recorded only, never on a veterans' affairs roster.
    BASIC_MEDICAL = "basic_medical", _("Basic medical insurance")
    RURAL_COOPERATIVE_MEDICAL = "rural_cooperative_medical", _("Rural cooperative medical insurance")
    EMPLOYEE_PENSION = "employee_pension", _("Employee pension insurance")
    URBAN_RESIDENT_PENSION = "urban_resident_pension", _("Urban resident pension insurance")
    RURAL_PENSION = "rural_pension", _("Rural pension insurance")
    DIBAO = "dibao", _("Minimum living allowance")
    DISABILITY_SUBSIDIES = "disability_subsidies", _("The two disability subsidies")


class BenefitStatus(models.TextChoices):
    ACTIVE = "active", _("Being paid")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


# Fields whose provenance is tracked (everything a person's file says about them).
TRACKED_FIELDS = (
    "name",
    "id_number",
    "sex",
    "ethnicity",
    "birth_date",
    "political_affiliation",
    "category",
    "status",
    "service_start",
    "service_end",
    "rank_class",
    "service_unit",
    "service_number",
    "division",
    "hukou_address",
    "phone",
    "resettlement",
    "employment",
    "employer",
    "owns_home",
    "housing_tenure",
    "floor_area",
    "grievances",
    "photo",
    "confirmed_by",
    "confirmed_at",
    "confirmation_method",
    "collection_point",
    "serviceman",
    "serviceman_name",
    "serviceman_status",
    "relation",
)


def photo_path(instance: Subject, filename: str) -> str:
    # No name or ID number in the path; photos are served only through the scoped view.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    if suffix not in {"jpg", "jpeg", "png", "webp"}:
        suffix = "jpg"
    return f"subjects/photos/{instance.county_code or 'x'}/{uuid.uuid4().hex}.{suffix}"


# Field-level history, written by PostgreSQL triggers (so bulk and raw-SQL updates are caught too):
# each update stores the row as it was before (OLD), each delete the last state. The secret
# columns (ciphertext, blind index) and bookkeeping are not copied; the masked number is.
# On SQLite there are no triggers and no history rows (README "Subjects: history").
HISTORY_EXCLUDE = [
    "id_number_encrypted",
    "id_number_hmac",
    "provenance",
    "created_at",
    "updated_at",
    "created_by",
    "import_batch",
]


@pghistory.track(
    pghistory.UpdateEvent("before_update", row=pghistory.Old),
    pghistory.DeleteEvent("delete"),
    exclude=HISTORY_EXCLUDE,
    model_name="SubjectHistory",
)
class Subject(Counted, Located):
    """A person served (服务对象). ``division`` is the place of household registration (户籍)."""

    # Overrides of Located's columns: the composite indexes in Meta serve every jurisdiction
    # filter, so single-column indexes (and their LIKE twins) would only slow bulk loads.
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    province_code = models.CharField(max_length=2, editable=False)
    city_code = models.CharField(max_length=4, editable=False, blank=True)
    county_code = models.CharField(max_length=6, editable=False, blank=True)
    # What the dashboards' counts depend on (subjects.summary writes a delta when one changes).
    COUNTED_ATTRS = (
        "division_id",
        "category",
        "status",
        "ethnicity",
        "political_affiliation",
        "hukou_address",
        "service_start",
        "confirmed_at",
        "confirmed_by",
    )
    # Basic information (个人基本信息).
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64, validators=[no_invisible_characters])
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), editable=False)
    # Unique through Meta.constraints (a plain unique index, without a LIKE twin).
    id_number_hmac = models.CharField(_("ID number blind index"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("national ID number"), max_length=18, editable=False)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=Ethnicity.choices, blank=True)
    birth_date = models.DateField(_("birth date"))
    political_affiliation = models.CharField(
        _("political affiliation"), max_length=24, choices=PoliticalAffiliation.choices, blank=True
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    status = models.CharField(_("status"), max_length=16, choices=SubjectStatus.choices, default=SubjectStatus.ACTIVE)
    # Set when a person decided this record was a duplicate: it stays on file, with its cases
    # and history, and points at the record that carries on (subjects.actions.do_merge_subjects).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
    )
    # Service record.
    service_start = models.DateField(_("enlistment (start of work)"), null=True, blank=True)
    service_end = models.DateField(_("discharge (retirement)"), null=True, blank=True)
    rank_class = models.CharField(_("rank class in service"), max_length=16, choices=RankClass.choices, blank=True)
    service_unit = models.CharField(_("unit served in"), max_length=128, blank=True)
    service_number = models.CharField(_("service number"), max_length=32, blank=True)
    hukou_address = models.CharField(_("household registration address"), max_length=255, blank=True)
    phone = models.CharField(_("telephone"), max_length=32, blank=True)
    photo = models.ImageField(_("recent photo"), upload_to=photo_path, blank=True)
    # Living conditions (生活状况).
    resettlement = models.CharField(_("resettlement"), max_length=24, choices=Resettlement.choices, blank=True)
    employment = models.CharField(_("employment status"), max_length=24, choices=Employment.choices, blank=True)
    employer = models.CharField(_("employer"), max_length=128, blank=True)
    owns_home = models.BooleanField(_("owns a home"), null=True, blank=True)
    housing_tenure = models.CharField(_("housing tenure"), max_length=16, choices=HousingTenure.choices, blank=True)
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True)
    # Grievances (主要诉求) stated at collection.
    grievances = models.TextField(_("grievances"), blank=True)
    # Signature confirmation (签字确认) and the collection point.
    confirmed_by = models.CharField(_("confirmed by"), max_length=64, blank=True)
    confirmed_at = models.DateField(_("confirmed on"), null=True, blank=True)
    confirmation_method = models.CharField(
        _("confirmation method"), max_length=16, choices=ConfirmationMethod.choices, blank=True
    )
    collection_point = models.ForeignKey(
        Division,
        verbose_name=_("collection point (township)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Families: the serviceman this subject's category derives from (need not be a subject).
    serviceman = models.ForeignKey(
        "self",
        verbose_name=_("serviceman (if on file)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="family_members",
    )
    serviceman_name = models.CharField(
        _("serviceman's name"), max_length=64, blank=True, validators=[no_invisible_characters]
    )
    serviceman_status = models.CharField(
        _("serviceman's status"), max_length=16, choices=ServicemanStatus.choices, blank=True
    )
    relation = models.CharField(_("relation to the serviceman"), max_length=16, choices=Relation.choices, blank=True)
    # Where each field's current value came from: {field: {"source", "ref", "at"}}; the key "*"
    # holds the source of every field set when the record was created (kept small for bulk loads).
    provenance = models.JSONField(_("field provenance"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Informational only (which batch last wrote the row): no constraint, no index.
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("last import batch"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["county_code", "-created_at", "-id"], name="subject_county_idx"),
            models.Index(fields=["city_code", "-created_at", "-id"], name="subject_city_idx"),
            models.Index(fields=["province_code", "-created_at", "-id"], name="subject_province_idx"),
            models.Index(fields=["county_code", "category", "status"], name="subject_county_cat_idx"),
            # The register's name order (subjects.queries.SUBJECT_SORTS) by scope level; the
            # county one also serves exact-name lookups, as the (county_code, name) index did.
            models.Index(fields=["county_code", "name", "id"], name="subject_county_name_id_idx"),
            models.Index(fields=["city_code", "name", "id"], name="subject_city_name_id_idx"),
            models.Index(fields=["province_code", "name", "id"], name="subject_province_name_id_idx"),
            models.Index(fields=["division"], name="subject_division_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["id_number_hmac"], name="subject_id_number_hmac_uniq")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"

    @property
    def is_family(self) -> bool:
        return self.category in FAMILY_CATEGORIES

    def provenance_of(self, field: str) -> dict[str, Any]:
        """``{"source", "ref", "at"}`` of the field's current value ({} when unknown)."""
        return self.provenance.get(field) or self.provenance.get("*") or {}


class Benefit(models.Model):
    """A benefit the subject receives (享受待遇); several per person, ended rather than deleted."""

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.CASCADE, related_name="benefits")
    benefit_type = models.CharField(_("benefit type"), max_length=32, choices=BenefitType.choices)
    amount = models.DecimalField(_("monthly amount (yuan)"), max_digits=10, decimal_places=2)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=BenefitStatus.choices, default=BenefitStatus.ACTIVE)
    end_reason = models.CharField(_("reason for ending"), max_length=255, blank=True)
    provenance = models.CharField(_("source"), max_length=32, choices=Provenance.choices)
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["subject_id", "-start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="benefit_end_after_start",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="benefit_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_benefit_type_display()} {self.amount}"


class IdReveal(models.Model):
    """Who saw a full ID number, of whom, why and when. Never the number itself."""

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=255)
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ID number reveal")
        verbose_name_plural = _("ID number reveals")
        ordering = ["-revealed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.subject_id} @ {self.revealed_at:%Y-%m-%d %H:%M}"


class DuplicateFlag(models.Model):
    """Someone tried to register a person already on file in another county.

    Both counties' supervisors see the flag (``existing_county_code`` and ``attempted_county_code``).
    """

    subject = models.ForeignKey(Subject, verbose_name=_("subject on file"), on_delete=models.CASCADE, related_name="+")
    existing_county_code = models.CharField(_("county on file"), max_length=6, db_index=True)
    attempted_division = models.ForeignKey(
        Division, verbose_name=_("division attempted"), on_delete=models.PROTECT, related_name="+"
    )
    attempted_county_code = models.CharField(_("county attempted"), max_length=6, db_index=True)
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attempted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("flagged at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duplicate registration flag")
        verbose_name_plural = _("duplicate registration flags")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.existing_county_code} / {self.attempted_county_code}"


class ImportSource(models.TextChoices):
    """Who hands over a file; each has its own template and sets the provenance of what it brings."""

    PUBLIC_SECURITY = "public_security", _("Public security (household registration)")
    MILITARY = "military", _("Military (service records)")
    COUNTY = "county", _("County collection")
    DEPARTMENT = "department", _("Department verification")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportBatch(Located):
    """One file handed over for bulk import, and what became of its rows."""

    source = models.CharField(_("source"), max_length=24, choices=ImportSource.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file SHA-256"), max_length=64, db_index=True)
    file = models.FileField(_("file"), upload_to="subjects/imports/", blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error_file = models.FileField(_("error report"), upload_to="subjects/import-errors/", blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The run that owns the batch (subjects.actions.imports.do_claim_import_batch) and its last
    # sign of life (queued, claimed, a chunk written): the periodic sweep queues a batch again
    # when it stays silent too long (a job lost between commit and enqueue, or a dead worker).
    claim = models.CharField(_("claimed by run"), max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # Bytes of the streamed error report committed with the last chunk: a run resumed after its
    # worker died truncates the spool file to this length and appends (no row reported twice).
    error_offset = models.PositiveBigIntegerField(_("error report bytes committed"), default=0)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county_code", "-created_at", "-id"], name="import_county_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))


class SubjectCount(SummaryDelta):
    """Subjects per division × category × status × completeness, as insert-only signed deltas.

    Written by every change of a counted attribute in its own transaction (``subjects.summary``),
    summed by the dashboards (``reports``), folded by the ``compact_subject_counts`` job.
    """

    category = models.CharField(max_length=32)
    status = models.CharField(max_length=16)
    complete = models.BooleanField()
    confirmed = models.BooleanField()

    KEY_FIELDS = ("category", "status", "complete", "confirmed")

    class Meta:
        verbose_name = _("subject count")
        verbose_name_plural = _("subject counts")
        # A dashboard reads the rows of one parent grouped by child and key: this index holds
        # every column it reads, in its grouping order (an index-only scan, no sort, no heap).
        indexes = [
            models.Index(
                fields=["parent", "code", "category", "status", "complete", "confirmed", "n"],
                name="subjectcount_parent_key_idx",
            ),
            models.Index(fields=["code"], name="subjectcount_code_idx"),
        ]


class ReadVia(models.TextChoices):
    PAGE = "page", _("Opened the person's page")
    API = "api", _("Read the record through the API")
    REVEAL = "reveal", _("Revealed the full ID number")
    EXPORT = "export", _("Exported in a list")


class PersonRead(models.Model):
    """One read of a person's record by a member of staff (PIPL Arts. 44–45: the person may ask who read it).

    Kept beside, not in, the hash-chained audit trail: reads are many, and writing them must not
    wait for a province's chain head. One INSERT per request, however many people it covers
    (``subjects.reads``).
    """

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    via = models.CharField(_("how"), max_length=8, choices=ReadVia.choices)
    occurred_at = models.DateTimeField(pgettext_lazy("read of a record", "when"), default=timezone.now)

    class Meta:
        verbose_name = _("read of a person's record")
        verbose_name_plural = _("reads of people's records")
        indexes = [models.Index(fields=["subject", "occurred_at"], name="person_read_subject_idx")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.via} {self.occurred_at:%Y-%m-%d %H:%M}"


class ProxyScope(models.TextChoices):
    TRACK = "track", _("Follow and rate the person's cases")
    DECLARE = "declare", _("Declare changes to the person's record")
    FILE = "file", _("File cases for the person")


def proxy_form_path(instance: ProxyAuthorisation, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "pdf"
    if suffix not in {"pdf", "jpg", "jpeg", "png"}:
        suffix = "pdf"
    return f"subjects/proxies/{uuid.uuid4().hex}.{suffix}"


class ProxyAuthorisation(models.Model):
    """代办: a family member or station staff may act for an elderly or disabled person, as the signed form says."""

    subject = models.ForeignKey(Subject, verbose_name=_("person"), on_delete=models.CASCADE, related_name="proxies")
    proxy_name = models.CharField(_("helper's name"), max_length=64)
    relation = models.CharField(_("relation to the person"), max_length=64)
    proxy_phone = models.CharField(_("helper's telephone"), max_length=32, blank=True)
    scope = models.JSONField(_("what the helper may do"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    signed_form = models.FileField(_("signed authorisation form"), upload_to=proxy_form_path)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proxy authorisation")
        verbose_name_plural = _("proxy authorisations")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return f"{self.proxy_name} → {self.subject_id}"

    def in_force(self, on: datetime.date) -> bool:
        return self.ended_at is None and self.valid_from <= on <= self.valid_until

    def scope_labels(self) -> list[str]:
        return [str(ProxyScope(s).label) for s in self.scope if s in ProxyScope.values]


class CollectedStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CONFLICT = "conflict", _("Conflict: waiting for a caseworker")
    KEPT_MINE = "kept_mine", _("Conflict resolved: the collected values kept")
    KEPT_THEIRS = "kept_theirs", _("Conflict resolved: the register's values kept")
    REJECTED = "rejected", pgettext_lazy("collected entry", "Rejected")


def signature_path(instance: CollectedEntry, filename: str) -> str:
    # No name or ID number in the path; signatures are shown only through scoped pages.
    return f"subjects/signatures/{instance.county_code or 'x'}/{uuid.uuid4().hex}.png"


class CollectedEntry(Located):
    """One entry recorded offline at a township collection point and synced (README "Offline collection").

    ``division`` is the collection point (a township). Each entry arrives once: its ``key`` (the
    idempotency key the collecting browser made) is unique, so a replayed sync applies nothing
    twice. An entry for a person on the worklist carries the register row's ``updated_at`` as the
    worklist had it (``worklist_version``); when the row changed meanwhile the entry is kept as a
    conflict for a caseworker (``values``: what was collected) instead of being applied.
    """

    key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import batch"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=CollectedStatus.choices)
    # What was collected: the fields to confirm, the signer's name and, for a person not yet on
    # file, the name and category (the ID number only masked: the register keeps it encrypted).
    values = models.JSONField(_("collected values"), default=dict, blank=True)
    id_number_masked = models.CharField(_("national ID number"), max_length=18, blank=True)
    worklist_version = models.DateTimeField(_("register row as fetched"), null=True, blank=True)
    signature = models.FileField(_("signature"), upload_to=signature_path, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collected by"), on_delete=models.PROTECT, related_name="+"
    )
    collected_at = models.DateTimeField(_("collected at"))
    synced_at = models.DateTimeField(_("synced at"), default=timezone.now)
    message = models.TextField(_("message"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("collected entry")
        verbose_name_plural = _("collected entries")
        ordering = ["-synced_at", "-id"]
        indexes = [models.Index(fields=["county_code", "status", "-synced_at"], name="collected_county_status_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_status_display()})"
