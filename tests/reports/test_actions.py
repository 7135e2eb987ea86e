"""The report workflow: compile, freeze, submit, review, roll up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from accounts.models import User
from audit.models import AuditEvent
from reports import actions, snapshots
from reports.models import Report, ReportStatus
from subjects.models import Subject
from tests.conftest import COUNTY_A, COUNTY_B, PROVINCE

pytestmark = pytest.mark.django_db


def _approved(county: str, approver: User, city_supervisor: User, period: Any) -> Report:
    report = actions.do_compile_report(county, actor=approver, period=period, analysis="进展顺利")
    actions.do_submit_report(report, actor=approver)
    return actions.do_approve_report(report, actor=city_supervisor)


def test_compiled_report_freezes_the_county_figures(populated: Any, approver_a: User, period: Any) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    assert report.status == ReportStatus.DRAFT
    assert report.snapshot["subjects"]["total"] == 3
    assert report.snapshot["subjects"]["by_status"] == {"active": 2, "deceased": 1}
    assert report.snapshot["collection"] == {"on_file": 2, "complete": 1, "confirmed": 1, "done": 1}
    assert report.snapshot["cases"]["backlog"] == {"submitted": 1, "verifying": 1}
    assert report.snapshot["cases"]["sla"] == {
        "submitted": {"timed": 1, "overdue": 0},
        "verifying": {"timed": 1, "overdue": 1},
    }
    assert report.snapshot["cases"]["period"]["filed"] == 2
    assert AuditEvent.objects.filter(event_type="report.compiled", object_id=str(report.pk)).exists()


def test_frozen_snapshot_does_not_change_when_live_data_changes(
    populated: Any, approver_a: User, period: Any, make_subject: Callable[..., Subject], make_case: Any
) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    frozen = report.snapshot
    actions.do_submit_report(report, actor=approver_a)
    newcomer = make_subject(COUNTY_A)
    make_case(newcomer, "pending_approval")
    report.refresh_from_db()
    assert report.snapshot == frozen
    live = snapshots.compile_live(COUNTY_A, start=period.starts_on, end=period.ends_on, now=report.compiled_at)
    assert live["subjects"]["total"] == frozen["subjects"]["total"] + 1


def test_rollup_equals_the_sum_of_its_parts(
    populated: Any, approver_a: User, approver_b: User, city_supervisor: User, province_supervisor: User, period: Any
) -> None:
    a = _approved(COUNTY_A, approver_a, city_supervisor, period)
    b = _approved(COUNTY_B, approver_b, city_supervisor, period)
    province = actions.do_compile_province_report(
        PROVINCE, actor=province_supervisor, period=period, analysis="全省汇总分析"
    )
    figures = {k: v for k, v in province.snapshot.items() if k not in snapshots.META_KEYS}
    assert figures == snapshots.merge([a.snapshot, b.snapshot])
    assert province.snapshot["subjects"]["total"] == 5
    assert province.snapshot["collection"]["done"] == 2
    assert province.snapshot["cases"]["backlog"] == {"submitted": 1, "verifying": 1, "pending_approval": 1}
    assert province.snapshot["counties"] == [COUNTY_B, COUNTY_A]
    assert COUNTY_A not in province.snapshot["missing"] and "440103" in province.snapshot["missing"]
    assert set(province.sources.values_list("pk", flat=True)) == {a.pk, b.pk}
    # The live province figures are the same sum.
    live = snapshots.compile_live(PROVINCE, start=period.starts_on, end=period.ends_on, now=province.compiled_at)
    assert live["subjects"] == figures["subjects"]
    assert live["collection"] == figures["collection"]


def test_province_report_leaves_out_counties_not_yet_approved(
    populated: Any, approver_a: User, approver_b: User, city_supervisor: User, province_supervisor: User, period: Any
) -> None:
    a = _approved(COUNTY_A, approver_a, city_supervisor, period)
    pending = actions.do_compile_report(COUNTY_B, actor=approver_b, period=period)
    actions.do_submit_report(pending, actor=approver_b)
    province = actions.do_compile_province_report(PROVINCE, actor=province_supervisor, period=period)
    assert province.snapshot["subjects"]["total"] == a.snapshot["subjects"]["total"] == 3
    assert COUNTY_B in province.snapshot["missing"]


def test_returned_report_goes_back_to_the_county_with_comments(
    populated: Any, approver_a: User, city_supervisor: User, period: Any
) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    actions.do_submit_report(report, actor=approver_a)
    returned = actions.do_return_report(report, actor=city_supervisor, comments="请核实第三类人员数据")
    assert returned.status == ReportStatus.RETURNED
    assert returned.comments == "请核实第三类人员数据"
    assert returned.reviewed_by == city_supervisor
    event = AuditEvent.objects.get(event_type="report.returned", object_id=str(report.pk))
    assert event.data["reason"] == "请核实第三类人员数据"
    # The county corrects, recompiles and submits again: a second PDF; approval clears the comments.
    again = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    assert again.pk == report.pk and again.status == ReportStatus.DRAFT and again.comments
    actions.do_submit_report(again, actor=approver_a)
    assert list(again.documents.values_list("number", flat=True)) == [2, 1]
    approved = actions.do_approve_report(again, actor=city_supervisor)
    assert approved.status == ReportStatus.APPROVED and approved.comments == ""


def test_return_needs_comments(populated: Any, approver_a: User, city_supervisor: User, period: Any) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    actions.do_submit_report(report, actor=approver_a)
    with pytest.raises(ValidationError):
        actions.do_return_report(report, actor=city_supervisor, comments="  ")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_submitted_report_cannot_be_recompiled_or_approved_twice(
    populated: Any, approver_a: User, city_supervisor: User, period: Any
) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    actions.do_submit_report(report, actor=approver_a)
    with pytest.raises(TransitionNotAllowed):
        actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    stale = Report.objects.get(pk=report.pk)
    actions.do_approve_report(report, actor=city_supervisor)
    with pytest.raises(TransitionNotAllowed):
        actions.do_approve_report(stale, actor=city_supervisor)


def test_only_counties_compile_from_live_data(approver_a: User, period: Any) -> None:
    with pytest.raises(ValidationError):
        actions.do_compile_report(PROVINCE, actor=approver_a, period=period)
    with pytest.raises(ValidationError):
        actions.do_compile_province_report(COUNTY_A, actor=approver_a, period=period)


def test_period_dates_are_checked(period: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.do_open_period(
            actor=None,
            key="this-month",
            name="x",
            starts_on=period.ends_on,
            ends_on=period.starts_on,
            county_due=period.starts_on,
            province_due=period.starts_on,
        )
    assert {"key", "ends_on"} <= set(exc.value.message_dict)


def test_merge_sums_nested_counters_and_skips_meta() -> None:
    merged = snapshots.merge(
        [
            {"as_of": "x", "subjects": {"total": 2, "by_status": {"active": 2}}, "missing": ["1"]},
            {"as_of": "y", "subjects": {"total": 3, "by_status": {"active": 1, "deceased": 2}}},
        ]
    )
    assert merged == {"subjects": {"total": 5, "by_status": {"active": 3, "deceased": 2}}}
