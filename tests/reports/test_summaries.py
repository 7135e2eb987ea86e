"""The summary tables equal a live count after any sequence of actions, and the dashboards read them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from cases import actions as case_actions
from cases import summary as case_summary
from cases.models import Case, CaseCount, Status
from core import summary as core_summary
from crosscheck import actions as crosscheck_actions
from crosscheck import summary as problem_summary
from crosscheck.models import Discrepancy, DiscrepancyStatus, ProblemCount, Run
from reports import dashboard, figures, summaries
from subjects import actions as subject_actions
from subjects import ids
from subjects import summary as subject_summary
from subjects.actions.imports import run_import_batch
from subjects.models import Category, ImportBatch, ImportStatus, Subject, SubjectCount, SubjectStatus
from tests.conftest import COUNTY_A, COUNTY_B, PROVINCE

pytestmark = pytest.mark.django_db

COUNTIES = [COUNTY_A, COUNTY_B, "440305", "110101"]  # two cities of 广东, and 北京
CODES = ["CN", PROVINCE, "4401", "4403", "11", "1101"]
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ACTIONS = 500


def live_and_summary(code: str, now: dt.datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every figure the dashboards show for ``code``, counted live and read from the summaries."""
    today = timezone.localdate(now)
    month_start = today.replace(day=1)
    column = figures.child_column(code)
    q = figures.subtree_q(code)

    def rows(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted(tuple(sorted((k, int(v) if isinstance(v, int) else v) for k, v in r.items())) for r in items)

    def backlog(items: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
        folded = figures.fold_backlog(items)
        return {s: {b: n for b, n in bands.items() if n} for s, bands in folded.items() if any(bands.values())}

    live_cases = figures.open_cases(q, now)
    # The dashboard's way: one read of the case rows for every case table (and each table's
    # own read, used elsewhere, agrees with it).
    case_rows = summaries.case_rows(code, now)
    summary_cases = summaries.open_cases(code, now, case_rows)
    assert summaries.open_cases(code, now) == summary_cases
    assert summaries.throughput(code, now) == summaries.throughput(code, now, rows_read=case_rows)
    assert summaries.cases_in_period(code, month_start, today) == summaries.cases_in_period(
        code, month_start, today, case_rows
    )
    live_breakdown = figures.subject_breakdown(q, column)
    live = {
        "subjects": rows(live_breakdown),
        # What the dashboard reads from the summaries: the totals summed by the database, the
        # children's progress one row per child.
        "categories": figures.fold_subjects(live_breakdown),
        "collection": figures.fold_collection(live_breakdown),
        "children": figures.fold_children(live_breakdown, column),
        "backlog": backlog(live_cases),
        "sla": figures.fold_sla(live_cases),
        "stages": figures.case_stage_counts(q),
        "throughput": figures.throughput(q, now),
        "period": figures.cases_in_period(q, month_start, today),
        "problems": problems(figures.problems(q)),
    }
    totals = summaries.subject_totals(code)
    read = {
        "subjects": rows(summaries.subject_breakdown(code, column)),
        "categories": figures.fold_subjects(totals),
        "collection": figures.fold_collection(totals),
        "children": summaries.children_progress(code),
        "backlog": backlog(summary_cases),
        "sla": figures.fold_sla(summary_cases),
        "stages": summaries.case_stage_counts(code),
        "throughput": summaries.throughput(code, now, rows_read=case_rows),
        "period": summaries.cases_in_period(code, month_start, today, case_rows),
        "problems": problems(summaries.problems(code)),
    }
    return live, read


def problems(figure: dict[str, Any]) -> dict[str, Any]:
    """The problem figures without the zero cells (a status seen once and gone again)."""
    by_kind = {k: {s: n for s, n in cells.items() if n} for k, cells in figure["by_kind"].items()}
    return {**figure, "by_kind": {k: cells for k, cells in by_kind.items() if cells}}


def assert_summaries_equal_live_counts() -> None:
    now = timezone.now()
    for code in CODES:
        live, read = live_and_summary(code, now)
        assert read == live, code


class Register:
    """A random walk over the register's and the cases' actions (one seeded generator)."""

    def __init__(self, rng: random.Random, users: dict[str, User], tmp_path: Path, traveller: Any) -> None:
        self.rng, self.users, self.tmp_path, self.traveller = rng, users, tmp_path, traveller
        self.serial = 0
        self.done: dict[str, int] = {}

    # --- subjects ---

    def new_number(self, county: str) -> str:
        self.serial += 1
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=self.serial * 13)
        return ids.build(county, birth, self.serial % 999 + 1)

    def fields(self) -> dict[str, Any]:
        rng = self.rng
        family = rng.random() < 0.3
        values: dict[str, Any] = {
            "category": Category.MARTYR_SURVIVOR
            if family
            else rng.choice([Category.RETIRED_SOLDIER, Category.RETIRED_OFFICER]),
            "ethnicity": rng.choice(["", "01", "08"]),
            "political_affiliation": rng.choice(["", "masses"]),
            "hukou_address": rng.choice(["", "某路1号"]),
        }
        if rng.random() < 0.6:
            values["service_start"] = dt.date(1970, 3, 1)
        if rng.random() < 0.5:
            values["confirmed_by"], values["confirmed_at"] = "本人", dt.date(2026, 1, 5)
        return values

    def on_file(self) -> list[Subject]:
        return list(Subject.objects.exclude(status=SubjectStatus.MERGED).order_by("pk"))

    def register(self) -> None:
        county = self.rng.choice(COUNTIES)
        subject_actions.do_register_subject(
            division=county, id_number=self.new_number(county), name="测试", actor=None, **self.fields()
        )

    def edit(self) -> None:
        people = self.on_file()
        if not people:
            return self.register()
        subject = self.rng.choice(people)
        changes = {k: v for k, v in self.fields().items() if self.rng.random() < 0.5 and k != "confirmed_at"}
        if self.rng.random() < 0.3:
            changes["confirmed_at"] = None if subject.confirmed_at else dt.date(2026, 2, 1)
        subject_actions.do_update_subject(subject, changes=changes, provenance="caseworker_entry", actor=None)
        return None

    def die(self) -> None:
        alive = [s for s in self.on_file() if s.status == SubjectStatus.ACTIVE]
        if alive:
            subject_actions.do_update_subject(
                self.rng.choice(alive),
                changes={"status": SubjectStatus.DECEASED},
                provenance="department_verification",
                actor=None,
            )

    def transfer(self) -> None:
        people = self.on_file()
        if people:
            subject = self.rng.choice(people)
            county = self.rng.choice([c for c in COUNTIES if c != subject.county_code])
            subject_actions.do_update_subject(
                subject, changes={"division": county}, provenance="caseworker_entry", actor=None
            )

    def merge(self) -> None:
        people = self.on_file()
        if len(people) >= 2:
            keep, duplicate = self.rng.sample(people, 2)
            subject_actions.do_merge_subjects(keep, duplicate, actor=None, reason="同一人")

    def import_file(self, *, known: bool = True) -> None:
        """A file of new people and (``known``) up to three people on file with changes."""
        rng = self.rng
        header = ["公民身份号码", "姓名", "人员类别", "户籍区划代码", "民族", "户籍地址"]
        lines = []
        for _ in range(rng.randint(2, 6)):
            county = rng.choice(COUNTIES)
            category = rng.choice(["退役士兵", "烈士遗属", "军队离退休干部"])
            lines.append([self.new_number(county), "导入", category, county, rng.choice(["", "汉族"]), ""])
        for subject in rng.sample(self.on_file(), min(3, len(self.on_file())) if known else 0):
            number = ids.decrypt(subject.id_number_encrypted)
            county = rng.choice(COUNTIES)
            address = rng.choice(["", "新地址"])
            lines.append([number, subject.name, rng.choice(["退役士兵", "烈士遗属"]), county, "汉族", address])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(lines)
        path = self.tmp_path / f"import-{self.serial}.csv"
        path.write_bytes(out.getvalue().encode("utf-8"))
        batch = ImportBatch(division_id="CN", source="county", file_name=path.name)
        batch.save()
        done = run_import_batch(batch, path, actor=None, scope_codes=["CN"])
        assert done is not None and done.status == ImportStatus.DONE, done and done.message

    # --- cases ---

    def file_case(self) -> None:
        people = [s for s in self.on_file() if s.status == SubjectStatus.ACTIVE]
        if not people:
            return self.register()
        case_actions.do_file_case(
            self.rng.choice(people),
            kind="grievance",
            title="诉求",
            actor=self.users["caseworker"],
            departments=("public_security",),
            duplicate_action="continue",
        )
        return None

    def task(self, case: Case, node: str) -> Task:
        return Task.objects.get(
            process_id=case.process_id,
            flow_task=f"workflows/flows.CaseFlow.{node}",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )

    def step(self) -> None:
        open_ = list(
            Case.objects.filter(
                status__in=[Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL, Status.RETURNED]
            ).order_by("pk")
        )
        if not open_:
            return self.file_case()
        case, rng, users = rng_choice(self.rng, open_), self.rng, self.users
        if rng.random() < 0.08:
            case_actions.do_withdraw_case(case, actor=users["caseworker"], reason="撤回")
        elif case.status == Status.SUBMITTED:
            case_actions.do_review_intake(self.task(case, "intake"), actor=users["caseworker"])
        elif case.status == Status.VERIFYING:
            result = "confirmed" if rng.random() < 0.75 else "disputed"
            case_actions.do_record_verification(
                self.task(case, "verify_public_security"), actor=users["liaison"], result=result, note="核对"
            )
        elif case.status == Status.PENDING_APPROVAL:
            decision = rng.choice(["approve", "approve", "reject", "return"])
            case_actions.do_decide(
                self.task(case, "approve"),
                actor=users["approver"],
                decision=decision,
                reasons="" if decision == "approve" else "材料不全",
            )
        else:
            case_actions.do_resubmit_case(self.task(case, "correct"), actor=users["caseworker"], note="已更正")
        return None

    # --- cross-checks (discrepancies opened, found again, sent down, corrected, closed) ---

    def load_deaths(self) -> None:
        people = [s for s in self.on_file() if s.status != SubjectStatus.DECEASED]
        if not people:
            return self.register()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["公民身份号码", "姓名", "死亡日期"])
        for subject in self.rng.sample(people, min(len(people), self.rng.randint(1, 4))):
            died = timezone.localdate() - dt.timedelta(days=self.rng.randint(1, 60))
            writer.writerow([ids.decrypt(subject.id_number_encrypted), subject.name, died.isoformat()])
        self.serial += 1
        crosscheck_actions.do_load_dataset(
            out.getvalue().encode("utf-8"),
            file_name=f"deaths-{self.serial}.csv",
            department="public_security",
            actor=None,
            layout="deaths",
        )
        return None

    def crosscheck(self) -> None:
        # All departments (the register's own checks too: missing data opens and closes as
        # people are edited) or the deaths alone.
        department = self.rng.choice(["", "", "public_security"])
        crosscheck_actions.do_run_crosscheck(actor=None, department=department)

    def send_down(self) -> None:
        # (Not missing data: its correction case proposes an empty value, which a date field
        # refuses when the approved case is applied.)
        open_ = list(Discrepancy.objects.filter(status=DiscrepancyStatus.OPEN).exclude(kind="missing").order_by("pk"))
        if open_:
            items = self.rng.sample(open_, min(len(open_), self.rng.randint(1, 3)))
            crosscheck_actions.do_send_down(items, actor=self.users["caseworker"])

    def settle(self) -> None:
        sent = list(
            Discrepancy.objects.filter(status=DiscrepancyStatus.SENT).exclude(kind="deceased_receiving").order_by("pk")
        )
        if sent:
            item = rng_choice(self.rng, sent)
            crosscheck_actions.do_settle_case(Case.objects.get(pk=item.case_id), actor=None)

    # --- the world ---

    def time_passes(self) -> None:
        self.traveller.tick(dt.timedelta(days=self.rng.randint(1, 25), hours=self.rng.randint(0, 23)))

    def compact(self) -> None:
        subject_summary.compact()
        case_summary.compact()
        problem_summary.compact()

    def run(self, actions: int, check_every: int) -> None:
        menu: list[tuple[Callable[[], None], int]] = [
            # Case steps cost ten times a register action: enough of them to reach every stage.
            (self.register, 22),
            (self.edit, 18),
            (self.die, 6),
            (self.transfer, 9),
            (self.merge, 6),
            (self.import_file, 2),
            (self.file_case, 8),
            (self.step, 20),
            (self.time_passes, 6),
            (self.load_deaths, 2),
            (self.crosscheck, 4),
            (self.send_down, 3),
            (self.settle, 3),
            (self.compact, 3),
        ]
        choices, weights = zip(*menu, strict=True)
        for i in range(1, actions + 1):
            action = self.rng.choices(choices, weights)[0]
            action()
            self.done[action.__name__] = self.done.get(action.__name__, 0) + 1
            if i % check_every == 0:
                assert_summaries_equal_live_counts()


def subject_rows() -> list[tuple[Any, ...]]:
    fields = ("parent", "code", "category", "status", "complete", "confirmed", "n")
    return sorted(SubjectCount.objects.values_list(*fields))


def case_rows() -> list[tuple[Any, ...]]:
    return sorted(CaseCount.objects.values_list("parent", "code", "fact", "status", "day", "n"), key=repr)


def rng_choice(rng: random.Random, items: list[Any]) -> Any:
    return items[rng.randrange(len(items))]


@pytest.fixture
def users(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "caseworker": make_user("caseworker", "caseworker", COUNTY_A),
        "liaison": make_user("liaison_ps", "liaison", COUNTY_A, department="public_security"),
        "approver": make_user("approver", "approver", COUNTY_A),
    }


def test_summaries_equal_a_live_count_after_500_random_actions(
    users: dict[str, User], tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    with freeze_time(START, tick=True) as traveller:
        register = Register(random.Random(20260302), users, tmp_path, traveller)
        register.run(ACTIONS, check_every=100)
        assert_summaries_equal_live_counts()
        # Every kind of action ran, and the cases reached every stage the figures show.
        assert set(register.done) >= {"register", "edit", "die", "transfer", "merge", "import_file", "step"}
        assert set(register.done) >= {"load_deaths", "crosscheck", "send_down", "settle"}
        # The discrepancies went through every status the problem figures show.
        assert set(Discrepancy.objects.values_list("status", flat=True)) >= {
            DiscrepancyStatus.OPEN,
            DiscrepancyStatus.SENT,
            DiscrepancyStatus.CORRECTED,
            DiscrepancyStatus.RESOLVED,
        }
        assert set(Case.objects.values_list("status", flat=True)) >= {
            Status.SUBMITTED,
            Status.VERIFYING,
            Status.PENDING_APPROVAL,
            Status.CLOSED,
        }
        # Compacted, the figures are the same from one row per key.
        register.compact()
        assert_summaries_equal_live_counts()
        # Rebuilt from the register, the rows are the same as the compacted deltas.
        before = sorted(
            SubjectCount.objects.values_list("parent", "code", "category", "status", "complete", "confirmed", "n")
        )
        call_command("rebuild_summaries", verbosity=0)
        after = sorted(
            SubjectCount.objects.values_list("parent", "code", "category", "status", "complete", "confirmed", "n")
        )
        assert after == before
        problems_before = sorted(ProblemCount.objects.values_list("parent", "code", "fact", "kind", "status", "n"))
        problem_summary.compact()
        call_command("rebuild_summaries", verbosity=0)
        problem_summary.compact()  # the rebuild writes a kind's levels once each; compacted, one row per key
        assert sorted(ProblemCount.objects.values_list("parent", "code", "fact", "kind", "status", "n")) == sorted(
            problems_before
        )
        assert_summaries_equal_live_counts()


def test_an_import_of_new_people_only_counts_them_once(users: dict[str, User], tmp_path: Path, settings: Any) -> None:
    """A chunk with no one on file is counted after its insert only (no count before it)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with freeze_time(START, tick=True) as traveller:
        register = Register(random.Random(7), users, tmp_path, traveller)
        register.import_file(known=False)
        register.import_file(known=False)
        assert Subject.objects.count() >= 4
        assert_summaries_equal_live_counts()
        register.import_file()  # and then with people on file
        assert_summaries_equal_live_counts()


def test_compaction_folds_deltas_into_one_row_per_key_without_changing_a_figure(
    make_subject: Callable[..., Subject], make_case: Callable[..., Case]
) -> None:
    subject = make_subject(COUNTY_A)
    case = make_case(subject, "submitted")
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    call_command("rebuild_summaries", verbosity=0)  # the old case counted on its real day
    for value in ("01", "", "08", ""):
        subject = subject_actions.do_update_subject(
            subject, changes={"ethnicity": value}, provenance="caseworker_entry", actor=None
        )
    case = Case.objects.get(pk=case.pk)
    case.start_verification()
    case.save()
    make_case(subject, "verifying", due_at=timezone.now() + dt.timedelta(days=2))
    figures_before = live_and_summary(PROVINCE, timezone.now())[1]
    rows_before = SubjectCount.objects.count() + CaseCount.objects.count()

    removed = subject_summary.compact() + case_summary.compact()

    assert removed > 0
    assert SubjectCount.objects.count() + CaseCount.objects.count() == rows_before - removed
    assert live_and_summary(PROVINCE, timezone.now())[1] == figures_before
    # The case filed 400 days ago is counted on the sentinel day (90+ days old, outside every window).
    assert CaseCount.objects.filter(day=core_summary.SENTINEL_DAY, code=PROVINCE).exists()
    keys = list(SubjectCount.objects.values_list("parent", "code", "category", "status", "complete", "confirmed"))
    assert len(keys) == len(set(keys))


def test_an_edit_that_changes_no_counted_attribute_writes_no_delta(make_subject: Callable[..., Subject]) -> None:
    subject = make_subject(COUNTY_A)
    rows = SubjectCount.objects.count()

    subject_actions.do_update_subject(
        subject, changes={"phone": "13800138000"}, provenance="caseworker_entry", actor=None
    )

    assert SubjectCount.objects.count() == rows


def test_a_death_writes_minus_one_and_plus_one_at_the_county_city_and_province(
    make_subject: Callable[..., Subject],
) -> None:
    subject = make_subject(COUNTY_A)
    last = SubjectCount.objects.order_by("-id").values_list("id", flat=True).first()

    subject_actions.do_update_subject(
        subject, changes={"status": SubjectStatus.DECEASED}, provenance="department_verification", actor=None
    )

    written = sorted(SubjectCount.objects.filter(id__gt=last).values_list("code", "status", "n"))
    assert written == sorted(
        (code, status, n)
        for code in (PROVINCE, "4401", COUNTY_A)
        for status, n in ((SubjectStatus.ACTIVE, -1), (SubjectStatus.DECEASED, 1))
    )


def test_the_province_dashboard_reads_the_summaries_with_the_same_statements_whatever_the_register_size(
    make_user: Callable[..., User], make_subject: Callable[..., Subject], make_case: Callable[..., Case]
) -> None:
    supervisor = make_user("province_supervisor", "supervisor", PROVINCE)
    division = dashboard.Division.objects.get(code=PROVINCE)
    assert dashboard.uses_summaries(supervisor, division)

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            dashboard.build(supervisor, division)
        return [q["sql"] for q in ctx.captured_queries]

    make_subject(COUNTY_A)
    few = statements()
    run = Run.objects.create(status="done")
    for county in (COUNTY_A, COUNTY_B, "440305"):
        for _ in range(5):
            subject = make_subject(county)
            make_case(subject, "verifying", due_at=timezone.now())
            Discrepancy.objects.create(
                division_id=county,
                subject=subject,
                kind="missing",
                field="ethnicity",
                severity="low",
                first_run=run,
                last_run=run,
            )

    many = statements()

    assert len(many) == len(few)
    registers = ('"subjects_subject"', '"cases_case"', '"crosscheck_discrepancy"')
    assert [s for s in many if any(table in s for table in registers)] == []


def test_the_dashboard_receives_case_rows_per_bucket_of_days_not_per_day_with_the_same_figures(
    make_subject: Callable[..., Subject], make_case: Callable[..., Case]
) -> None:
    with freeze_time(START):
        subject = make_subject(COUNTY_A)
        for days in range(0, 120, 2):  # cases filed on 60 different days, some decided, some due
            stage = ("submitted", "verifying", "approved", "closed")[days % 4]
            fields: dict[str, Any] = {}
            if stage == "verifying":
                fields["due_at"] = timezone.now() + dt.timedelta(days=days % 11 - 5)
            if stage == "closed":
                fields["decided_at"] = timezone.now() - dt.timedelta(days=days // 2)
            case = make_case(subject, stage, **fields)
            Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
        call_command("rebuild_summaries", verbosity=0)
        now = timezone.now()
        per_day = CaseCount.objects.filter(code=PROVINCE).values("fact", "status", "day").distinct().count()
        rows = summaries.case_rows(PROVINCE, now)
        live, read = live_and_summary(PROVINCE, now)

    assert read == live
    assert per_day > 100
    # Stages × age bands, the clocks (overdue or not), and the filing and decision weeks.
    assert len(rows) <= 4 * len(figures.AGE_BANDS) + 4 + 2 + 2 * (figures.THROUGHPUT_WEEKS + 4)


def test_the_subject_figures_arrive_as_totals_and_one_row_per_child(
    make_subject: Callable[..., Subject],
) -> None:
    for county in (COUNTY_A, COUNTY_A, COUNTY_B, "440305"):
        make_subject(county)
    with CaptureQueriesContext(connection) as ctx:
        totals, children = summaries.subject_figures(PROVINCE)

    assert len(ctx.captured_queries) == 1
    assert sum(row["n"] for row in totals) == 4
    live = figures.subject_breakdown(figures.subtree_q(PROVINCE), "city_code")
    assert figures.fold_subjects(totals) == figures.fold_subjects(live)
    assert figures.fold_collection(totals) == figures.fold_collection(live)
    assert children == figures.fold_children(live, "city_code")
