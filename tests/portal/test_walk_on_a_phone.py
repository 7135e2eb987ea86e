"""A veteran with only a phone follows their grievance in Debian's Chromium (phone-sized, portrait).

A walk-in grievance is registered, accepted (its 受理告知书 issued) and decided. From the staff
sign-in page's link the person enters the 查询码 from the registration text and the ID suffix,
reads the one-time code from the SMS log, sees the case, downloads the 受理告知书 and rates the
handling. Screenshots go to ``var/screenshots/portal/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from cases.models import Case
from tests.cases.test_browser import CHROMIUM, browser, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "portal"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def on_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    from tests.cases.conftest import restore_demo_divisions

    connection.close()
    restore_demo_divisions()


@pytest.fixture
def decided(on_postgres: None, person: Any, caseworker: Any, texts: Any, letterhead: Any) -> tuple[Case, str]:
    """A grievance accepted and decided, its notices rendered (before the browser starts: signing
    runs its own event loop)."""
    import datetime as dt

    from letters.models import Letter
    from letters.tasks import render_letter
    from petitions import actions
    from policies.models import PolicyArticle, PolicyDocument

    document = PolicyDocument.objects.create(title="信访工作条例", kind="regulation")
    article = PolicyArticle.objects.create(
        document=document,
        number="第三十二条",
        text="对信访人提出的……予以支持。",
        version=1,
        effective_on=dt.date(2022, 5, 1),
    )
    case = actions.do_register_petition(
        person, actor=caseworker, channel="visit", request="补发优待证", facts="申领后未收到", reasons="符合条件"
    )
    case = actions.do_accept(case, actor=caseworker)
    case = actions.do_decide(
        case, actor=caseworker, opinion="support", facts="经查属实", reasons="符合条件", citations_=[article.pk]
    )
    for letter in Letter.objects.filter(case=case):
        render_letter.call(letter.pk)
    sent = [m for m in texts() if case.number in m["text"]]
    # The 查询码 at registration, and the invitation to rate the handling at the decision (回访 by SMS link).
    [registered] = [m for m in sent if "/track/" not in m["text"]]
    [invited] = [m for m in sent if "/track/" in m["text"]]
    assert "评价" in invited["text"]
    query_code = re.search(r"[A-Z2-9]{10}", registered["text"].replace(case.number, ""))
    assert query_code, registered["text"]
    return Case.objects.get(pk=case.pk), query_code.group(0)


def test_a_veteran_follows_downloads_and_rates_their_case_on_a_phone(
    decided: tuple[Case, str],
    person_id: str,
    last_code: Any,
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    case, query_code = decided

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{server}/accounts/login/")
    page.click("#public-tracking")
    page.fill("#id_case", query_code)
    page.fill("#id_id_last6", person_id[-6:])
    page.screenshot(path=str(SHOTS / "1-lookup.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_sms_code")
    page.fill("#id_sms_code", last_code())
    page.screenshot(path=str(SHOTS / "2-code.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_selector("text=办理经过")
    page.screenshot(path=str(SHOTS / "3-case.png"), full_page=True)
    assert case.number in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"

    with page.expect_download() as download:
        page.click("ul.notices a.button:has-text('受理告知书')")
    assert download.value.suggested_filename.endswith(".pdf")

    page.check("input[name=score][value='4']")
    page.fill("#id_comment", "办理及时，态度很好")
    page.click("form[action$='/track/rate/'] button[type=submit]")
    page.wait_for_selector("text=评价已记录")
    page.screenshot(path=str(SHOTS / "4-rated.png"), full_page=True)
    assert case.ratings.get().score == 4
    context.close()
