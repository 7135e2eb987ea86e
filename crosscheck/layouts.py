"""The file layout of every department extract: the one place the loader reads them from.

A file is CSV (UTF-8 with or without BOM, or GB18030) or XLSX (first sheet), with one header
row. Headers may be the Chinese names (first in each list) or the English keys. Columns not
listed are ignored; listed columns may come in any order. Each row maps onto the typed
staging columns of :class:`crosscheck.models.DatasetRow` (``target``).

Cell formats: dates ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYYMMDD`` or a spreadsheet date; months
``YYYY-MM``, ``YYYYMM`` or ``YYYY/MM`` (stored as the month's first day); household status as
``正常`` / ``注销`` (also ``在册``, ``迁出``, ``死亡``);
yes/no as ``是``/``否``, ``1``/``0``, ``Y``/``N``, ``true``/``false``; sex as ``男``/``女``,
``male``/``female`` or ``1``/``2``; amounts in yuan; benefit types as the registry's codes
(``dibao``...) or their usual Chinese names (:data:`BENEFIT_ALIASES`); division codes as
6- or 9-digit codes (padded GB/T 2260 forms are accepted).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jurisdictions.models import Department


@dataclass(frozen=True)
class Column:
    key: str  # English header key
    headers: tuple[str, ...]  # accepted Chinese headers (the first is the documented one)
    kind: str  # id, text, sex, date, month, bool, hukou_status, decimal, division, benefit
    target: str  # DatasetRow field
    required: bool = False


@dataclass(frozen=True)
class Layout:
    name: str  # "<department>.<dataset>"
    department: str
    title: object  # lazy translatable label
    columns: tuple[Column, ...]
    # Cumulative datasets (deaths, petitions) count every loaded batch; snapshots only the latest.
    cumulative: bool = False
    # Benefit types a benefit dataset speaks for (compared with the registry's benefits).
    benefit_types: tuple[str, ...] = ()
    default_benefit_type: str = ""

    @property
    def dataset(self) -> str:
        return self.name.split(".", 1)[1]

    def header_keys(self) -> dict[str, Column]:
        """Every accepted header text (lower-cased) → column."""
        found: dict[str, Column] = {}
        for column in self.columns:
            found[column.key.lower()] = column
            for header in column.headers:
                found[header.lower()] = column
        return found


ID = Column("id_number", ("公民身份号码", "身份证号码", "身份证号"), "id", "id_hmac", required=True)
NAME = Column("name", ("姓名",), "text", "name", required=True)
NAME_OPTIONAL = Column("name", ("姓名",), "text", "name")
SEX = Column("sex", ("性别",), "sex", "sex")
BIRTH = Column("birth_date", ("出生日期",), "date", "birth_date")
DIVISION = Column("division_code", ("户籍地区划代码", "行政区划代码", "区划代码"), "division", "division_code")
RECEIVING = Column("receiving", ("是否享受", "是否在保"), "bool", "receiving", required=True)
AMOUNT = Column("amount", ("月金额", "月保障金额"), "decimal", "amount")
BENEFIT = Column("benefit_type", ("待遇类别", "险种", "救助类别"), "benefit", "benefit_type")
BENEFIT_REQUIRED = Column("benefit_type", BENEFIT.headers, "benefit", "benefit_type", required=True)

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "public_security.hukou",
        Department.PUBLIC_SECURITY,
        _("Household registration (public security)"),
        (
            ID,
            NAME,
            SEX,
            BIRTH,
            Column("division_code", DIVISION.headers, "division", "division_code", required=True),
            # 正常 (in the register) or 注销 (struck off: death, emigration…); read by the annual
            # confirmation's living-evidence rules (benefits.confirmation).
            Column("hukou_status", ("户口状态", "户籍状态"), "hukou_status", "flag"),
        ),
    ),
    Layout(
        "public_security.deaths",
        Department.PUBLIC_SECURITY,
        _("Deaths (public security)"),
        (ID, NAME_OPTIONAL, Column("death_date", ("死亡日期",), "date", "event_date", required=True), DIVISION),
        cumulative=True,
    ),
    Layout(
        "civil_affairs.assistance",
        Department.CIVIL_AFFAIRS,
        _("Social assistance (civil affairs)"),
        (ID, NAME_OPTIONAL, BENEFIT, RECEIVING, AMOUNT, DIVISION),
        benefit_types=("dibao",),
        default_benefit_type="dibao",
    ),
    Layout(
        "hr_social_security.insurance",
        Department.HR_SOCIAL_SECURITY,
        _("Pensions and insurance (HR and social security)"),
        (
            ID,
            NAME_OPTIONAL,
            BENEFIT_REQUIRED,
            RECEIVING,
            AMOUNT,
            # The last month a contribution was paid (YYYY-MM): living evidence for the annual confirmation.
            Column("last_contribution_month", ("最近缴费月份", "末次缴费月份"), "month", "event_date"),
        ),
        benefit_types=("employee_pension", "urban_resident_pension", "rural_pension"),
    ),
    Layout(
        "medical_insurance.enrolment",
        Department.MEDICAL_INSURANCE,
        _("Medical insurance enrolment"),
        (
            ID,
            NAME_OPTIONAL,
            BENEFIT_REQUIRED,
            RECEIVING,
            # The last date a medical bill was settled: living evidence for the annual confirmation.
            Column("last_settlement_date", ("最近结算日期", "末次就医结算日期"), "date", "event_date"),
        ),
        benefit_types=("basic_medical", "rural_cooperative_medical"),
    ),
    Layout(
        "housing.property",
        Department.HOUSING,
        _("Housing (housing and urban-rural development)"),
        (
            ID,
            NAME_OPTIONAL,
            Column("owns_home", ("是否有住房",), "bool", "flag", required=True),
            Column("floor_area", ("住房面积",), "decimal", "amount"),
        ),
    ),
    Layout(
        "natural_resources.real_estate",
        Department.NATURAL_RESOURCES,
        _("Real estate registration (natural resources)"),
        (ID, NAME_OPTIONAL, Column("owns_home", ("是否有不动产登记",), "bool", "flag", required=True), DIVISION),
    ),
    Layout(
        "petitions.petitions",
        Department.PETITIONS,
        _("Petitions (petitions bureau)"),
        (ID, NAME_OPTIONAL, Column("petition_date", ("信访日期",), "date", "event_date", required=True)),
        cumulative=True,
    ),
    Layout(
        "military.service",
        Department.MILITARY,
        _("Service records (military)"),
        (
            ID,
            NAME_OPTIONAL,
            Column("service_start", ("入伍时间",), "date", "event_date", required=True),
            Column("service_end", ("退伍时间",), "date", "end_date"),
        ),
    ),
)

BY_NAME = {layout.name: layout for layout in LAYOUTS}

BENEFIT_ALIASES = {
    "低保": "dibao",
    "最低生活保障": "dibao",
    "城乡居民最低生活保障": "dibao",
    "职工养老保险": "employee_pension",
    "城镇职工养老保险": "employee_pension",
    "城镇居民养老保险": "urban_resident_pension",
    "新型农村养老保险": "rural_pension",
    "新农保": "rural_pension",
    "基本医疗保险": "basic_medical",
    "新型农村合作医疗": "rural_cooperative_medical",
    "新农合": "rural_cooperative_medical",
}


def layouts_of(department: str) -> list[Layout]:
    return [layout for layout in LAYOUTS if layout.department == department]


def choose(department: str, headers: list[str], layout_name: str = "") -> Layout | None:
    """The layout named, or the department's layout whose required columns the headers carry."""
    if layout_name:
        name = layout_name if "." in layout_name else f"{department}.{layout_name}"
        layout = BY_NAME.get(name)
        return layout if layout is not None and layout.department == department else None
    present = {h.strip().lower() for h in headers}
    best: Layout | None = None
    best_score = -1
    for layout in layouts_of(department):
        keys = layout.header_keys()
        required = {c.key for c in layout.columns if c.required}
        have = {keys[h].key for h in present if h in keys}
        if not required <= have:
            continue
        score = len(have)
        if score > best_score:
            best, best_score = layout, score
    return best
