"""公示 in a real browser (Debian's Chromium, PostgreSQL): a caseworker drafts a notice from the navigation,
an approver publishes it by clicks, a member of the public objects on the public page, and the objection
appears on the notice's record as a case.

Screenshots go to ``var/screenshots/notices/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "notices"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    yield  # the live server runs on the real clock


@pytest.fixture
def people(make_user: Any, make_subject: Any) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()
    from django.utils import timezone

    from benefits import actions, rules
    from benefits.loading import do_load_benefit_standards
    from jurisdictions.models import Division
    from subjects.models import BenefitType, Category
    from tests.benefits.conftest import SAMPLE
    from tests.cases.conftest import restore_demo_divisions

    restore_demo_divisions()
    do_load_benefit_standards(SAMPLE, actor=None)
    township = Division.objects.filter(code__startswith="440106", code__regex=r"^\d{9}$").order_by("code").first()
    this_month = rules.month_of(timezone.localdate())
    for name in ("陈光荣", "林卫国"):
        actions.do_award_benefit(
            make_subject(township.code if township else "440106", category=Category.MARTYR_SURVIVOR, name=name),
            benefit_type=BenefitType.PERIODIC_PENSION,
            approved_on=this_month,
            actor=None,
        )
    return {
        "caseworker": make_user("caseworker", "caseworker", full_name="张经办"),
        "approver": make_user("approver", "approver", full_name="李审核"),
        "month": this_month.strftime("%Y-%m"),
    }


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_notice_is_drafted_published_and_objected_to_by_clicks(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    people: dict[str, Any],
) -> None:
    maker = page_as(browser, people["caseworker"], server)
    maker.goto(f"{server}/")
    maker.click("#nav-notices")
    maker.wait_for_url("**/benefits/notices/")
    maker.select_option("#notice-kind", "new_awards")
    maker.fill("#notice-source", people["month"])
    shot(maker, "1-draft-form")
    maker.click("#notice-draft button[type=submit]")
    maker.wait_for_url("**/benefits/notices/*/")
    assert "草稿" in maker.inner_text("#notice-status")
    assert "陈*荣" in maker.inner_text("#notice-entries") and "陈光荣" not in maker.inner_text("#notice-entries")
    assert maker.locator("#notice-publish").count() == 0  # publishing is the approver's
    shot(maker, "2-drafted")

    checker = page_as(browser, people["approver"], server)
    checker.goto(f"{server}/")
    checker.click("#nav-notices")
    checker.wait_for_url("**/benefits/notices/")
    checker.click("#notice-list a")
    checker.wait_for_url("**/benefits/notices/*/")
    checker.click("#notice-publish button[type=submit]")
    checker.wait_for_url("**/benefits/notices/*/")
    assert "公示中" in checker.inner_text("#notice-status")
    shot(checker, "3-published")

    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{server}/track/notices/")
    shot(public, "4-public-list")
    public.click("#public-notices a")
    public.wait_for_url("**/track/notices/*/")
    html = public.content()
    assert "陈*荣" in html and "林*国" in html and "陈光荣" not in html and "林卫国" not in html
    shot(public, "5-public-notice")
    public.fill("#id_row", "1")
    public.fill("#id_objector", "王热心")
    public.fill("#id_contact", "13800138000")
    public.fill("#id_text", "据我所知，此人已迁往外省居住。")
    public.click("#objection button[type=submit]")
    public.wait_for_selector("#objection-received")
    received = public.inner_text("#objection-received")
    assert "案件" in received
    shot(public, "6-objection-received")

    checker.reload()
    objections = checker.inner_text("#notice-objections")
    assert "王热心" in objections and "据我所知" in objections
    shot(checker, "7-record-with-objection")
    checker.click("#notice-objections a")
    checker.wait_for_url("**/cases/*/")
    shot(checker, "8-the-case")

    board = browser.new_context(locale="zh-CN").new_page()
    board.goto(public.url)
    board.click("#print-version")
    board.wait_for_url("**/print/")
    board.emulate_media(media="print")
    assert "陈光荣" not in board.content()
    shot(board, "9-print-version")
