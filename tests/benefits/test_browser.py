"""The benefit ledger in a real browser (Debian's Chromium): a caseworker opens a person's page, follows
the benefits panel to the monthly lines (each with its standard and article), and the navigation to
多发追缴 and 抚恤补助标准.

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
def reader(make_user: Any, make_subject: Any) -> Any:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()  # another walk's server may have ended this worker's sessions
    from benefits import actions
    from benefits.loading import do_load_benefit_standards
    from policies.actions import do_load_policy_articles
    from policies.data import SHIPPED_ARTICLES
    from subjects.models import BenefitType, Category
    from tests.benefits.conftest import SAMPLE
    from tests.cases.conftest import restore_demo_divisions

    restore_demo_divisions()
    do_load_policy_articles(SHIPPED_ARTICLES, actor=None)
    do_load_benefit_standards(SAMPLE, actor=None)
    from django.utils import timezone

    from benefits import rules

    this_month = rules.month_of(timezone.localdate())
    person = make_subject(category=Category.MARTYR_SURVIVOR, name="赵烈属")
    actions.do_award_benefit(
        person, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=rules.add_months(this_month, -3), actor=None
    )
    actions.do_record_death(
        person, died_on=rules.add_months(this_month, -1) + dt.timedelta(days=4), survivor="赵小明", actor=None
    )
    user = make_user("caseworker", "caseworker", full_name="张经办")
    user.person_id = person.pk
    return user


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_caseworker_reads_the_monthly_lines_and_why_and_finds_the_overpayment(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    reader: Any,
) -> None:
    page = page_as(browser, reader, server)
    page.goto(f"{server}/subjects/{reader.person_id}/")
    assert "待追缴余额" in page.inner_text("#panel-benefits")
    page.click("#benefit-ledger-link")
    page.wait_for_url("**/benefits/subjects/*/")
    body = page.inner_text("main")
    assert "定期抚恤金" in body and "第十九条" in body and "第二十二条" in body and "赵小明" in body
    assert "死亡后多发" in body
    shot(page, "1-ledger")
    page.click("#nav-recoveries")
    page.wait_for_url("**/benefits/recoveries/")
    assert "赵烈属" in page.inner_text("#recovery-list")
    shot(page, "2-recoveries")
    page.click("#nav-benefit-standards")
    page.wait_for_url("**/benefits/standards/")
    assert "示例" in page.inner_text("#standard-list")
    shot(page, "3-standards")
