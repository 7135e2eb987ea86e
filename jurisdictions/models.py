"""The administrative division tree, staff memberships, and the grants that scope them.

Division codes are the natural key and encode the tree: 2 digits province, 4 city,
6 county, 9 township (GB/T 2260 and the statistical extension to townships). A code's
ancestors are its prefixes, so subtree questions never walk the tree in Python.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NATION_CODE = "CN"

# Code length of each level below the nation.
LEVEL_CODE_LENGTHS = (2, 4, 6, 9)


class Level(models.IntegerChoices):
    NATION = 0, _("Nation")
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")


def level_of_code(code: str) -> Level | None:
    """The level a syntactically valid division code denotes, or None for a malformed code."""
    if code == NATION_CODE:
        return Level.NATION
    if not code.isdigit() or len(code) not in LEVEL_CODE_LENGTHS:
        return None
    return Level(LEVEL_CODE_LENGTHS.index(len(code)) + 1)


def normalise_code(raw: str) -> str:
    """Accept both our compact codes and the padded 6-digit GB/T 2260 forms.

    ``440000`` → ``44``, ``440100`` → ``4401``, ``440106`` stays, ``440106005`` stays,
    ``440106005000`` (12-digit statistical form) → ``440106005``. Anything else is
    returned stripped, and fails later as unknown.
    """
    code = raw.strip().upper()
    if code == NATION_CODE or not code.isdigit():
        return code
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def ancestor_codes(code: str) -> list[str]:
    """The codes of a division and all its ancestors, nation first."""
    if code == NATION_CODE:
        return [NATION_CODE]
    return [NATION_CODE] + [code[:n] for n in LEVEL_CODE_LENGTHS if n <= len(code)]


class Division(models.Model):
    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent division"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        # Jurisdiction permissions: granted per membership on a division row, they cover the
        # whole subtree (jurisdictions.backends.JurisdictionBackend).
        permissions = [
            ("view_jurisdiction", _("See data within the jurisdiction")),
            ("handle_cases", _("File and handle cases")),
            ("approve_cases", _("Approve cases")),
            ("supervise", _("Supervise the jurisdiction")),
            ("audit", _("Audit the jurisdiction")),
            ("administer", _("Administer the jurisdiction's settings")),
            ("manage_staff", _("Create, deactivate and unlock staff accounts")),
            ("grant_roles", _("Grant and end memberships and case exceptions")),
            ("reveal_id_number", _("Reveal full national ID numbers")),
            ("verify_public_security", _("Verify for public security")),
            ("verify_civil_affairs", _("Verify for civil affairs")),
            ("verify_hr_social_security", _("Verify for HR and social security")),
            ("verify_natural_resources", _("Verify for natural resources")),
            ("verify_housing", _("Verify for housing and urban-rural development")),
            ("verify_medical_insurance", _("Verify for medical insurance")),
            ("verify_petitions", _("Verify for the petitions bureau")),
            ("verify_military", _("Verify for the military")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def ancestor_codes(self) -> list[str]:
        return ancestor_codes(self.code)


# The 新疆生产建设兵团 (Xinjiang Production and Construction Corps) is a provincial-level unit with
# no GB/T 2260 code of its own: Laurel names it ``66`` and its 师 ``6601``…``6614`` (docs/bingtuan.md).
BINGTUAN_CODE = "66"


class BingtuanLink(models.Model):
    """A Xinjiang-coded (65…) city or 团场 that belongs to a 师 of the 兵团 (66NN).

    The unit keeps its GB/T 2260 code (records stay where they are); a membership at the 兵团 or at
    the 师 covers it as well as the 66-coded subtree (``jurisdictions.scope.division_grants``).
    """

    division = models.OneToOneField(
        Division, verbose_name=_("division"), primary_key=True, related_name="bingtuan_link", on_delete=models.PROTECT
    )
    shi = models.ForeignKey(
        Division, verbose_name=_("division of the Corps"), related_name="linked_units", on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("unit of the Corps")
        verbose_name_plural = _("units of the Corps")
        ordering = ["division_id"]

    def __str__(self) -> str:
        return f"{self.division_id} → {self.shi_id}"


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    LIAISON = "liaison", _("Department liaison")
    APPROVER = "approver", _("Approver")
    SUPERVISOR = "supervisor", _("Supervisor")
    AUDITOR = "auditor", _("Audit administrator")
    ADMIN = "admin", _("Security administrator")
    SYSADMIN = "sysadmin", _("System administrator")


# The three separate administrators (等保 2.0 level 3): nobody holds two of them in overlapping scope.
ADMINISTRATIVE_ROLES = (Role.SYSADMIN, Role.ADMIN, Role.AUDITOR)


class Department(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("Public security")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    HR_SOCIAL_SECURITY = "hr_social_security", _("Human resources and social security")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources")
    HOUSING = "housing", _("Housing and urban-rural development")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance")
    PETITIONS = "petitions", _("Petitions bureau")
    MILITARY = "military", _("Military")


class Located(models.Model):
    """Abstract base for anything that belongs to a division and is scoped by it.

    ``province_code``, ``city_code`` and ``county_code`` are denormalised prefixes of
    ``division_id`` so that a jurisdiction filter is an equality on an indexed column
    (STACK-NOTES: LIKE and ltree pick bad plans on deep pages). Concrete models add
    composite indexes such as ``(county_code, created_at DESC, id DESC)`` for their lists.
    """

    division = models.ForeignKey(Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=2, editable=False, db_index=True)
    city_code = models.CharField(max_length=4, editable=False, blank=True, db_index=True)
    county_code = models.CharField(max_length=6, editable=False, blank=True, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        for field, value in self.codes_for(self.division_id).items():
            setattr(self, field, value)
        super().save(*args, **kwargs)

    @staticmethod
    def codes_for(division_code: str) -> dict[str, str]:
        """The denormalised code columns for a division code (for bulk inserts)."""
        return {
            "province_code": division_code[:2],
            "city_code": division_code[:4] if len(division_code) >= 4 else "",
            "county_code": division_code[:6] if len(division_code) >= 6 else "",
        }


def in_force_q(today: datetime.date, *, prefix: str = "") -> models.Q:
    """Rows (memberships, grants) with ``starts_on``/``ends_on`` in force on ``today``.

    A period includes its start day and excludes its end day: an end date stops access
    from that day on.
    """
    return models.Q(**{f"{prefix}starts_on__lte": today}) & (
        models.Q(**{f"{prefix}ends_on__isnull": True}) | models.Q(**{f"{prefix}ends_on__gt": today})
    )


def periods_overlap(
    start_a: datetime.date, end_a: datetime.date | None, start_b: datetime.date, end_b: datetime.date | None
) -> bool:
    """Whether two half-open periods ``[start, end)`` (``None``: open-ended) share a day."""
    return (end_b is None or start_a < end_b) and (end_a is None or start_b < end_a)


class Membership(models.Model):
    """A staff user's role in a division for a period; it covers the division's whole subtree.

    Memberships are what security administrators grant and end; they are never deleted, so
    the history of who could do what stays. Scope (``jurisdictions.scope``) reads the ones
    in force on the day of the request: a future start gives nothing yet, and the end date
    stops access from that day, with no nightly job.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), related_name="memberships", on_delete=models.CASCADE
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), related_name="memberships", on_delete=models.PROTECT
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    department = models.CharField(_("department"), max_length=24, choices=Department.choices, blank=True)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Access stops on this day. Leave empty for no end date.")
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["division_id", "role", "starts_on"]
        indexes = [models.Index(fields=["division", "role"], name="membership_division_role")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "division", "role", "department"],
                condition=models.Q(ends_on__isnull=True),
                name="membership_unique_open",
            ),
            models.CheckConstraint(
                condition=(models.Q(role="liaison") & ~models.Q(department=""))
                | (~models.Q(role="liaison") & models.Q(department="")),
                name="membership_department_iff_liaison",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_role_display()
        if self.department:
            label = f"{label} ({self.get_department_display()})"
        return f"{label} · {self.division.name}"

    def in_force(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or today < self.ends_on)

    def ended(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.ends_on is not None and self.ends_on <= today


class StaffProfile(Located):
    """Where a staff account belongs: its home division, which decides which administrators see it.

    Created with the account by ``jurisdictions.actions.do_create_staff`` (the account itself,
    ``accounts.User``, knows no divisions). An administrator sees and changes the staff whose
    home lies in their subtree; anyone else gets 404.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), related_name="staff_profile", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        indexes = [models.Index(fields=["county_code", "user"], name="staffprofile_county_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.division_id}"
