"""The decider's findings (经查明) and the effective date: the letter prints the bureau's findings,
never the applicant's own account, and an approval takes effect before the decision date only
with a stated reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from cases import actions
from cases import letters as case_letters
from cases.models import Status

from .conftest import open_task
from .test_views import logged_in

pytestmark = pytest.mark.django_db

DECISION_DAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def pending(file_case, walk):
    """A benefit claim asking for 2026-01-01, waiting for approval on 2026-03-10."""
    with freeze_time(DECISION_DAY):
        yield walk.verify_all(walk.intake(file_case(description="我是退役士兵，我家里很困难。")))


def test_the_approval_records_the_findings_and_the_letter_prints_them_instead_of_the_applicants_account(
    pending, approver
):
    with freeze_time(DECISION_DAY):
        case = actions.do_decide(
            open_task(pending, "approve"),
            actor=approver,
            decision="approve",
            findings="经核查，申请人1979年入伍、1985年退役，现无固定收入，符合享受条件。",
            effective_on=dt.date(2026, 4, 1),
        )
    assert case.findings.startswith("经核查") and case.effective_on == dt.date(2026, 4, 1)
    decision = case_letters.case_snapshot(case, {}, kind="approval")["decision"]
    assert decision["findings"].startswith("经核查")
    assert decision["effective_on"] == "2026年4月1日" and decision["retroactive_reason"] == ""


def test_a_past_effective_date_without_a_reason_is_a_chinese_field_error(pending, approver):
    with freeze_time(DECISION_DAY), pytest.raises(ValidationError) as caught:
        actions.do_decide(
            open_task(pending, "approve"),
            actor=approver,
            decision="approve",
            findings="经核查属实。",
            effective_on=dt.date(2026, 1, 1),
        )
    assert "生效日期" in caught.value.message_dict["effective_on"][0]
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL


def test_a_retroactive_start_with_a_stated_reason_is_kept_and_printed(pending, approver):
    with freeze_time(DECISION_DAY):
        case = actions.do_decide(
            open_task(pending, "approve"),
            actor=approver,
            decision="approve",
            findings="经核查属实。",
            effective_on=dt.date(2026, 1, 1),
            retroactive_reason="自申请当月起追溯发放",
        )
    assert case.effective_on == dt.date(2026, 1, 1) and case.retroactive_reason == "自申请当月起追溯发放"
    decision = case_letters.case_snapshot(case, {}, kind="approval")["decision"]
    assert decision["lines"][0].startswith("批准你的申请。自2026年1月1日起")
    assert decision["retroactive_reason"] == "自申请当月起追溯发放"


def test_without_a_stated_date_or_reason_a_past_requested_start_gives_way_to_the_decision_date(pending, approver):
    with freeze_time(DECISION_DAY):
        case = actions.do_decide(open_task(pending, "approve"), actor=approver, decision="approve")
    assert case.effective_on == dt.date(2026, 3, 10) and case.retroactive_reason == ""
    assert case.subject.benefits.get().start == dt.date(2026, 3, 10)


def test_a_case_decided_before_findings_existed_still_gets_its_letter(pending, approver):
    with freeze_time(DECISION_DAY):
        case = actions.do_decide(open_task(pending, "approve"), actor=approver, decision="approve")
    type(case).objects.filter(pk=case.pk).update(findings="", effective_on=None)
    case.refresh_from_db()
    decision = case_letters.case_snapshot(case, {}, kind="approval")["decision"]
    assert decision["findings"] == "" and decision["effective_on"] == "2026年1月1日"


# --- the page -------------------------------------------------------------------------------


def test_the_approval_form_asks_for_findings_and_prefills_nothing_from_the_applicant(client, pending, approver):
    task = open_task(pending, "approve")
    logged_in(client, approver)
    with freeze_time(DECISION_DAY, tick=True):
        page = client.get(f"/cases/tasks/{task.pk}/")
        form = page.context["form"]
        assert form["findings"].value() in (None, "")
        assert "经查明" in page.content.decode()
        response = client.post(f"/cases/tasks/{task.pk}/", {"decision": "approve"})
    assert response.status_code == 200
    assert "经查明" in response.context["form"].errors["findings"][0]
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL


def test_the_approval_form_refuses_a_past_date_without_a_reason_with_a_field_error(client, pending, approver):
    task = open_task(pending, "approve")
    logged_in(client, approver)
    with freeze_time(DECISION_DAY, tick=True):
        response = client.post(
            f"/cases/tasks/{task.pk}/",
            {"decision": "approve", "findings": "经核查属实。", "effective_on": "2026-01-01"},
        )
    assert response.status_code == 200
    assert "追溯" in response.context["form"].errors["effective_on"][0]


def test_ending_a_benefit_from_a_past_day_keeps_that_day_with_the_cases_grounds_as_the_reason(
    file_case, walk, approver, subject
):
    from subjects.actions import do_add_benefit

    benefit = do_add_benefit(
        subject,
        benefit_type="dibao",
        amount="500",
        start=dt.date(2020, 1, 1),
        actor=None,
        provenance="caseworker_entry",
    )
    with freeze_time(DECISION_DAY):
        case = walk.verify_all(
            walk.intake(
                file_case(
                    benefit_type="dibao",
                    benefit_change="end",
                    benefit_id=benefit.pk,
                    benefit_start=dt.date(2025, 12, 5),
                )
            )
        )
        case = actions.do_decide(
            open_task(case, "approve"), actor=approver, decision="approve", findings="经核查属实。"
        )
    assert case.effective_on == dt.date(2025, 12, 5) and case.retroactive_reason == case.title
    benefit.refresh_from_db()
    assert benefit.end == dt.date(2025, 12, 5)
