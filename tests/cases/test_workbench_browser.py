"""A caseworker's day from the workbench, in a real browser (Debian's Chromium, 1366 px wide): find the
person with the quick search (by name, then by full ID number sent by POST), open them, file a
benefit claim with 新建案件 and attach a document — clicks only — see it on the person's page and
the workbench. (The rest of the claim's day — intake, verification, the approver's decision waiting
and the approval — is walked in ``tests/test_day_in_the_browser.py``.)

Screenshots of every step go to ``var/screenshots/workbench/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from cases.models import Case
from subjects import ids
from tests.cases.test_browser import CHROMIUM, browser, server, session_cookie  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "workbench"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def office(make_user: Any) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    from tests.cases.conftest import new_id, restore_demo_divisions

    connection.close()  # another walk's server may have ended this worker's sessions
    restore_demo_divisions()
    from subjects.actions import do_register_subject
    from subjects.models import Category

    return {
        "caseworker": make_user("caseworker", "caseworker", full_name="张经办"),
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


def page_as(browser: Any, user: Any, base: str) -> Any:  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_cookies([session_cookie(user, base)])
    return context.new_page()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_caseworker_files_a_claim_from_the_workbench_search(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    office: dict[str, Any],
) -> None:
    base, subject = server, office["subject"]
    page = page_as(browser, office["caseworker"], base)
    page.goto(f"{base}/")  # the only typed address
    assert "工作台" in page.inner_text("h1")
    shot(page, "01-caseworker-workbench")

    # The quick search by name ...
    page.fill("#id_q", "赵大勇")
    page.click("#quick-search button[type=submit]")
    people = page.inner_text("#panel-people")
    assert "赵大勇" in people and subject.id_number_masked in people
    shot(page, "02-search-by-name")

    # ... and by full ID number: posted, so the number is in no URL.
    page.click("text=返回工作台")
    number = ids.decrypt(subject.id_number_encrypted)
    page.fill("#id_q", number)
    page.click("#quick-search button[type=submit]")
    assert number not in page.url
    assert "赵大勇" in page.inner_text("#panel-people")
    assert number not in page.content()
    shot(page, "03-search-by-id-number")

    # The person's page, then 新建案件.
    page.click("#panel-people >> text=赵大勇")
    page.wait_for_url(f"**/subjects/{subject.pk}/")
    assert "岁" in page.inner_text("#section-identity")
    shot(page, "04-person-page")
    page.click("#new-case")
    page.wait_for_url("**/cases/new/?subject=*")
    page.select_option("#id_kind", "benefit_claim")
    page.check("input[name=departments][value=public_security]")
    page.select_option("#id_benefit_type", "state_subsidy")
    page.select_option("#id_benefit_change", "add")
    page.fill("#id_benefit_amount", "320")
    page.fill("#id_title", "申请定期抚恤补助")
    shot(page, "05-filing-form")
    page.get_by_role("button", name="提交立案").click()
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(subject=subject)
    assert case.number in page.inner_text("h1")

    # The document, attached on the case's page.
    page.set_input_files(
        "#documents input[type=file]", files=[{"name": "退役证.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("#documents button[type=submit]")
    assert "退役证.pdf" in page.inner_text("#documents")
    page.click("#open-tasks button:has-text('签收')")  # claimed: the intake review is now the caseworker's task
    shot(page, "06-case-filed")

    # Back to the person: the case is listed; the workbench lists the task.
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("#case-person")
    page.wait_for_url(f"**/subjects/{subject.pk}/")
    assert case.number in page.inner_text("#panel-cases")
    shot(page, "07-person-with-case")
    page.click("a.brand")
    assert case.number in page.inner_text("#panel-my-tasks")
    shot(page, "08-workbench-with-task")
