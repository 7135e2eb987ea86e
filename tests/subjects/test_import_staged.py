"""The import's writes per chunk: set-based (a fixed number of statements however many rows), only
the changed cells with their provenance, the field history and the dashboards' counts kept; the
dates a row may carry are judged by the users' calendar day (Asia/Shanghai), not UTC's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from core.national_id import checked
from subjects import ids, summary, synthetic
from subjects.importer import RowReader
from subjects.models import Subject, SubjectCount
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import new_id
from .test_import import errors_of, run, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["公民身份号码", "姓名", "人员类别", "户籍区划代码", "工作单位", "确认日期"]
TOWNSHIP_B = COUNTY_B + "001"
# 00:30 on 2 March in Beijing is still 1 March in UTC.
HALF_PAST_MIDNIGHT = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)


def people(count: int) -> list[list[str]]:
    return [[new_id(), "甲", "退役士兵", COUNTY_A, "", ""] for _n in range(count)]


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("set-based staging is the PostgreSQL path (SQLite writes through the ORM's bulk calls)")


def statements(tmp_path: Path, rows: list[list[str]], name: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        batch = run(write_csv(tmp_path / name, rows, header=HEADER))
    assert batch.created_count == len(rows)
    return len(queries)


def test_a_chunk_costs_the_same_statements_for_five_rows_or_fifty(tmp_path: Path) -> None:
    postgres_only()
    statements(tmp_path, people(1), "first.csv")  # what is read once per process (lookup tables)
    assert statements(tmp_path, people(5), "five.csv") == statements(tmp_path, people(50), "fifty.csv")


def test_a_chunk_of_updates_costs_the_same_statements_for_five_rows_or_fifty(tmp_path: Path) -> None:
    postgres_only()
    five, fifty = people(5), people(50)
    run(write_csv(tmp_path / "a.csv", five + fifty, header=HEADER))
    counted = []
    for rows, name in ((five, "five.csv"), (fifty, "fifty.csv")):
        with CaptureQueriesContext(connection) as queries:
            batch = run(write_csv(tmp_path / name, [[r[0], "", "", "", "某厂", ""] for r in rows], header=HEADER))
        assert batch.updated_count == len(rows)
        counted.append(len(queries))
    assert counted[0] == counted[1]


def test_an_update_writes_only_the_changed_cells_and_their_provenance(tmp_path: Path) -> None:
    number = new_id()
    first = run(write_csv(tmp_path / "a.csv", [[number, "甲", "退役士兵", COUNTY_A, "甲厂", ""]], header=HEADER))
    moved = [[number, "甲", "退役士兵", TOWNSHIP_B, "乙厂\t二车间\\北", ""]]
    second = run(write_csv(tmp_path / "b.csv", moved, header=HEADER))
    assert (second.updated_count, second.unchanged_count) == (1, 0)
    subject = Subject.objects.get()
    assert subject.employer == "乙厂\t二车间\\北"  # tabs and backslashes travel through COPY intact
    assert (subject.division_id, subject.county_code, subject.city_code, subject.province_code) == (
        TOWNSHIP_B,
        COUNTY_B,
        COUNTY_B[:4],
        COUNTY_B[:2],
    )
    assert subject.provenance_of("employer")["ref"] == f"import:{second.pk}"
    assert subject.provenance_of("division")["ref"] == f"import:{second.pk}"
    assert subject.provenance_of("name")["ref"] == f"import:{first.pk}"  # same value: not written
    assert subject.import_batch_id == second.pk


def test_an_imported_update_leaves_the_old_row_in_the_field_history(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("history triggers exist only on PostgreSQL")
    number = new_id()
    run(write_csv(tmp_path / "a.csv", [[number, "甲", "退役士兵", COUNTY_A, "甲厂", ""]], header=HEADER))
    run(write_csv(tmp_path / "b.csv", [[number, "", "", "", "乙厂", ""]], header=HEADER))
    history = apps.get_model("subjects", "SubjectHistory")
    (row,) = history.objects.filter(pgh_obj_id=Subject.objects.get().pk)
    assert row.employer == "甲厂"


def test_the_dashboard_counts_follow_imported_inserts_and_updates(tmp_path: Path) -> None:
    numbers = [new_id() for _n in range(4)]
    run(write_csv(tmp_path / "a.csv", [[n, "甲", "退役士兵", COUNTY_A, "", ""] for n in numbers], header=HEADER))
    moved = [[numbers[0], "", "", TOWNSHIP_B, "", ""], [numbers[1], "", "老复员军人", "", "", ""]]
    run(write_csv(tmp_path / "b.csv", moved, header=HEADER))
    live = summary.count(Subject.objects.all())
    kept: dict[Any, int] = {}
    for item in SubjectCount.objects.all():
        if len(item.code) == 6:  # the county rows (their cities and provinces are sums of them)
            key = (item.category, item.status, item.complete, item.confirmed)
            kept[(item.code, key)] = kept.get((item.code, key), 0) + item.n
    assert {k: n for k, n in kept.items() if n} == {(located[2], key): n for (located, key), n in live.items()}


@freeze_time(HALF_PAST_MIDNIGHT)
def test_at_half_past_midnight_in_beijing_today_is_a_valid_date(tmp_path: Path) -> None:
    today = timezone.localdate()
    assert today == dt.date(2026, 3, 2)
    batch = run(
        write_csv(tmp_path / "a.csv", [[new_id(), "甲", "退役士兵", COUNTY_A, "", today.isoformat()]], header=HEADER)
    )
    assert (batch.created_count, batch.rejected_count) == (1, 0)
    assert Subject.objects.get().confirmed_at == today
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    batch = run(write_csv(tmp_path / "b.csv", [[new_id(), "甲", "退役士兵", COUNTY_A, "", tomorrow]], header=HEADER))
    assert batch.rejected_count == 1
    assert errors_of(batch)[0][1] == "确认日期"


@freeze_time(HALF_PAST_MIDNIGHT)
def test_at_half_past_midnight_in_beijing_a_person_born_today_has_a_valid_number() -> None:
    today = timezone.localdate()
    number = ids.build(COUNTY_A, today, 1)
    assert checked(number) == (number, today)
    assert ids.validate(number, check_division=False).birth_date == today
    assert RowReader("county", scope_codes=None, now=timezone.now()).today == today


@freeze_time(HALF_PAST_MIDNIGHT)
def test_at_half_past_midnight_in_beijing_synthetic_people_are_dated_up_to_the_local_today() -> None:
    rows = list(synthetic.generate(300, [COUNTY_A], seed=3))
    # Service that would end in the future ends today: the local today, a day after UTC's.
    assert max(r["service_end"] for r in rows if r.get("service_end")) == dt.date(2026, 3, 2)
    assert all(ids.is_valid(r["id_number"], check_division=False) for r in rows)
