"""A county office's day in a real browser (Debian's Chromium, 1366 px wide, PostgreSQL only), by
clicks alone after each role's first page:

the caseworker finds the person with the workbench's quick search (full ID number, posted), opens
them, files a benefit claim with 新建案件, attaches a scan and accepts it at intake review (受理) from
the task in their inbox; the liaison verifies it from the department's queue; the approver opens the
approval task from the workbench, sees the scan inside the task, writes the findings (经查明) and
approves; the auditor finds the case with the quick search and reads its whole story — filing,
verification, approval — through the case page's audit link, in Chinese and by people's names.

No page logs a console error and nothing is loaded from outside. Screenshots of every step go to
``var/screenshots/day/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection

from cases.models import Case, Status
from subjects import ids
from tests.audit.conftest import audit_paths  # noqa: F401 - fixture: audit keys in a temporary directory
from tests.cases.test_browser import CHROMIUM, browser, server, session_cookie  # noqa: F401 - fixtures
from tests.cases.test_browser_task_material import scan_png

SHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots" / "day"
WIDTH = 1366
LOCAL = {"127.0.0.1", "localhost"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser walks run on PostgreSQL only"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def office(make_user: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """The county's four roles by their real names, and the person who comes to the office."""
    from subjects.actions import do_register_subject
    from subjects.models import Category
    from tests.cases.conftest import new_id, restore_demo_divisions

    connection.close()  # another walk's server may have ended this worker's sessions
    restore_demo_divisions()
    settings.LAUREL_ATTACHMENT_DIR = tmp_path / "attachments"
    return {
        "caseworker": make_user("caseworker", "caseworker", full_name="张经办"),
        "liaison": make_user("liaison_ps", "liaison", department="public_security", full_name="李核查"),
        "approver": make_user("approver", "approver", full_name="王审批"),
        "auditor": make_user("auditor_county", "auditor", full_name="刘审计"),
        "subject": do_register_subject(
            division="440106",
            id_number=new_id(),
            name="赵大勇",
            actor=None,
            category=Category.RETIRED_SOLDIER,
            phone="13900001111",
            hukou_address="天河路 1 号",
        ),
    }


class Watch:
    """What every page of the walk did wrong: console errors, failed responses, outside requests."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def page_as(self, browser: Any, user: Any, base: str) -> Any:  # noqa: F811
        context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 900})
        context.add_cookies([session_cookie(user, base)])
        page = context.new_page()
        page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"script: {e}"))
        page.on("request", self.local_only)
        page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        return page

    def local_only(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in LOCAL:
            self.problems.append(f"outside request: {request.url}")


def shot(page: Any, n: int, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{n:02d}-{step}.png"), full_page=True)


def test_a_claim_goes_from_the_workbench_search_to_the_auditors_trail_by_clicks_in_the_browser(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    office: dict[str, Any],
) -> None:
    base, subject, watch = server, office["subject"], Watch()

    # The caseworker: the workbench, the person by full ID number (posted, in no URL).
    page = watch.page_as(browser, office["caseworker"], base)
    page.goto(f"{base}/")  # the caseworker's only typed address
    assert "工作台" in page.inner_text("h1")
    shot(page, 1, "caseworker-workbench")
    number = ids.decrypt(subject.id_number_encrypted)
    page.fill("#id_q", number)
    page.click("#quick-search button[type=submit]")
    assert "赵大勇" in page.inner_text("#panel-people")
    assert number not in page.url and number not in page.content()
    shot(page, 2, "search-by-id-number")

    # The person's page, 新建案件, the claim.
    page.click("#panel-people >> text=赵大勇")
    page.wait_for_url(f"**/subjects/{subject.pk}/")
    shot(page, 3, "person-page")
    page.click("#new-case")
    page.wait_for_url("**/cases/new/?subject=*")
    page.select_option("#id_kind", "benefit_claim")
    page.check("input[name=departments][value=public_security]")
    page.select_option("#id_benefit_type", "state_subsidy")
    page.select_option("#id_benefit_change", "add")
    page.fill("#id_benefit_amount", "320")
    page.fill("#id_title", "申请定期抚恤补助")
    shot(page, 4, "filing-form")
    page.get_by_role("button", name="提交立案").click()
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(subject=subject)
    assert case.number in page.inner_text("h1")

    # The scan of the household register, attached on the case's page; the intake review claimed.
    page.set_input_files(
        "#documents input[type=file]", files=[{"name": "户口簿.png", "mimeType": "image/png", "buffer": scan_png()}]
    )
    page.click("#documents button[type=submit]")
    assert "户口簿.png" in page.inner_text("#documents")
    shot(page, 5, "case-filed-with-scan")
    page.click("#open-tasks button:has-text('签收')")  # claimed: the intake review is the caseworker's now
    page.wait_for_selector("#task-form")

    # Intake review (受理) from the task in the caseworker's inbox (the workbench's open tasks).
    page.click("a.brand")
    page.click(f"#panel-my-tasks tr:has-text('{case.number}') >> text=打开")
    page.wait_for_selector("#task-form")
    assert "户口簿.png" in page.inner_text("#task-documents")
    page.check("input[name=intake_decision][value=accept]")
    shot(page, 6, "intake-review-accept")
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/cases/inbox/")
    case.refresh_from_db()
    assert case.status == Status.VERIFYING

    # The liaison: the department's queue on the workbench, the verification task.
    page = watch.page_as(browser, office["liaison"], base)
    page.goto(f"{base}/")  # the liaison's only typed address
    assert case.number in page.inner_text("#panel-department-queue")
    shot(page, 7, "liaison-workbench")
    page.click(f"#panel-department-queue tr:has-text('{case.number}') >> text=打开")
    page.wait_for_selector("#task-form")
    page.check("input[name=result][value=confirmed]")
    page.fill("#id_note", "户籍信息一致")
    shot(page, 8, "verification")
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/cases/inbox/")
    case.refresh_from_db()
    assert case.status == Status.PENDING_APPROVAL

    # The approver: the decision waiting on the workbench, the scan inside the approval task.
    page = watch.page_as(browser, office["approver"], base)
    page.goto(f"{base}/")  # the approver's only typed address
    decisions = page.inner_text("#panel-decisions")
    assert case.number in decisions and "赵大勇" in decisions
    shot(page, 9, "approver-workbench")
    page.click(f"#panel-decisions tr:has-text('{case.number}') >> text=打开")
    page.wait_for_selector("#task-form")
    assert "赵大勇" in page.inner_text("#task-person")
    assert "户籍信息一致" in page.inner_text("#task-verifications")
    scan = page.locator("#task-documents img.preview")
    scan.scroll_into_view_if_needed()
    # Polled from here: wait_for_function's in-page polling evaluates a string, which the CSP forbids.
    for _ in range(100):
        if page.locator("#task-documents img.preview").evaluate("img => img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert scan.is_visible() and scan.evaluate("img => img.naturalWidth") == 480
    page.check("input[name=decision][value=approve]")
    page.fill("#id_findings", "经查明，申请人赵大勇系退役士兵，户籍在本区，现无固定收入，符合享受条件。")
    # The legal basis is picked from the policy base, never typed.
    assert page.locator("#id_citations").count() == 1
    if page.locator("#id_citations option").count():
        page.select_option("#id_citations", index=0)
    shot(page, 10, "approval-task-with-scan")
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/cases/inbox/")
    case.refresh_from_db()
    assert case.status == Status.CLOSED

    # The auditor: the case by its number in the quick search, then the case page's audit link.
    page = watch.page_as(browser, office["auditor"], base)
    page.goto(f"{base}/")  # the auditor's only typed address
    page.fill("#id_q", case.number)
    page.click("#quick-search button[type=submit]")
    page.click(f"#panel-cases >> text={case.number}")
    page.wait_for_url(f"**/cases/{case.pk}/")
    assert "已结案" in page.inner_text("#case-status")
    shot(page, 11, "auditor-case-page")
    page.click("text=本案审计记录")
    page.wait_for_url(f"**/audit/objects/cases.case/{case.pk}/")
    rows = page.locator("table.audit-events tbody tr")
    for event, who in (
        ("立案", "张经办 经办人"),  # filed
        ("已提交 → 部门核查", "张经办 经办人"),  # accepted at intake review
        ("记录部门核查结果", "李核查 部门联络员"),  # verified
        ("待审批 → 已批准", "王审批 审批人"),  # approved
    ):
        row = " ".join(rows.filter(has_text=event).first.inner_text().split())
        assert who in row, (event, row)
    trail = page.inner_text("table.audit-events")
    for raw in ("caseworker", "liaison_ps", "approver", "case.filed", "pending_approval"):
        assert raw not in trail, raw  # usernames and codes stay in the folded raw record
    shot(page, 12, "audit-trail")

    assert not watch.problems, watch.problems
