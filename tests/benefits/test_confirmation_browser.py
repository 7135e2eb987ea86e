"""The annual confirmation (年度确认) in a real browser (Debian's Chromium, PostgreSQL): an approver
reaches 年度确认 from the navigation, opens the county's campaign (the department data confirms one
person at once), reads the progress per township; a caseworker follows the workbench's task to the
people still to confirm and records a home visit.

Screenshots go to ``var/screenshots/benefits/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "benefits"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    yield  # the live server runs on the real clock


@pytest.fixture
def staff(make_user: Any, make_subject: Any) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()  # another walk's server may have ended this worker's sessions
    from django.utils import timezone

    from benefits import actions, rules
    from benefits.loading import do_load_benefit_standards
    from crosscheck.actions import do_load_dataset
    from subjects.models import BenefitType, Category
    from tests.benefits.conftest import SAMPLE
    from tests.cases.conftest import restore_demo_divisions
    from tests.subjects.conftest import new_id

    restore_demo_divisions()
    do_load_benefit_standards(SAMPLE, actor=None)
    this_month = rules.month_of(timezone.localdate())
    numbers = {}
    for name in ("钱烈属", "孙烈属", "周烈属"):
        numbers[name] = new_id("440106")
        person = make_subject(id_number=numbers[name], name=name, category=Category.MARTYR_SURVIVOR)
        actions.do_award_benefit(
            person, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=rules.add_months(this_month, -2), actor=None
        )
    recent = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    feed = f"公民身份号码,险种,是否在保,最近结算日期\n{numbers['钱烈属']},基本医疗保险,是,{recent}\n"
    do_load_dataset(feed.encode(), file_name="医保.csv", department="medical_insurance", actor=None)
    return {
        "approver": make_user("county_approver", "approver", full_name="李审批"),
        "caseworker": make_user("caseworker", "caseworker", full_name="张经办"),
    }


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_approver_opens_the_campaign_and_a_caseworker_confirms_by_a_home_visit(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    staff: dict[str, Any],
) -> None:
    page = page_as(browser, staff["approver"], server)
    page.goto(f"{server}/")
    page.click("#nav-confirmation")
    page.wait_for_url("**/benefits/confirmation/")
    shot(page, "confirmation-1-list")
    page.click("#campaign-open button[type=submit]")
    page.wait_for_url("**/benefits/confirmation/*/")
    summary = page.inner_text("#campaign-summary")
    assert "人员 3" in summary and "数据比对确认 1" in summary
    page.click("#level-township")
    assert "天河区" in page.inner_text("#progress-table")
    shot(page, "confirmation-2-campaign")

    work = page_as(browser, staff["caseworker"], server)
    work.goto(f"{server}/")
    work.click("#wb-queue")  # the workbench's team queue: the township's step is a task like any other
    work.wait_for_url("**/cases/inbox/?scope=queue")
    step = work.locator("#task-list tr", has_text="2 项")
    shot(work, "confirmation-3-queue")
    step.get_by_role("link").click()
    work.wait_for_url("**/benefits/confirmation/*/?level=township&status=open")
    row = work.locator("#item-list tr", has_text="孙烈属")
    row.locator("input[name=reference]").fill("走访记录 2025-001")
    row.locator("button.primary").click()
    work.wait_for_url("**/benefits/confirmation/*/**")
    assert "孙烈属 已完成年度确认" in work.inner_text("body")
    assert "孙烈属" not in work.inner_text("#campaign-items")
    shot(work, "confirmation-4-confirmed")


def test_an_approver_closes_a_campaign_after_its_grace_period_and_the_report_shows_its_figures(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    staff: dict[str, Any],
) -> None:
    from django.utils import timezone

    from benefits import confirmation
    from reports import actions as report_actions

    today = timezone.localdate()
    campaign = confirmation.do_open_campaign(
        "440106",
        year=today.year,
        actor=staff["approver"],
        window_start=today - dt.timedelta(days=40),
        window_end=today - dt.timedelta(days=10),
        grace_days=5,
        spot_check_percent=0,
    )
    confirmation.do_data_match(campaign, actor=staff["approver"])
    confirmation.suspend_overdue(today)  # the nightly scan: the two still open are suspended

    page = page_as(browser, staff["approver"], server)
    page.goto(f"{server}/")
    page.click("#nav-confirmation")
    page.wait_for_url("**/benefits/confirmation/")
    page.locator("#campaign-list a", has_text="天河区").first.click()
    page.wait_for_url(f"**/benefits/confirmation/{campaign.pk}/")
    page.click("#close-campaign")
    page.wait_for_url(f"**/benefits/confirmation/{campaign.pk}/")
    assert "统计数据已固定" in page.inner_text("#campaign-closed")
    assert page.locator("#close-campaign").count() == 0 and page.locator("#item-list button").count() == 0
    shot(page, "confirmation-5-closed")

    period = report_actions.do_open_period(
        actor=None,
        key=f"y{today.year}",
        name=f"{today.year}年度报告",
        kind="year",
        starts_on=dt.date(today.year, 1, 1),
        ends_on=dt.date(today.year, 12, 31),
        county_due=dt.date(today.year + 1, 1, 15),
        province_due=dt.date(today.year + 1, 1, 31),
    )
    report = report_actions.do_compile_report("440106", actor=staff["caseworker"], period=period)
    page.goto(f"{server}/reports/{report.pk}/")
    table = page.inner_text("#table-confirmation")
    assert "经部门数据比对静默确认" in table and "逾期未确认，已暂停发放" in table
    page.locator("#table-confirmation").screenshot(path=str(SHOTS / "confirmation-6-report.png"))
