"""A grievance decided and appealed to 复查 in a real browser (Debian's Chromium, PostgreSQL only): the
county decides, records the petitioner's 复查 request inside the window shown, and the city (the
level above) finds the task in its queue and answers with the 复查意见书.

Screenshots go to ``var/screenshots/petitions/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "petitions"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    yield  # the live server runs on the real clock


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()  # another walk's server may have ended this worker's sessions
    from petitions.actions import do_register_petition
    from policies.actions import do_load_policy_articles
    from policies.data import SHIPPED_ARTICLES
    from subjects.actions import do_register_subject
    from subjects.models import Category
    from tests.cases.conftest import new_id, restore_demo_divisions

    restore_demo_divisions()
    do_load_policy_articles(SHIPPED_ARTICLES, actor=None)
    caseworker = make_user("caseworker", "caseworker", full_name="张经办")
    subject = do_register_subject(
        division="440106", id_number=new_id(), name="赵大勇", actor=None, category=Category.RETIRED_SOLDIER
    )
    case = do_register_petition(
        subject,
        actor=caseworker,
        channel="visit",
        request="请求补发退役军人优待证",
        facts="2025年3月申领，至今未收到",
        reasons="本人符合申领条件",
        accept_now=True,
    )
    return {
        "caseworker": caseworker,
        "city": make_user("city_worker", "caseworker", "4401", full_name="王市信访"),
        "case": case,
    }


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_decided_grievance_is_appealed_to_review_and_the_city_answers(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    people: dict[str, Any],
) -> None:
    from petitions.models import Review

    case = people["case"]
    page = page_as(browser, people["caseworker"], server)
    page.goto(f"{server}/")
    page.click("#nav-queue")
    page.click(f"#task-list tr:has-text('{case.number}') >> text=打开")
    page.wait_for_url(f"**/cases/{case.pk}/")
    page.click("#petition-decide")
    page.check("input[name=opinion][value=not_support]")
    page.fill("#id_facts", "经核实，信访人已于2025年5月领取优待证")
    page.fill("#id_reasons", "优待证已发放，不予重复补发")
    page.check("#petition-form label:has-text('第三十二条') input")
    page.click("#petition-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "复查申请期限" in page.inner_text("#petition-reviews")
    shot(page, "review-1-decided")

    page.click("#petition-request_review")
    assert "复查机关" in page.inner_text("#review-window")
    page.check("input[name=level][value=re_review]")
    page.fill("#id_grounds", "本人从未领取优待证，签收记录非本人签字")
    page.click("#petition-form button[type=submit]")
    assert "第三十五条" in page.inner_text("#petition-form .errorlist")  # 复核 before 复查
    shot(page, "review-2-re-review-refused")
    page.check("input[name=level][value=review]")
    page.click("#petition-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "答复期限" in page.inner_text("#petition-reviews")
    assert page.locator("#petition-answer_review").count() == 0  # the county does not answer its own review
    shot(page, "review-3-requested")

    city = page_as(browser, people["city"], server)
    city.goto(f"{server}/")
    city.click("#nav-queue")
    city.click(f"#task-list tr:has-text('{case.number}') >> text=打开")
    city.wait_for_url(f"**/cases/{case.pk}/")
    assert "2025年3月申领" in city.inner_text("main")  # the whole earlier file
    shot(city, "review-4-city-sees-the-file")
    city.click("#petition-answer_review")
    city.check("input[name=outcome][value=revoke]")
    city.fill("#id_facts", "签收记录的签名与信访人笔迹不符，原认定事实不清")
    city.fill("#id_reasons", "撤销原处理意见，由原办理机关重新办理")
    city.check("#petition-form label:has-text('第三十五条') input")
    shot(city, "review-5-answer")
    city.click("#petition-form button[type=submit]")
    city.wait_for_url("**/cases/*/")
    reviews = city.inner_text("#petition-reviews")
    assert "撤销" in reviews and "复核申请期限" in reviews
    shot(city, "review-6-answered")
    review = Review.objects.get()
    assert review.outcome == "revoke" and review.body_id == "4401"

    city.click("text=决定文书")
    city.wait_for_url("**/letters/**")
    assert "复查意见书" in city.inner_text("main")
    shot(city, "review-7-letters")
