"""The annual confirmation's waiting work as steps (core.steps): a township's people to confirm and its
confirmations to spot-check are tasks in /api/v1/tasks/ and the inbox for the right people, kept
current by the actions, completed when nothing is left, counted overdue by the SLA scan, cancelled
when the campaign closes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from benefits import confirmation, work_steps
from benefits.models import ConfirmationCampaign, SpotCheck
from cases.actions.sla import scan_steps
from core import steps
from jurisdictions.models import Department
from subjects.models import Subject
from tests.conftest import COUNTY_A

from .test_confirmation import OPENED, TOWNSHIP, _item, _open, load, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _step_tasks(kind: str) -> Any:
    return Task.objects.filter(flow_task=steps.flow_task_ref(), process__data__step=kind)


def _steps(client: APIClient, kind: str = "") -> list[dict[str, Any]]:
    rows = [row["step"] for row in client.get("/api/v1/tasks/?scope=queue").json() if row["step"]]
    return sorted((r for r in rows if not kind or r["kind"] == kind), key=lambda r: r["division"])


def test_each_township_with_people_to_confirm_gets_one_step_until_none_is_left(
    people: dict[str, tuple[Subject, str]],  # noqa: F811
    caseworker: User,
    county_approver: User,
    api_as: Callable[[User], APIClient],
) -> None:
    client = api_as(caseworker)
    with freeze_time(OPENED):
        load(Department.CIVIL_AFFAIRS, ["公民身份号码", "救助类别", "是否在保"], [[people["李四"][1], "低保", "是"]])
        campaign = _open(county_approver)
        confirmation.do_data_match(campaign, actor=county_approver)
        # 张三 alone in the township; five in the county itself, 李四 matched silently: four left there.
        county, township = _steps(client, work_steps.TOWNSHIP_CONFIRMATIONS)
        assert (county["division"], township["division"]) == (COUNTY_A, TOWNSHIP)
        assert "4" in county["title"] and "1" in township["title"] and "2025" in county["title"]
        assert township["due"] == "2025-04-05"  # the campaign's deadline
        assert township["url"] == f"/benefits/confirmation/{campaign.pk}/?level=township&status=open"

        confirmation.do_confirm_item(
            _item(campaign, people["王五"][0]), method="station", evidence={}, actor=caseworker
        )
        assert "3" in _steps(client, work_steps.TOWNSHIP_CONFIRMATIONS)[0]["title"]
        confirmation.do_cancel_item(_item(campaign, people["张三"][0]), reason="已迁出", actor=caseworker)
    assert [s["division"] for s in _steps(client, work_steps.TOWNSHIP_CONFIRMATIONS)] == [COUNTY_A]
    done = _step_tasks(work_steps.TOWNSHIP_CONFIRMATIONS).filter(process__data__key=TOWNSHIP)
    assert [t.status for t in done] == [STATUS.DONE]


def test_a_drawn_confirmation_is_a_spot_check_step_of_a_second_caseworker_not_the_confirmer(
    people: dict[str, tuple[Subject, str]],  # noqa: F811
    caseworker: User,
    make_user: Callable[..., User],
    caseworker_b: User,
    api_as: Callable[[User], APIClient],
) -> None:
    second = make_user("caseworker_2", "caseworker", COUNTY_A)
    with freeze_time(OPENED):
        campaign = _open(spot_check_percent=100)
        item = _item(campaign, people["孙八"][0])
        confirmation.do_confirm_item(item, method="home_visit", evidence={}, actor=caseworker)
        [step] = _steps(api_as(second), work_steps.TOWNSHIP_SPOT_CHECKS)
        assert step["url"].endswith("status=spot_check") and "1" in step["title"]
        assert _steps(api_as(caseworker), work_steps.TOWNSHIP_SPOT_CHECKS) == []  # the confirmer
        assert _steps(api_as(caseworker_b)) == []  # another county
        confirmation.do_spot_check(item, upheld=True, actor=second)
        assert _steps(api_as(second), work_steps.TOWNSHIP_SPOT_CHECKS) == []
    item.refresh_from_db()
    assert item.spot_check == SpotCheck.UPHELD


def test_the_silent_sample_is_not_for_the_person_who_ran_the_match(
    people: dict[str, tuple[Subject, str]],  # noqa: F811
    caseworker: User,
    make_user: Callable[..., User],
    api_as: Callable[[User], APIClient],
) -> None:
    matcher = make_user("matcher", "caseworker", COUNTY_A)
    with freeze_time(OPENED):
        load(Department.CIVIL_AFFAIRS, ["公民身份号码", "救助类别", "是否在保"], [[people["李四"][1], "低保", "是"]])
        campaign = _open(spot_check_percent=100)
        confirmation.do_data_match(campaign, actor=matcher)
        assert _steps(api_as(matcher), work_steps.TOWNSHIP_SPOT_CHECKS) == []
        assert len(_steps(api_as(caseworker), work_steps.TOWNSHIP_SPOT_CHECKS)) == 1


def test_the_sla_scan_counts_the_township_steps_overdue_after_the_deadline_and_the_close_cancels_them(
    people: dict[str, tuple[Subject, str]],  # noqa: F811
    county_approver: User,
) -> None:
    with freeze_time(OPENED):
        campaign = _open(county_approver)
    with freeze_time("2025-04-07 09:00:00+08:00"):
        confirmation.suspend_overdue()
        assert scan_steps(dt.datetime.now(dt.UTC))["steps_overdue"] == 2  # the county's and the township's
        closed = confirmation.do_close_campaign(ConfirmationCampaign.objects.get(pk=campaign.pk), actor=county_approver)
    assert closed.status == "closed"
    assert {t.status for t in _step_tasks(work_steps.TOWNSHIP_CONFIRMATIONS)} == {STATUS.CANCELED}
