"""The auditor's trail and the case page in a real browser (Debian's Chromium) at 1366 px wide.

Screenshots go to var/screenshots/ for a reviewer to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from cases.models import Case
from tests.cases.conftest import (  # noqa: F401 -- pytest finds fixtures by name
    approver,
    file_case,
    liaison_ca,
    liaison_ps,
    make_subject,
    restore_demo_divisions,
    subject,
    walk,
)
from tests.cases.test_browser import CHROMIUM, browser, server, session_cookie  # noqa: F401

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTH = 1366

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _revive_connection() -> None:
    """The other browser test's live server ends the database sessions it left behind, and can take
    this thread's with them: reconnect if so."""
    from django.db import connection
    from django.db.utils import InterfaceError, OperationalError

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError):
        try:
            connection.close()
        except (OperationalError, InterfaceError):
            connection.connection = None


@pytest.fixture(autouse=True)
def divisions(transactional_db: Any) -> Any:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a browser walk: runs on PostgreSQL only (set DATABASE_URL)")
    _revive_connection()
    restore_demo_divisions()
    yield
    _revive_connection()


def page_as(browser: Any, user: User, base: str) -> tuple[Any, list[str]]:  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 900})
    context.add_cookies([session_cookie(user, base)])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    # A missing resource is named by its address (the browser's own favicon request aside).
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page, errors


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= WIDTH)


@pytest.fixture
def story(
    make_user: Callable[..., User],
    caseworker: User,
    file_case: Callable[..., Case],  # noqa: F811
    walk: Any,  # noqa: F811
) -> dict[str, Any]:
    """A case in verification filed by 张经办, and the county's auditor 刘审计 (made before the browser starts)."""
    caseworker.first_name = "张经办"
    caseworker.save(update_fields=["first_name"])
    return {
        "case": walk.intake(file_case()),
        "caseworker": caseworker,
        "auditor": make_user("auditor_county", "auditor", full_name="刘审计"),
    }


def test_the_auditor_reads_a_cases_trail_at_1366_px_and_the_case_page_shows_its_step(
    story: dict[str, Any],
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Inside the browser's event loop the ORM may be handed a session the other browser test ended.
    _revive_connection()
    case, caseworker, auditor = story["case"], story["caseworker"], story["auditor"]

    page, errors = page_as(browser, auditor, server)
    page.goto(f"{server}/cases/{case.pk}/")
    page.click("text=本案审计记录")
    page.wait_for_url(f"**/audit/objects/cases.case/{case.pk}/")
    table = page.inner_text("table.audit-events")
    assert f"案件 {case.number}" in table and "张经办" in table and "立案" in table
    assert "case.filed" not in table  # the raw record stays folded
    page.click("table.audit-events details summary >> nth=0")
    assert "case.filed" in page.inner_text("table.audit-events")
    page.screenshot(path=str(SCREENSHOTS / "audit-case-trail-1366.png"), full_page=True)
    assert fits(page), "the auditor's table is wider than 1366 px"

    page.goto(f"{server}/audit/")
    page.fill("#id_case", case.number)
    page.click("form[method=get] button[type=submit]")
    page.wait_for_selector("table.audit-events")
    page.screenshot(path=str(SCREENSHOTS / "audit-search-by-case-1366.png"), full_page=True)
    assert fits(page)
    assert not [e for e in errors if "favicon" not in e and "Failed to load resource" not in e], errors

    page, errors = page_as(browser, caseworker, server)
    page.goto(f"{server}/cases/{case.pk}/")
    assert page.inner_text(".stepper li.current").startswith("2. 核查")
    page.screenshot(path=str(SCREENSHOTS / "case-stepper-1366.png"), full_page=True)
    page.click("text=撤回案件…")
    page.wait_for_url(f"**/cases/{case.pk}/withdraw/")
    page.screenshot(path=str(SCREENSHOTS / "case-withdraw-confirm-1366.png"), full_page=True)
    assert not [e for e in errors if "favicon" not in e and "Failed to load resource" not in e], errors
