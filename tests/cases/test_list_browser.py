"""The case list in a real browser (headless Chromium, PostgreSQL): the caseworker sorts by a column,
pages forwards and back, and finds their filters again from the navigation. Screenshots in
var/screenshots/case-list/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from cases.models import Case

from .test_browser import CHROMIUM, browser, page_as, people, server  # noqa: F401 - fixtures

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "case-list"
DUE = dt.datetime(2026, 12, 20, 9, 0, tzinfo=dt.UTC)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser walks run on PostgreSQL only"),
]


def numbers(page: Any) -> list[str]:
    return [cell.strip() for cell in page.locator("#case-list tbody tr td:first-child").all_inner_texts()]


def test_the_caseworker_sorts_pages_both_ways_and_keeps_their_filters(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    people: dict[str, Any],  # noqa: F811
    monkeypatch: Any,
) -> None:
    from cases import actions

    monkeypatch.setattr("cases.views.PAGE_SIZE", 5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    kinds = ["benefit_claim", "grievance"]
    for n in range(12):
        extra: dict[str, Any] = (
            {"benefit_type": "state_subsidy", "benefit_change": "add", "benefit_amount": "320"} if n % 2 == 0 else {}
        )
        case = actions.do_file_case(
            people["subject"],
            kind=kinds[n % 2],
            title=f"第{n + 1}件：" + ("申请定期抚恤补助" if n % 2 == 0 else "反映待遇落实问题"),
            actor=people["caseworker"],
            departments=("public_security",),
            duplicate_action="continue",
            **extra,
        )
        Case.objects.filter(pk=case.pk).update(due_at=None if n % 5 == 4 else DUE + dt.timedelta(days=(n * 7) % 11))
    page = page_as(browser, people["caseworker"], server)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{server}/cases/")
    assert "共 12 件" in page.inner_text("#case-total")
    page.screenshot(path=str(SHOTS / "1-newest-first.png"), full_page=True)

    page.click("#sort-due")
    page.wait_for_url("**sort=due*")
    first = numbers(page)
    assert len(first) == 5
    page.screenshot(path=str(SHOTS / "2-by-due-date.png"), full_page=True)
    page.click("#page-next")
    page.wait_for_url("**after=*")
    second = numbers(page)
    page.screenshot(path=str(SHOTS / "3-by-due-date-page-2.png"), full_page=True)
    page.click("#page-next")
    third = numbers(page)
    assert len(third) == 2 and not page.locator("#page-next").count()
    page.screenshot(path=str(SHOTS / "4-by-due-date-last-page.png"), full_page=True)
    by_due = sorted(Case.objects.all(), key=lambda c: (c.due_at is None, c.due_at or DUE, c.pk))  # no due date: last
    assert first + second + third == [c.number for c in by_due]
    page.click("#page-previous")
    assert numbers(page) == second
    page.click("#page-previous")
    assert numbers(page) == first and not page.locator("#page-previous").count()

    page.click("#sort-number")
    page.click("#sort-number")  # a second click: descending
    assert numbers(page) == sorted((c.number for c in by_due), reverse=True)[:5]
    assert page.get_attribute("#case-list th:first-child", "aria-sort") == "descending"
    page.select_option("#id_kind", "grievance")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**kind=grievance*")
    page.screenshot(path=str(SHOTS / "5-grievances-by-number-descending.png"), full_page=True)
    page.goto(f"{server}/cases/inbox/")
    page.click("nav.mainnav a[href='/cases/']")  # back to the list from the navigation: the same filters
    page.wait_for_url("**/cases/")
    grievances = sorted((c.number for c in Case.objects.filter(kind="grievance")), reverse=True)
    assert numbers(page) == grievances[:5]
    assert "共 6 件" in page.inner_text("#case-total")
    page.screenshot(path=str(SHOTS / "6-remembered-filters.png"), full_page=True)
