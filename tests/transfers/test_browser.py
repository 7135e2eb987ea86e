"""A transfer across provinces in a real browser (Debian's Chromium), by clicks after each role's start
page: the 天河区 caseworker finds the person from the workbench, proposes the transfer from the person's
page; the 天河区 approver finds the step in the team queue (workbench → 待认领 → the step's row) and
approves it; the 北京市东城区 approver opens it from the navigation (跨地区转移 → 转入), reads the
summary of the person and accepts it.

Screenshots go to ``var/screenshots/transfers/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "transfers"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    yield  # the live server runs on the real clock


@pytest.fixture
def office(make_user: Any, make_subject: Any) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()  # another walk's server may have ended this worker's sessions
    from jurisdictions.models import Division
    from subjects.models import Category
    from tests.cases.conftest import restore_demo_divisions

    restore_demo_divisions()
    for code, name, parent in [("11", "北京市", "CN"), ("1101", "市辖区", "11"), ("110101", "东城区", "1101")]:
        Division.objects.get_or_create(code=code, defaults={"name": name, "level": len(code) // 2, "parent_id": parent})
    return {
        "caseworker": make_user("caseworker", "caseworker", "440106", full_name="张经办"),
        "approver": make_user("approver", "approver", "440106", full_name="赵审批"),
        "receiver": make_user("approver_bj", "approver", "110101", full_name="钱接收"),
        "subject": make_subject("440106", name="孙迁移", category=Category.RETIRED_SOLDIER),
    }


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_transfer_to_another_province_is_proposed_approved_and_accepted_by_clicks(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    office: dict[str, Any],
) -> None:
    from transfers.models import Status, Transfer

    base, subject = server, office["subject"]

    page = page_as(browser, office["caseworker"], base)
    page.goto(f"{base}/")  # the caseworker's only typed address
    page.fill("#id_q", "孙迁移")
    page.click("#quick-search button[type=submit]")
    page.click("#panel-people >> text=孙迁移")
    page.wait_for_url(f"**/subjects/{subject.pk}/")
    page.click("#propose-transfer")
    page.wait_for_url("**/transfers/new/*/")
    page.fill("#id_to", "999999")
    page.fill("#id_reason", "户籍迁往北京市东城区")
    page.click("#propose-submit")
    assert "999999" in page.inner_text("#transfer-errors")
    shot(page, "1-proposal-refused-unknown-division")
    page.fill("#id_to", "110101")
    page.click("#propose-submit")
    page.wait_for_url("**/transfers/*/")
    assert "待转出地审核" in page.inner_text("#transfer-status")
    shot(page, "2-proposed")

    approver = page_as(browser, office["approver"], base)
    approver.goto(f"{base}/")  # the approver's only typed address
    approver.click("#wb-queue")
    approver.wait_for_url("**/cases/inbox/?scope=queue")
    shot(approver, "3-approver-team-queue")
    approver.click("#task-list tr:has-text('东城区') a[href^='/transfers/']")
    approver.click("#transfer-release")
    approver.wait_for_url("**/transfers/*/")
    assert "待转入地接收" in approver.inner_text("#transfer-status")

    receiver = page_as(browser, office["receiver"], base)
    receiver.goto(f"{base}/")  # the receiving approver's only typed address
    receiver.click("#nav-transfers")
    receiver.click("#transfers-in")
    receiver.click("#transfer-list tr:has-text('孙迁移') a")
    summary = receiver.inner_text("#person-summary")
    assert "孙迁移" in summary and subject.id_number_masked in summary
    shot(receiver, "4-receiving-county-sees-the-summary")
    receiver.click("#transfer-accept")
    receiver.wait_for_url("**/transfers/*/")
    assert "已接收" in receiver.inner_text("#transfer-status")
    shot(receiver, "5-accepted")

    transfer = Transfer.objects.get()
    subject.refresh_from_db()
    assert (transfer.status, subject.division_id) == (Status.ACCEPTED, "110101")
