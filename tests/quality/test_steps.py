"""A drawn decision waiting for its finding is a step (``core.steps``): in the task lists of the
supervisors at the level above who took no part in it, due after the draw, counted by the SLA scan,
and off the lists once its finding is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from cases import queries as case_queries
from cases.actions.sla import scan_steps
from cases.models import Case
from core import panels
from quality.actions import STEP, do_draw_quality_sample, do_record_finding
from quality.models import Finding, QualityReview
from tests.conftest import CITY, COUNTY_A

from .conftest import NOVEMBER

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(closed_decision: Callable[..., Case]) -> QualityReview:
    case = closed_decision(COUNTY_A)
    with freeze_time(NOVEMBER):
        do_draw_quality_sample(dt.date(2026, 10, 1), seed=5, actor=None)
    return QualityReview.objects.get(case=case)


def _steps(client: APIClient) -> list[dict[str, Any]]:
    return [r["step"] for r in client.get("/api/v1/tasks/?scope=queue").json() if r["step"] is not None]


def test_a_drawn_decision_waits_in_the_task_lists_of_the_level_above(
    review: QualityReview,
    reviewer: User,
    province_supervisor: User,
    county_supervisor: User,
    outsider: User,
    api_as: Callable[[User], APIClient],
) -> None:
    [step] = _steps(api_as(reviewer))
    assert step["kind"] == STEP and step["division"] == CITY
    assert step["url"] == f"/quality/{review.pk}/"
    assert review.case.number in step["title"] and "2026-10" in step["title"]
    assert step["due"] == "2026-12-11"  # 20 working days after Sunday 15 November
    assert [s["kind"] for s in _steps(api_as(province_supervisor))] == [STEP]
    assert _steps(api_as(county_supervisor)) == []  # the county's own supervisor does not review it
    assert _steps(api_as(outsider)) == []
    assert case_queries.nav_counts(reviewer)["queue"] == 1  # the workbench's count


def test_a_supervisor_who_took_part_never_finds_it_in_the_lists(
    closed_decision: Callable[..., Case], reviewer: User, api_as: Callable[[User], APIClient]
) -> None:
    closed_decision(COUNTY_A, filed_by=reviewer)
    with freeze_time(NOVEMBER):
        do_draw_quality_sample(dt.date(2026, 10, 1), seed=5, actor=None)
    assert _steps(api_as(reviewer)) == []


def test_recording_the_finding_takes_it_off_the_lists(
    review: QualityReview, reviewer: User, api_as: Callable[[User], APIClient]
) -> None:
    do_record_finding(review, finding=Finding.AGREE, actor=reviewer)
    assert _steps(api_as(reviewer)) == []


def test_a_review_past_its_due_date_is_counted_by_the_sla_scan(review: QualityReview, reviewer: User) -> None:
    with freeze_time("2026-12-16 09:00:00+08:00"):
        assert scan_steps(timezone.now()) == {"steps_overdue": 1, "steps_announced": 1}
        do_record_finding(review, finding=Finding.AGREE, actor=reviewer)
        assert scan_steps(timezone.now())["steps_overdue"] == 0


def test_the_reviews_panel_of_the_workbench_and_the_inbox_is_gone() -> None:
    assert "quality-reviews" not in {p.name for p in panels.panels(panels.INBOX)}
    assert "quality-reviews" not in {p.name for p in panels.panels(panels.WORKBENCH)}
