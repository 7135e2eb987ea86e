"""The demo's promise, in a real browser (headless Chromium): a caseworker files a benefit claim,
a liaison verifies it, an approver approves it, the register is updated and the case closed —
all through the pages, in Chinese."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cases.models import Case, Status
from subjects.models import Benefit

from .conftest import restore_demo_divisions

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
]


def session_cookie(user: Any, url: str) -> dict[str, Any]:
    """A signed-in session (two-factor verified) as a browser cookie."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}


@pytest.fixture
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM runs beside Playwright's event loop
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
            # Inside ``sync_playwright()`` the test runs beside a running asyncio loop, in a greenlet
            # with its own contextvars; Django keeps connections in an asgiref ``Local``, so ORM calls
            # made there open a second database session (another connection object, another
            # backend pid) that outlives the block. Left open, the ``server`` fixture's clean-up
            # terminates it while Django still holds it, and the next browser walk in the same
            # process fails on a closed connection (and the test database cannot be dropped).
            # Close those sessions here, inside the loop's context, before the server's clean-up.
            from django.db import connections

            connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def server() -> Any:
    """A live server for this test only (pytest-django's is session-wide and keeps a connection open
    past the test database's teardown on PostgreSQL)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("localhost", StaticFilesHandler, connections_override={}, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
    # Chromium's keep-alive connections can leave a request thread (and its database session)
    # behind the server; end them so the test database can be dropped at the end of the run.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    restore_demo_divisions()
    from subjects.actions import do_register_subject
    from subjects.models import Category

    from .conftest import new_id

    return {
        "caseworker": make_user("caseworker", "caseworker"),
        "liaison": make_user("liaison_ps", "liaison", department="public_security"),
        "approver": make_user("approver", "approver"),
        "subject": do_register_subject(
            division="440106", id_number=new_id(), name="赵大勇", actor=None, category=Category.RETIRED_SOLDIER
        ),
    }


def page_as(browser: Any, user: Any, base: str) -> Any:
    context = browser.new_context(locale="zh-CN")
    context.add_cookies([session_cookie(user, base)])
    return context.new_page()


def test_caseworker_liaison_and_approver_take_a_claim_to_the_database_in_the_browser(server, browser, people):
    base = server
    subject = people["subject"]

    page = page_as(browser, people["caseworker"], base)
    page.goto(f"{base}/cases/new/?subject={subject.pk}")
    page.select_option("#id_kind", "benefit_claim")
    page.fill("#id_title", "申请定期抚恤补助")
    page.check("input[name=departments][value=public_security]")
    page.select_option("#id_benefit_type", "state_subsidy")
    page.select_option("#id_benefit_change", "add")
    page.fill("#id_benefit_amount", "320")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/cases/*/")
    assert "已提交" in page.inner_text("#case-status")
    page.click("#open-tasks >> text=办理")
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/cases/inbox/")
    case = Case.objects.get()
    assert case.status == Status.VERIFYING

    page = page_as(browser, people["liaison"], base)
    page.goto(f"{base}/cases/inbox/?scope=queue")
    assert case.number in page.inner_text("#task-list")
    page.click("#task-list >> text=打开")
    page.check("input[name=result][value=confirmed]")
    page.fill("#id_note", "户籍信息一致")
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/cases/inbox/")

    page = page_as(browser, people["approver"], base)
    page.goto(f"{base}/cases/{case.pk}/")
    assert "待审批" in page.inner_text("#case-status")
    page.click("#open-tasks >> text=办理")
    page.check("input[name=decision][value=approve]")
    page.fill("#id_findings", "经核查，申请人系退役士兵，现无固定收入，符合享受条件。")
    assert page.locator("#id_citations").count() == 1  # the legal basis is picked from the policy base
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/cases/inbox/")
    page.goto(f"{base}/cases/{case.pk}/")
    assert "已结案" in page.inner_text("#case-status")
    timeline = page.inner_text("#timeline")
    for step in ("已提交 → 部门核查", "登记核查结果", "待审批 → 已批准", "数据库已更新", "已结案"):
        assert step in timeline, step
    assert Benefit.objects.get(subject=subject).source_ref == case.number
