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
    assert "2 人待确认" in work.inner_text("#panel-confirmation")
    shot(work, "confirmation-3-workbench")
    work.click("#panel-confirmation a[id^=confirmation-open-]")
    work.wait_for_url("**/benefits/confirmation/*/?status=open")
    row = work.locator("#item-list tr", has_text="孙烈属")
    row.locator("input[name=reference]").fill("走访记录 2025-001")
    row.locator("button.primary").click()
    work.wait_for_url("**/benefits/confirmation/*/**")
    assert "孙烈属 已完成年度确认" in work.inner_text("body")
    assert "孙烈属" not in work.inner_text("#campaign-items")
    shot(work, "confirmation-4-confirmed")
