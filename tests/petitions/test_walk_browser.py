"""One grievance from the city's petition office to the petitioner's rating, in a real browser (Debian's
Chromium, PostgreSQL only), by links and buttons from each person's workbench:

the city (广州市) registers the matter and forwards it to the county (天河区) as lead body, 越秀区
assisting; the county finds the 签收 in its queue and signs for it; it decides (不予支持) with the
article it rests on; it records the petitioner's 复查 request (a 复核 first is refused, Art. 35); the city,
the level above, finds the 复查 in its queue, sees the whole earlier file and upholds the opinion with its
复查意见书; the county records the petitioner's rating from the call-back (回访): a 差评, which opens a
rectification (整改) the county reports on, and the petitioner's rating of it; the city records a
suggestion (Art. 41) on its suggestions page.

Screenshots of every stage go to ``var/screenshots/petitions/walk-*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)
from tests.petitions.conftest import shot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def test_a_grievance_goes_from_the_city_to_the_county_up_to_review_and_is_rated(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    offices: dict[str, Any],
) -> None:
    from cases.models import Rating
    from petitions.models import Petition, Rectification, Review

    # The city's petition office registers the matter from its workbench.
    city = page_as(browser, offices["city"], server)
    city.goto(f"{server}/")
    city.click("#register-petition")
    city.fill("#id_name", "赵大勇")
    city.click("button[type=submit].primary")
    city.click("#people >> text=为此人登记")
    city.wait_for_url("**/petitions/register/?subject=*")
    city.select_option("#id_channel", "letter")
    city.fill("#id_request", "请求补发退役军人优待证")
    city.fill("#id_facts", "2025年3月申领，至今未收到")
    city.fill("#id_reasons", "本人符合申领条件")
    city.click("#register-form button[type=submit]")
    city.wait_for_url("**/cases/*/")
    assert "已登记，待受理" in city.inner_text("#petition-stage")
    shot(city, "walk-1-registered")

    # It forwards the matter to 天河区 as lead body, 越秀区 assisting; the 签收 is the county's.
    city.click("#petition-forward")
    city.select_option("#id_division", "440106")
    city.check("#petition-form label:has-text('越秀区') input")
    city.fill("#id_note", "请依法办理并按期答复")
    shot(city, "walk-2-forward-form")
    city.click("#petition-form button[type=submit]")
    city.wait_for_url("**/cases/*/")
    assert "已转送，待签收" in city.inner_text("#petition-stage")
    routing = city.inner_text("#petition-routing")
    assert "天河区" in routing and "签收期限" in routing and "异议期限" in routing
    assert "越秀区" in city.inner_text("#petition-assisting")
    assert city.locator("#petition-acknowledge").count() == 0
    shot(city, "walk-3-forwarded")
    number = Petition.objects.select_related("case").get().case.number

    # The county finds the 签收 in its team queue and signs for the matter: the handling clock starts.
    county = page_as(browser, offices["county"], server)
    county.goto(f"{server}/")
    county.click("#wb-queue")
    county.wait_for_url("**/cases/inbox/**")
    assert "签收或提出异议" in county.inner_text("#task-list")
    shot(county, "walk-4-county-queue")
    county.click("#task-list tr:has-text('签收或提出异议') >> text=打开")
    county.wait_for_url("**/cases/*/")
    assert county.locator("#petition-object").count() == 1
    county.click("#petition-acknowledge")
    county.click("#petition-form button[type=submit]")
    county.wait_for_url("**/cases/*/")
    assert "已受理，办理中" in county.inner_text("#petition-stage")
    assert "签收日期" in county.inner_text("#petition-routing")
    assert "办理期限" in county.inner_text("#petition-deadlines")
    shot(county, "walk-5-signed")

    # The county decides, citing the article; the 复查 window is shown.
    county.click("#petition-decide")
    county.check("input[name=opinion][value=not_support]")
    county.fill("#id_facts", "经核实，信访人已于2025年5月领取优待证")
    county.fill("#id_reasons", "优待证已发放，不予重复补发")
    county.check("#petition-form label:has-text('第三十二条') input")
    county.click("#petition-form button[type=submit]")
    county.wait_for_url("**/cases/*/")
    assert "已出具处理意见" in county.inner_text("#petition-stage")
    assert "复查申请期限" in county.inner_text("#petition-reviews")
    shot(county, "walk-6-decided")

    # It records the petitioner's request: a 复核 first is refused (Art. 35), the 复查 goes to the city.
    county.click("#petition-request_review")
    assert "复查机关" in county.inner_text("#review-window")
    county.check("input[name=level][value=re_review]")
    county.fill("#id_grounds", "本人从未领取优待证，签收记录非本人签字")
    county.click("#petition-form button[type=submit]")
    assert "第三十五条" in county.inner_text("#petition-form .errorlist")
    shot(county, "walk-7-re-review-refused")
    county.check("input[name=level][value=review]")
    county.click("#petition-form button[type=submit]")
    county.wait_for_url("**/cases/*/")
    assert "答复期限" in county.inner_text("#petition-reviews")
    assert county.locator("#petition-answer_review").count() == 0  # the county does not answer its own review
    shot(county, "walk-8-review-requested")

    # The city finds the 复查 in its queue, sees the whole earlier file and upholds the opinion.
    city.click("#nav-queue")
    city.click(f"#task-list tr:has-text('{number}') >> text=打开")
    city.wait_for_url("**/cases/*/")
    assert "2025年3月申领" in city.inner_text("main")
    city.click("#petition-answer_review")
    city.check("input[name=outcome][value=uphold]")
    city.fill("#id_facts", "经调取签收记录，信访人本人签领优待证属实")
    city.fill("#id_reasons", "原处理意见认定事实清楚，予以维持")
    city.check("#petition-form label:has-text('第三十五条') input")
    shot(city, "walk-9-review-answer")
    city.click("#petition-form button[type=submit]")
    city.wait_for_url("**/cases/*/")
    reviews = city.inner_text("#petition-reviews")
    assert "维持" in reviews and "复核申请期限" in reviews
    shot(city, "walk-10-review-answered")
    city.click("text=决定文书")
    city.wait_for_url("**/letters/**")
    letters = city.inner_text("main")
    assert "信访处理意见书" in letters and "复查意见书" in letters

    # The county calls the petitioner back (回访): rated poorly (差评), which opens the rectification (整改).
    county.reload()
    county.check("#callback-rating-form input[name=score][value='2']")
    county.fill("#callback-rating-form textarea[name=comment]", "答复未解释签收记录的来源")
    shot(county, "walk-11-callback")
    county.click("#record-rating")
    county.wait_for_url("**/cases/*/")
    assert "2 / 5" in county.inner_text("#case-ratings")
    assert "整改期限" in county.inner_text("#petition-rectification")
    shot(county, "walk-12-rated-poorly")
    county.click("#petition-rectify")
    county.fill("#id_report", "已调取签收记录原件并当面向信访人说明")
    county.click("#petition-form button[type=submit]")
    county.wait_for_url("**/cases/*/")
    assert "已调取签收记录原件" in county.inner_text("#petition-rectification")
    # The petitioner rates the rectification on the next call-back.
    county.check("#callback-rating-form input[name=score][value='4']")
    county.click("#record-rating")
    county.wait_for_url("**/cases/*/")
    assert "4 / 5" in county.inner_text("#case-ratings")
    shot(county, "walk-13-rectified-and-rated")

    # The city records a suggestion the matter prompted (Art. 41), from its menu.
    city.click("#nav-suggestions")
    city.wait_for_url("**/petitions/suggestions/")
    city.fill("#id_addressed_to", "广州市退役军人事务局优抚科")
    city.fill("#id_subject", "优待证签领记录留存")
    city.fill("#id_text", "建议优待证发放时留存本人签领记录的影像，以便核查")
    city.click("#suggestion-form button[type=submit]")
    city.wait_for_url("**/petitions/suggestions/")
    assert "优待证签领记录留存" in city.inner_text("#suggestions")
    shot(city, "walk-14-suggestions")

    petition = Petition.objects.get()
    assert petition.routing_division_id == "4401" and petition.receiving_division_id == "440106"
    assert petition.acknowledged_on is not None and petition.assisting == ["440104"]
    review = Review.objects.get()
    assert review.outcome == "uphold" and review.body_id == "4401"
    assert list(Rating.objects.filter(case=petition.case).values_list("round", "score")) == [(0, 2), (1, 4)]
    assert Rectification.objects.get(petition=petition).done_on is not None
