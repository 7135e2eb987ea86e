# ruff: noqa: S608  (table and column names are module constants; every value is a bound parameter)
"""The checks of a run, set-based: each is one ``INSERT ... SELECT`` into the run's hit table.

Portable SQL (PostgreSQL and SQLite 3.33+: ``UPDATE ... FROM``, temporary tables);
the only vendor difference in the SQL is how a date becomes a month number
(:func:`_month_index`). PostgreSQL also gets :func:`tune_session`. Nothing here loops over rows in Python;
no statement's plan depends on fresh statistics of the hit table (none are gathered).

Every hit carries its subject's division codes (from the check's own join with the register).
After the checks, :func:`merge` folds the hits into discrepancies in two statements: one
``INSERT ... ON CONFLICT ... DO UPDATE ... WHERE`` (values changed) that opens the new ones
(never a second live one for the same subject, kind and field: the partial unique index) and
refreshes only the live ones whose values changed, and one that closes the live ones of the
checked (department, kind) pairs that were not seen again. The same SQL runs on PostgreSQL and
SQLite (3.35+: upsert with a partial-index target, ``RETURNING``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import connection
from django.utils import timezone

from jurisdictions.models import Department
from subjects.models import FAMILY_CATEGORIES, Category

from .layouts import BY_NAME, LAYOUTS, Layout
from .models import BatchStatus, DatasetBatch, Kind, Severity

S = "subjects_subject"
B = "subjects_benefit"
R = "crosscheck_datasetrow"
H = "crosscheck_tmp_hits"  # the run's hits: a temporary table (no WAL, no index), dropped by the merge
HIT_TEMPLATE = "crosscheck_runhit"  # an empty table with the hit columns and their types
FOUND = "crosscheck_tmp_found"
CLOSING = "crosscheck_tmp_closing"
D = "crosscheck_discrepancy"

HIT_COLUMNS = (
    "run_id, subject_id, kind, field, severity, department, registry_value, dataset_value, "
    "batch_id, death_date, months_overpaid, amount_overpaid, division_id, province_code, city_code, county_code"
)
# The subject's division codes, appended to every hit (the merge inserts them without a join).
CODES = ", s.division_id, s.province_code, s.city_code, s.county_code"
VETERAN_CATEGORIES = tuple(sorted(c.value for c in Category if c not in FAMILY_CATEGORIES))
RUN_LOCK_KEY = 7_420_001  # advisory lock serialising runs (any constant unique in the project)
MANDATORY_TEXT_FIELDS = ("ethnicity", "hukou_address")
MANDATORY_SERVICE_FIELDS = ("service_start", "service_end")


def _month_index(expr: str) -> str:
    """SQL for year*12 + month of a date expression."""
    if connection.vendor == "postgresql":
        return f"(CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {expr}) AS INTEGER))"
    return f"(CAST(strftime('%%Y', {expr}) AS INTEGER) * 12 + CAST(strftime('%%m', {expr}) AS INTEGER))"


def _overpaid_months(death: str, start: str) -> str:
    """SQL for the monthly payments after the death month (or from the benefit's start, if later)
    up to the as-of month (two ``%s`` parameters, both the as-of month index), never negative."""
    death_month = _month_index(death)
    start_month = _month_index(start)
    first_unowed = f"(CASE WHEN {start_month} > {death_month} + 1 THEN {start_month} ELSE {death_month} + 1 END)"
    return f"(CASE WHEN %s - {first_unowed} + 1 > 0 THEN %s - {first_unowed} + 1 ELSE 0 END)"


def tune_session() -> None:
    """PostgreSQL only, for the run's transaction: the run lock, no JIT (it cost more than it saved on these
    joins) and enough memory for the hash joins and aggregates to stay off disk."""
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers anyway
    with connection.cursor() as cursor:
        # One run at a time: a second run waits for the first to commit, then sees its result
        # (two runs merging at once could both insert the same discrepancy).
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK_KEY])
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # The blind-index join's row estimate is every batch row (a unique key on one side):
        # at the default cost of passing a row up from a parallel worker, the planner would run
        # the run's CREATE TABLE AS statements serially. Those rows are few; let them go parallel.
        cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")


def _as_text(expr: str) -> str:
    return f"COALESCE(CAST({expr} AS TEXT), '')"


def scope_sql(alias: str, code: str) -> tuple[str, list[Any]]:
    """A condition limiting ``alias`` (a Located table) to the division ``code`` ("" = nation)."""
    if not code or code == "CN":
        return "1=1", []
    column = {2: "province_code", 4: "city_code", 6: "county_code"}.get(len(code), "division_id")
    return f"{alias}.{column} = %s", [code]


def _in(values: Sequence[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def current_batches(layout: Layout) -> list[DatasetBatch]:
    """The batches a run compares with: every loaded one (cumulative layouts) or the latest."""
    batches = DatasetBatch.objects.filter(layout=layout.name, status=BatchStatus.LOADED).order_by("-created_at", "-id")
    if layout.cumulative:
        return list(batches)
    latest = batches.first()
    return [latest] if latest else []


@dataclass
class Plan:
    """What one run checks: the batches per layout and the (department, kind) pairs it may close."""

    run_id: int
    division_code: str
    as_of: dt.date
    batches: dict[str, list[DatasetBatch]] = field(default_factory=dict)
    checked: set[tuple[str, str]] = field(default_factory=set)
    with_registry_checks: bool = False
    hits_ready: bool = False  # whether the run's temporary hit table exists yet
    # Whether each key (subject, kind, field) was hit at most once: only the deaths check
    # guarantees it (one row per person); when it ran alone the merge need not group the hits.
    keys_unique: bool = True


def open_hits(plan: Plan) -> None:
    """Create the run's (empty) temporary hit table, once; the merge drops it."""
    if plan.hits_ready:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {H} AS SELECT {HIT_COLUMNS} FROM {HIT_TEMPLATE} WHERE 1 = 0")
    plan.hits_ready = True


def plan(run_id: int, *, department: str, division_code: str, as_of: dt.date) -> Plan:
    result = Plan(run_id=run_id, division_code=division_code, as_of=as_of)
    for layout in LAYOUTS:
        if department and layout.department != department:
            continue
        batches = current_batches(layout)
        if batches:
            result.batches[layout.name] = batches
    result.with_registry_checks = not department
    return result


class Checker:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def _exec(self, sql: str, params: list[Any]) -> int:
        if sql.startswith(f"INSERT INTO {H} "):
            open_hits(self.plan)
            self.plan.keys_unique = False
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)

    def _rows(self, layout_name: str) -> tuple[str, list[Any], DatasetBatch]:
        batches = self.plan.batches[layout_name]
        ids_ = [b.pk for b in batches]
        return f"r.batch_id IN {_in(ids_)}", ids_, batches[0]

    def _subject_scope(self, alias: str = "s", coverage: str = "") -> tuple[str, list[Any]]:
        sql, params = scope_sql(alias, self.plan.division_code)
        if coverage:
            cov_sql, cov_params = scope_sql(alias, coverage)
            return f"{sql} AND {cov_sql}", params + cov_params
        return sql, params

    def steps(self) -> list[Callable[[], None]]:
        """The checks this plan runs, in order (one progress step each)."""
        names = self.plan.batches
        steps: list[Callable[[], None]] = []
        if "public_security.deaths" in names:
            steps.append(self.deaths)
        if "public_security.hukou" in names:
            steps.append(self.hukou)
        for name in names:
            layout = BY_NAME[name]
            if layout.benefit_types:
                steps.append(partial(self.benefits, layout))
        for name in ("housing.property", "natural_resources.real_estate"):
            if name in names:
                steps.append(partial(self.owns_home, BY_NAME[name]))
        if "military.service" in names:
            steps.append(self.military)
        if "petitions.petitions" in names:
            steps.append(self.petitions)
        if self.plan.with_registry_checks:
            steps.append(self.missing)
        return steps

    # --- public security --------------------------------------------------------------------

    def deaths(self) -> None:
        rows_sql, rows_params, _batch = self._rows("public_security.deaths")
        scope, scope_params = self._subject_scope()
        dept = Department.PUBLIC_SECURITY
        self.plan.checked |= {(dept, Kind.DECEASED_RECEIVING), (dept, Kind.DECEASED_ON_FILE)}
        as_of_month = self.plan.as_of.year * 12 + self.plan.as_of.month
        if connection.vendor == "postgresql":
            self._deaths_pg(rows_sql, rows_params, scope, scope_params, as_of_month)
        else:
            self._deaths_portable(rows_sql, rows_params, scope, scope_params, as_of_month)

    def _deaths_pg(
        self, rows_sql: str, rows_params: list[Any], scope: str, scope_params: list[Any], as_of_month: int
    ) -> None:
        """Both death kinds in one statement: the blind-index join, and for each person met the
        active benefits probed once by index (the months and amount overpaid, or none: merely
        still on file as alive), each hit carrying the person's division codes.

        As the run's first check it creates the hit table itself (``CREATE TABLE AS`` may run
        in parallel, ``INSERT ... SELECT`` may not): the join and the probes share the workers.
        The months are computed per batch row with that row's death date; they (and so the
        amount) only shrink as the death date grows, so the largest over a person's rows is the
        figure from the earliest death recorded.
        """
        dept = Department.PUBLIC_SECURITY
        months = _overpaid_months("r.event_date", "b.start")
        receiving = "COUNT(x.benefit_id) > 0"
        # Per person and active benefit (none: one row with a NULL benefit), then per person;
        # grouped by the two primary keys (the person's other columns depend on theirs, and
        # are taken once per person with MIN: no text is compared unless a person has several
        # benefits).
        per_benefit = (
            f"SELECT s.id AS subject_id, s.status, b.id AS benefit_id, MIN(r.event_date) AS event_date, "
            f"MIN(r.batch_id) AS batch_id, MAX({months}) AS months, MAX({months} * b.amount) AS amount{CODES} "
            f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac "
            # Implied by the blind-index equality (one function makes both), this second clause
            # only tells the planner the join is selective: estimating every batch row as a
            # match, it would hash the whole benefit table instead of probing it by index for
            # the few people met, inside the parallel workers.
            f"AND octet_length(s.id_number_hmac) = octet_length(r.id_hmac) "
            f"LEFT JOIN {B} b ON b.subject_id = s.id AND b.status = 'active' "
            f"WHERE {rows_sql} AND {scope} "
            f"GROUP BY s.id, b.id"
        )
        select = (
            f"SELECT CAST(%s AS BIGINT) AS run_id, x.subject_id, "
            f"CAST(CASE WHEN {receiving} THEN %s ELSE %s END AS VARCHAR(24)) AS kind, "
            f"CAST(CASE WHEN {receiving} THEN '' ELSE 'status' END AS VARCHAR(32)) AS field, "
            f"CAST(CASE WHEN {receiving} THEN %s ELSE %s END AS VARCHAR(12)) AS severity, "
            f"CAST(%s AS VARCHAR(24)) AS department, CAST(MIN(x.status) AS VARCHAR(255)) AS registry_value, "
            f"CAST({_as_text('MIN(x.event_date)')} AS VARCHAR(255)) AS dataset_value, "
            f"CAST(MIN(x.batch_id) AS BIGINT) AS batch_id, MIN(x.event_date) AS death_date, "
            f"CAST(CASE WHEN {receiving} THEN MAX(x.months) END AS INTEGER) AS months_overpaid, "
            f"CAST(CASE WHEN {receiving} THEN SUM(x.amount) END AS NUMERIC(12, 2)) AS amount_overpaid, "
            f"MIN(x.division_id) AS division_id, MIN(x.province_code) AS province_code, "
            f"MIN(x.city_code) AS city_code, MIN(x.county_code) AS county_code "
            f"FROM ({per_benefit}) x GROUP BY x.subject_id "
            f"HAVING {receiving} OR MIN(x.status) <> 'deceased'"
        )
        params = [
            self.plan.run_id,
            Kind.DECEASED_RECEIVING,
            Kind.DECEASED_ON_FILE,
            Severity.CRITICAL,
            Severity.HIGH,
            dept,
            *([as_of_month] * 4),
            *rows_params,
            *scope_params,
        ]
        # Hash aggregates, not sorts: the rows are few, and a sorted plan makes the leader merge
        # every worker's sorted output before the first group is done.
        self._exec("SET LOCAL enable_sort = off", [])
        if self.plan.hits_ready:
            self._exec(f"INSERT INTO {H} ({HIT_COLUMNS}) {select}", params)
            self.plan.keys_unique = False  # other checks' hits are already there
        else:
            self._exec(f"CREATE TEMPORARY TABLE {H} AS {select}", params)
            self.plan.hits_ready = True
        self._exec("SET LOCAL enable_sort = on", [])

    def _deaths_portable(
        self, rows_sql: str, rows_params: list[Any], scope: str, scope_params: list[Any], as_of_month: int
    ) -> None:
        """SQLite (no LATERAL): the people met, once each, then one pass over their benefits."""
        dept = Department.PUBLIC_SECURITY
        self._exec(
            f"CREATE TEMPORARY TABLE crosscheck_tmp_deaths AS "
            f"SELECT s.id AS subject_id, s.status AS status, MIN(r.event_date) AS event_date, "
            f"MIN(r.batch_id) AS batch_id{CODES} "
            f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac "
            f"WHERE {rows_sql} AND {scope} "
            f"GROUP BY s.id, s.status, s.division_id, s.province_code, s.city_code, s.county_code",
            [*rows_params, *scope_params],
        )
        months = _overpaid_months("m2.event_date", "b2.start")
        probe = (
            f"LEFT JOIN (SELECT m2.subject_id, COUNT(*) AS n, MAX({months}) AS months, "
            f"SUM({months} * b2.amount) AS amount FROM crosscheck_tmp_deaths m2 "
            f"JOIN {B} b2 ON b2.subject_id = m2.subject_id AND b2.status = 'active' "
            f"GROUP BY m2.subject_id) b ON b.subject_id = m.subject_id"
        )
        receiving = "COALESCE(b.n, 0) > 0"
        self._exec(
            f"INSERT INTO {H} ({HIT_COLUMNS}) "
            f"SELECT %s, m.subject_id, CASE WHEN {receiving} THEN %s ELSE %s END, "
            f"CASE WHEN {receiving} THEN '' ELSE 'status' END, CASE WHEN {receiving} THEN %s ELSE %s END, "
            f"%s, m.status, {_as_text('m.event_date')}, m.batch_id, m.event_date, "
            f"CASE WHEN {receiving} THEN b.months END, CASE WHEN {receiving} THEN b.amount END, "
            f"m.division_id, m.province_code, m.city_code, m.county_code "
            f"FROM crosscheck_tmp_deaths m {probe} "
            f"WHERE {receiving} OR m.status <> 'deceased'",
            [
                self.plan.run_id,
                Kind.DECEASED_RECEIVING,
                Kind.DECEASED_ON_FILE,
                Severity.CRITICAL,
                Severity.HIGH,
                dept,
                *([as_of_month] * 4),
            ],
        )
        self._exec("DROP TABLE crosscheck_tmp_deaths", [])

    def hukou(self) -> None:
        rows_sql, rows_params, batch = self._rows("public_security.hukou")
        dept = Department.PUBLIC_SECURITY
        self.plan.checked |= {(dept, Kind.NOT_IN_HUKOU), (dept, Kind.MISMATCH), (dept, Kind.TWO_COUNTIES)}
        scope, scope_params = self._subject_scope(coverage=batch.coverage_code)
        self._exec(
            f"INSERT INTO {H} ({HIT_COLUMNS}) "
            f"SELECT %s, s.id, %s, 'division', %s, %s, s.county_code, '', %s, NULL, NULL, NULL{CODES} "
            f"FROM {S} s WHERE {scope} AND s.status <> 'deceased' "
            f"AND NOT EXISTS (SELECT 1 FROM {R} r WHERE {rows_sql} AND r.id_hmac = s.id_number_hmac)",
            [self.plan.run_id, Kind.NOT_IN_HUKOU, Severity.HIGH, dept, batch.pk, *scope_params, *rows_params],
        )
        scope, scope_params = self._subject_scope()
        comparisons = (
            ("name", "r.name <> '' AND r.name <> s.name", "s.name", "r.name", Kind.MISMATCH, Severity.MEDIUM),
            ("sex", "r.sex <> '' AND r.sex <> s.sex", "s.sex", "r.sex", Kind.MISMATCH, Severity.MEDIUM),
            (
                "birth_date",
                "r.birth_date IS NOT NULL AND r.birth_date <> s.birth_date",
                _as_text("s.birth_date"),
                _as_text("r.birth_date"),
                Kind.MISMATCH,
                Severity.MEDIUM,
            ),
            (
                "division",
                "r.county_code <> '' AND r.county_code <> s.county_code",
                "s.county_code",
                "r.county_code",
                Kind.TWO_COUNTIES,
                Severity.HIGH,
            ),
        )
        for field_name, condition, registry, dataset, kind, severity in comparisons:
            self._exec(
                f"INSERT INTO {H} ({HIT_COLUMNS}) "
                f"SELECT %s, s.id, %s, %s, %s, %s, {registry}, {dataset}, r.batch_id, NULL, NULL, NULL{CODES} "
                f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac "
                f"WHERE {rows_sql} AND {scope} AND {condition}",
                [self.plan.run_id, kind, field_name, severity, dept, *rows_params, *scope_params],
            )

    # --- benefits and other departments -------------------------------------------------------

    def benefits(self, layout: Layout) -> None:
        """Registry and department disagree on whether the person receives a benefit."""
        rows_sql, rows_params, batch = self._rows(layout.name)
        dept = layout.department
        self.plan.checked.add((dept, Kind.BENEFIT_CONTRADICTED))
        types = list(layout.benefit_types)
        scope, scope_params = self._subject_scope(coverage=batch.coverage_code)
        # On file as receiving, but the department does not list the person as receiving it.
        self._exec(
            f"INSERT INTO {H} ({HIT_COLUMNS}) "
            f"SELECT %s, s.id, %s, b.benefit_type, %s, %s, 'receiving', 'not_receiving', %s, NULL, NULL, NULL{CODES} "
            f"FROM {B} b JOIN {S} s ON s.id = b.subject_id "
            f"WHERE b.status = 'active' AND b.benefit_type IN {_in(types)} AND {scope} "
            f"AND NOT EXISTS (SELECT 1 FROM {R} r WHERE {rows_sql} AND r.id_hmac = s.id_number_hmac "
            f"AND r.benefit_type = b.benefit_type AND r.receiving = %s)",
            [
                self.plan.run_id,
                Kind.BENEFIT_CONTRADICTED,
                Severity.HIGH,
                dept,
                batch.pk,
                *types,
                *scope_params,
                *rows_params,
                True,
            ],
        )
        # The department pays it, but the registry does not show it.
        scope, scope_params = self._subject_scope()
        self._exec(
            f"INSERT INTO {H} ({HIT_COLUMNS}) "
            f"SELECT %s, s.id, %s, r.benefit_type, %s, %s, 'not_receiving', 'receiving', r.batch_id, "
            f"NULL, NULL, NULL{CODES} "
            f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac "
            f"WHERE {rows_sql} AND r.receiving = %s AND r.benefit_type IN {_in(types)} AND {scope} "
            f"AND NOT EXISTS (SELECT 1 FROM {B} b WHERE b.subject_id = s.id AND b.status = 'active' "
            f"AND b.benefit_type = r.benefit_type)",
            [
                self.plan.run_id,
                Kind.BENEFIT_CONTRADICTED,
                Severity.MEDIUM,
                dept,
                *rows_params,
                True,
                *types,
                *scope_params,
            ],
        )

    def owns_home(self, layout: Layout) -> None:
        rows_sql, rows_params, _batch = self._rows(layout.name)
        self.plan.checked.add((layout.department, Kind.MISMATCH))
        scope, scope_params = self._subject_scope()
        self._exec(
            f"INSERT INTO {H} ({HIT_COLUMNS}) "
            f"SELECT %s, s.id, %s, 'owns_home', %s, %s, "
            f"CASE WHEN s.owns_home = %s THEN 'yes' ELSE 'no' END, CASE WHEN r.flag = %s THEN 'yes' ELSE 'no' END, "
            f"r.batch_id, NULL, NULL, NULL{CODES} "
            f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac "
            f"WHERE {rows_sql} AND {scope} AND r.flag IS NOT NULL AND s.owns_home IS NOT NULL "
            f"AND r.flag <> s.owns_home",
            [
                self.plan.run_id,
                Kind.MISMATCH,
                Severity.MEDIUM,
                layout.department,
                True,
                True,
                *rows_params,
                *scope_params,
            ],
        )

    def military(self) -> None:
        rows_sql, rows_params, _batch = self._rows("military.service")
        dept = Department.MILITARY
        self.plan.checked.add((dept, Kind.MISMATCH))
        scope, scope_params = self._subject_scope()
        for field_name, row_column in (("service_start", "event_date"), ("service_end", "end_date")):
            self._exec(
                f"INSERT INTO {H} ({HIT_COLUMNS}) "
                f"SELECT %s, s.id, %s, %s, %s, %s, {_as_text('s.' + field_name)}, {_as_text('r.' + row_column)}, "
                f"r.batch_id, NULL, NULL, NULL{CODES} "
                f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac "
                f"WHERE {rows_sql} AND {scope} AND r.{row_column} IS NOT NULL "
                f"AND s.{field_name} IS NOT NULL AND r.{row_column} <> s.{field_name}",
                [self.plan.run_id, Kind.MISMATCH, field_name, Severity.MEDIUM, dept, *rows_params, *scope_params],
            )

    def petitions(self) -> None:
        """The petitions bureau holds a petition, but no grievance is on file (missing data)."""
        rows_sql, rows_params, _batch = self._rows("petitions.petitions")
        dept = Department.PETITIONS
        self.plan.checked.add((dept, Kind.MISSING))
        scope, scope_params = self._subject_scope()
        self._exec(
            f"INSERT INTO {H} ({HIT_COLUMNS}) "
            f"SELECT %s, s.id, %s, 'grievances', %s, %s, '', {_as_text('MAX(r.event_date)')}, MAX(r.batch_id), "
            f"NULL, NULL, NULL{CODES} "
            f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac "
            f"WHERE {rows_sql} AND {scope} AND s.grievances = '' "
            f"GROUP BY s.id, s.division_id, s.province_code, s.city_code, s.county_code",
            [self.plan.run_id, Kind.MISSING, Severity.LOW, dept, *rows_params, *scope_params],
        )

    # --- the registry alone -------------------------------------------------------------------

    def missing(self) -> None:
        """Mandatory fields left empty (缺失数据)."""
        self.plan.checked.add(("", Kind.MISSING))
        scope, scope_params = self._subject_scope()
        for field_name in MANDATORY_TEXT_FIELDS:
            self._exec(
                f"INSERT INTO {H} ({HIT_COLUMNS}) "
                f"SELECT %s, s.id, %s, %s, %s, '', '', '', NULL, NULL, NULL, NULL{CODES} "
                f"FROM {S} s WHERE {scope} AND s.status <> 'deceased' AND s.{field_name} = ''",
                [self.plan.run_id, Kind.MISSING, field_name, Severity.LOW, *scope_params],
            )
        for field_name in MANDATORY_SERVICE_FIELDS:
            self._exec(
                f"INSERT INTO {H} ({HIT_COLUMNS}) "
                f"SELECT %s, s.id, %s, %s, %s, '', '', '', NULL, NULL, NULL, NULL{CODES} "
                f"FROM {S} s WHERE {scope} AND s.status <> 'deceased' AND s.{field_name} IS NULL "
                f"AND s.category IN {_in(VETERAN_CATEGORIES)}",
                [self.plan.run_id, Kind.MISSING, field_name, Severity.LOW, *scope_params, *VETERAN_CATEGORIES],
            )

    # --- duplicates ---------------------------------------------------------------------------

    def suspects(self) -> int:
        """Pairs with the same name, sex and birth date under different ID numbers.

        With the same service number too, the pair is "one person on file twice" (a mistyped
        ID number, most likely); otherwise it may be two people sharing a name and birthday.
        """
        scope, scope_params = self._subject_scope("a")
        return self._exec(
            "INSERT INTO crosscheck_duplicatesuspect (subject_a_id, subject_b_id, division_id, province_code, "
            "city_code, county_code, other_county_code, reason, status, note, snapshot, run_id, created_at) "
            f"SELECT a.id, b.id, a.division_id, a.province_code, a.city_code, a.county_code, b.county_code, "
            f"CASE WHEN a.service_number <> '' AND a.service_number = b.service_number THEN %s ELSE %s END, "
            f"'pending', '', %s, %s, %s "
            f"FROM {S} a JOIN {S} b ON b.name = a.name AND b.birth_date = a.birth_date AND b.sex = a.sex "
            f"AND b.id > a.id "
            f"WHERE {scope} AND NOT EXISTS (SELECT 1 FROM crosscheck_duplicatesuspect x "
            f"WHERE x.subject_a_id = a.id AND x.subject_b_id = b.id)",
            ["same_person", "same_name_birth", "{}", self.plan.run_id, timezone.now(), *scope_params],
        )


def _differs(left: str, right: str) -> str:
    """Null-safe inequality."""
    if connection.vendor == "postgresql":
        return f"{left} IS DISTINCT FROM {right}"
    return f"{left} IS NOT {right}"


# The values of a key's hits: as they are (each key hit once), or folded (a key hit by several rows).
_VALUES = (
    ("severity", "MIN"),
    ("department", "MIN"),
    ("registry_value", "MAX"),
    ("dataset_value", "MAX"),
    ("batch_id", "MAX"),
    ("death_date", "MIN"),
    ("months_overpaid", "MAX"),
    ("amount_overpaid", "MAX"),
    ("division_id", "MAX"),
    ("province_code", "MAX"),
    ("city_code", "MAX"),
    ("county_code", "MAX"),
)
AS_IS = ", ".join(f"h.{c}" for c, _f in _VALUES)
FOLDED = ", ".join(f"{f}(h.{c}) AS {c}" for c, f in _VALUES)


def merge(plan: Plan) -> tuple[int, int, dict[str, dict[str, int]]]:
    """Fold the run's hits into discrepancies; returns (opened, closed, {county: {kind: found}}).

    Only what changes is written: the hits are compared with the live discrepancies first (a
    read), and only the new or changed ones go to the upsert; a discrepancy found again with
    the same values is not touched (not even locked), so a re-run of a large, stable result
    costs its join and this comparison, not a rewrite of every row and its indexes. The
    dashboards' problem counts (``crosscheck.summary``) get the deltas of what changed.
    """
    from . import summary as problem_summary

    open_hits(plan)
    run_id = plan.run_id
    now = timezone.now()
    live = ("open", "sent", "corrected")
    postgres = connection.vendor == "postgresql"
    value_columns = ("registry_value", "dataset_value", "death_date", "months_overpaid", "amount_overpaid")
    with connection.cursor() as cursor:
        # 1. Every key found (once), with its live discrepancy if there is one, and whether
        # that one must change: a value differs, or a correction did not hold (back to open).
        changed = " OR ".join(
            ["d.id IS NULL", "d.status = 'corrected'"] + [_differs(f"d.{c}", f"g.{c}") for c in value_columns]
        )
        if plan.keys_unique:
            hits = f"(SELECT h.subject_id, h.kind, h.field, {AS_IS} FROM {H} h)"
        else:
            hits = f"(SELECT h.subject_id, h.kind, h.field, {FOLDED} FROM {H} h GROUP BY h.subject_id, h.kind, h.field)"
        if postgres:
            # Statistics of the hits (a few milliseconds) let the planner choose between probing
            # the live discrepancies by index and hashing them.
            cursor.execute(f"ANALYZE {H} (subject_id)")
        join = (
            f"FROM {hits} g LEFT JOIN {D} d ON d.subject_id = g.subject_id AND d.kind = g.kind "
            f"AND d.field = g.field AND d.status IN ('open', 'sent', 'corrected')"
        )
        # What this run found, per county and kind (the run page shows each user their part),
        # and how many must change: one read. A re-run where nothing changed stops here.
        cursor.execute(
            f"SELECT g.county_code, g.kind, COUNT(*), SUM(CASE WHEN {changed} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.id IS NULL THEN 1 ELSE 0 END) {join} GROUP BY g.county_code, g.kind"
        )
        found: dict[str, dict[str, int]] = {}
        to_change = to_open = 0
        for county, kind, count, n_changed, n_new in cursor.fetchall():
            found.setdefault(county, {})[kind] = count
            to_change += int(n_changed or 0)
            to_open += int(n_new or 0)
        temporary = [H]
        if to_change:
            # The keys to write: new ones, and live ones whose values changed or whose
            # correction did not hold (back to open).
            cursor.execute(f"CREATE TEMPORARY TABLE {FOUND} AS SELECT g.*, d.id AS live_id {join} WHERE {changed}")
            temporary.append(FOUND)
        # 2. The live discrepancies of the checked (department, kind) pairs not found again: to close.
        closing = 0
        if plan.checked:
            pairs = " OR ".join(["(department = %s AND kind = %s)"] * len(plan.checked))
            pair_params = [v for pair in sorted(plan.checked) for v in pair]
            scope, scope_params = scope_sql(D, plan.division_code)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {CLOSING} AS SELECT id, subject_id FROM {D} "
                f"WHERE status IN {_in(live)} AND ({pairs}) AND {scope} "
                f"AND (subject_id, kind, field) NOT IN (SELECT h.subject_id, h.kind, h.field FROM {H} h)",
                [*live, *pair_params, *scope_params],
            )
            temporary.append(CLOSING)
            closing = _count(cursor, f"SELECT COUNT(*) FROM {CLOSING}")
        # Whose "has a live problem" state may change: people with a new discrepancy or one closed.
        touched = None
        states_before: dict[tuple[str, str, str], int] = {}
        if to_open or closing:
            parts = ([f"SELECT subject_id FROM {FOUND} WHERE live_id IS NULL"] if to_open else []) + (
                [f"SELECT subject_id FROM {CLOSING}"] if closing else []
            )
            touched = " UNION ".join(parts)
            states_before = problem_summary.state_counts(touched)
        opened = 0
        if to_change:
            # Hold the live ones about to change (a send-down or settlement waits), then count
            # what changes status: the new ones (open) and the corrections that did not hold.
            if postgres:
                cursor.execute(f"SELECT d.id FROM {D} d WHERE d.id IN (SELECT live_id FROM {FOUND}) FOR UPDATE")
            cursor.execute(
                f"SELECT f.province_code, f.city_code, f.county_code, f.kind, 'open', COUNT(*) FROM {FOUND} f "
                f"WHERE f.live_id IS NULL "
                f"GROUP BY f.province_code, f.city_code, f.county_code, f.kind "
                f"UNION ALL SELECT d.province_code, d.city_code, d.county_code, d.kind, 'corrected', COUNT(*) "
                f"FROM {D} d WHERE d.status = 'corrected' AND d.id IN (SELECT live_id FROM {FOUND}) "
                f"GROUP BY d.province_code, d.city_code, d.county_code, d.kind"
            )
            moves: list[tuple[Any, ...]] = []
            for province, city, county, kind, status, n in cursor.fetchall():
                if status == "open":
                    moves.append((province, city, county, kind, None, "open", n))
                else:
                    moves.append((province, city, county, kind, "corrected", "open", n))
            problem_summary.write_moves(moves)
            # One upsert of the changed keys: a new one is inserted with the codes its hit
            # carried; one found again updates its live discrepancy (the WHERE repeats the
            # comparison on the row as locked: nothing else may have changed it meanwhile).
            again = " OR ".join(
                [_differs(f"{D}.{c}", f"excluded.{c}") for c in value_columns] + [f"{D}.status = 'corrected'"]
            )
            cursor.execute(
                f"INSERT INTO {D} (subject_id, kind, field, severity, department, registry_value, dataset_value, "
                f"batch_id, death_date, months_overpaid, amount_overpaid, status, first_run_id, last_run_id, "
                f"division_id, province_code, city_code, county_code, created_at) "
                f"SELECT f.subject_id, f.kind, f.field, f.severity, f.department, f.registry_value, f.dataset_value, "
                f"f.batch_id, f.death_date, f.months_overpaid, f.amount_overpaid, 'open', %s, %s, f.division_id, "
                f"f.province_code, f.city_code, f.county_code, %s FROM {FOUND} f "
                f"WHERE 1 = 1 "  # (SQLite: without a WHERE, it would read ON CONFLICT as a join's ON)
                # The target repeats the partial index's predicate as literals (constants, so that
                # PostgreSQL can infer the index; a bound parameter would not prove it).
                f"ON CONFLICT (subject_id, kind, field) WHERE status IN ('open', 'sent', 'corrected') DO UPDATE SET "
                f"last_run_id = excluded.last_run_id, registry_value = excluded.registry_value, "
                f"dataset_value = excluded.dataset_value, death_date = excluded.death_date, "
                f"months_overpaid = excluded.months_overpaid, amount_overpaid = excluded.amount_overpaid, "
                f"status = CASE WHEN {D}.status = 'corrected' THEN 'open' ELSE {D}.status END "
                f"WHERE {again} "
                f"RETURNING first_run_id",
                [run_id, run_id, now],
            )
            opened = sum(1 for (first,) in cursor.fetchall() if first == run_id)
        # 3. Not found again by a check that ran: closed (confirmed, if it had been sent down).
        if closing:
            if postgres:
                cursor.execute(f"SELECT id FROM {D} WHERE id IN (SELECT id FROM {CLOSING}) FOR UPDATE")
            cursor.execute(
                f"SELECT province_code, city_code, county_code, kind, status, "
                f"CASE WHEN case_id IS NOT NULL THEN 'confirmed' ELSE 'resolved' END, COUNT(*) FROM {D} "
                f"WHERE id IN (SELECT id FROM {CLOSING}) "
                f"GROUP BY province_code, city_code, county_code, kind, status, "
                f"CASE WHEN case_id IS NOT NULL THEN 'confirmed' ELSE 'resolved' END"
            )
            problem_summary.write_moves(cursor.fetchall())
            cursor.execute(
                f"UPDATE {D} SET status = CASE WHEN case_id IS NOT NULL THEN 'confirmed' ELSE 'resolved' END, "
                f"closed_run_id = %s, closed_at = %s WHERE id IN (SELECT id FROM {CLOSING})",
                [run_id, now],
            )
        if touched is not None:
            problem_summary.write_states(states_before, problem_summary.state_counts(touched))
        for table in temporary:
            cursor.execute(f"DROP TABLE {table}")
        plan.hits_ready = False
        if postgres and opened + closing > 10_000:
            # A big change to the table: statistics now, not whenever autovacuum comes by.
            cursor.execute(f"ANALYZE {D}")
    return opened, closing, found


def _count(cursor: Any, sql: str) -> int:
    cursor.execute(sql)
    return int(cursor.fetchone()[0] or 0)
