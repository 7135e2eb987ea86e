"""A grievance registered at the city (广州市) and forwarded to a county (天河区), which signs for it (签收),
in a real browser (Debian's Chromium, PostgreSQL only), by clicks from the workbench.

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
    from subjects.actions import do_register_subject
    from subjects.models import Category
    from tests.cases.conftest import new_id, restore_demo_divisions

    restore_demo_divisions()
    return {
        "city": make_user("city_office", "caseworker", "4401", full_name="王转办"),
        "county": make_user("county_office", "caseworker", "440106", full_name="陈签收"),
        "subject": do_register_subject(
            division="440106", id_number=new_id(), name="钱有理", actor=None, category=Category.RETIRED_SOLDIER
        ),
    }


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_grievance_registered_at_the_city_is_forwarded_to_the_county_and_signed_for(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    people: dict[str, Any],
) -> None:
    from petitions.models import Petition

    # The city's petition office registers the matter from its workbench.
    page = page_as(browser, people["city"], server)
    page.goto(f"{server}/")
    page.click("#register-petition")
    page.fill("#id_name", "钱有理")
    page.click("button[type=submit].primary")
    page.click("#people >> text=为此人登记")
    page.wait_for_url("**/petitions/register/?subject=*")
    page.select_option("#id_channel", "letter")
    page.fill("#id_request", "请求落实退役安置待遇")
    page.fill("#id_facts", "2024年退役后未落实安置")
    page.fill("#id_reasons", "符合安置政策")
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "已登记，待受理" in page.inner_text("#petition-stage")

    # It forwards the matter to 天河区 as lead body, 越秀区 assisting.
    page.click("#petition-forward")
    page.select_option("#id_division", "440106")
    page.check("#petition-form label:has-text('越秀区') input")
    page.fill("#id_note", "请依法办理并按期答复")
    shot(page, "forward-1-form")
    page.click("#petition-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "已转送，待签收" in page.inner_text("#petition-stage")
    routing = page.inner_text("#petition-routing")
    assert "天河区" in routing and "签收期限" in routing and "异议期限" in routing
    assert "越秀区" in page.inner_text("#petition-assisting")
    assert page.locator("#petition-acknowledge").count() == 0  # the 签收 is the county's
    shot(page, "forward-2-forwarded")

    # The county finds the 签收 in its team queue and signs for the matter.
    county = page_as(browser, people["county"], server)
    county.goto(f"{server}/")
    county.click("#wb-queue")
    county.wait_for_url("**/cases/inbox/**")
    assert "签收或提出异议" in county.inner_text("#task-list")
    shot(county, "forward-3-county-queue")
    county.click("#task-list tr:has-text('签收或提出异议') >> text=打开")
    county.wait_for_url("**/cases/*/")
    assert county.locator("#petition-object").count() == 1
    county.click("#petition-acknowledge")
    county.click("#petition-form button[type=submit]")
    county.wait_for_url("**/cases/*/")
    assert "已受理，办理中" in county.inner_text("#petition-stage")
    assert "签收日期" in county.inner_text("#petition-routing")
    assert "办理期限" in county.inner_text("#petition-deadlines")
    shot(county, "forward-4-signed")

    petition = Petition.objects.get()
    assert petition.routing_division_id == "4401" and petition.receiving_division_id == "440106"
    assert petition.acknowledged_on is not None and petition.assisting == ["440104"]
