"""Live figures: problem data from the cross-check, age bands, throughput weeks, scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import Case
from crosscheck.models import Discrepancy, Run
from reports import dashboard, figures, tables
from subjects.models import Subject
from tests.conftest import CITY, COUNTY_A, COUNTY_B

pytestmark = pytest.mark.django_db


def _discrepancy(subject: Subject, run: Run, kind: str, status: str) -> Discrepancy:
    return Discrepancy.objects.create(
        division_id=subject.division_id,
        subject=subject,
        kind=kind,
        severity="medium",
        status=status,
        first_run=run,
        last_run=run,
    )


def test_problem_data_counts_live_and_corrected_subjects(populated: dict[str, list[Subject]]) -> None:
    run = Run.objects.create(status="done")
    a = populated["a"]
    _discrepancy(a[0], run, "missing", "open")
    _discrepancy(a[0], run, "mismatch", "confirmed")  # still has a live one: not "corrected"
    _discrepancy(a[1], run, "not_in_hukou", "confirmed")
    _discrepancy(populated["b"][0], run, "missing", "sent")
    result = figures.problems(figures.subtree_q(COUNTY_A))
    assert result == {
        "by_kind": {"missing": {"open": 1}, "mismatch": {"confirmed": 1}, "not_in_hukou": {"confirmed": 1}},
        "subjects_live": 1,
        "subjects_corrected": 1,
    }
    assert figures.problems(figures.subtree_q(CITY))["subjects_live"] == 2
    table = tables.phase2_table(figures.fold_collection(figures.subject_breakdown(figures.subtree_q(COUNTY_A))), result)
    assert table.rows[1][1:] == [1, "50.0%"]  # one of the two subjects on file has an open problem


def test_backlog_puts_cases_in_age_bands(populated: Any, make_case: Callable[..., Case]) -> None:
    old = make_case(populated["a"][0], "returned")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=45))
    result = figures.fold_backlog(figures.open_cases(figures.subtree_q(COUNTY_A)))
    assert result == {"submitted": {"0-7": 1}, "verifying": {"0-7": 1}, "returned": {"31-90": 1}}


def test_throughput_counts_filed_and_decided_per_week(populated: Any, make_case: Callable[..., Case]) -> None:
    decided = make_case(populated["a"][0], "approved", decided_at=timezone.now())
    assert decided.decided_at is not None
    weeks = figures.throughput(figures.subtree_q(COUNTY_A))
    assert len(weeks) == figures.THROUGHPUT_WEEKS
    assert weeks[-1]["week"] == figures.week_start(timezone.localdate()).isoformat()
    assert weeks[-1]["filed"] == 3 and weeks[-1]["decided"] == 1
    assert sum(w["filed"] for w in weeks[:-1]) == 0


def test_a_users_figures_never_include_rows_outside_their_scope(populated: Any, approver_a: User) -> None:
    from jurisdictions.models import Division

    # Even asked for the whole city, the county approver's filter keeps only their county.
    q = dashboard.live_q(approver_a, CITY)
    assert figures.fold_subjects(figures.subject_breakdown(q))["total"] == 3
    county = Division.objects.get(code=COUNTY_B)
    assert dashboard.summary(approver_a, county)["subjects"]["total"] == 0


def test_city_figures_are_cached_per_scope_and_counties_stay_live(
    populated: Any,
    settings: Any,
    city_supervisor: User,
    make_user: Callable[..., User],
    make_subject: Callable[..., Subject],
) -> None:
    from django.core.cache import cache

    from jurisdictions.models import Division

    cache.clear()
    settings.LAUREL_REPORTS_CACHE_SECONDS = 60
    city, county = Division.objects.get(code=CITY), Division.objects.get(code=COUNTY_A)
    first, _at = dashboard.build_with_time(city_supervisor, city, ["categories"])
    make_subject(COUNTY_A)
    again, _at = dashboard.build_with_time(city_supervisor, city, ["categories"])
    assert first[0].rows[-1][-1] == again[0].rows[-1][-1] == 5  # cached
    colleague = make_user("city_auditor", "auditor", CITY)
    assert dashboard.build(colleague, city, ["categories"])[0].rows[-1][-1] == 5  # same scope, same figures
    narrower = make_user("county_supervisor", "supervisor", COUNTY_A)
    assert dashboard.build(narrower, county, ["categories"])[0].rows[-1][-1] == 4  # counties are live
    assert dashboard.cache_seconds(county) == 0
    cache.clear()
