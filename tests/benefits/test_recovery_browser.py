"""The recovery case in a real browser (Debian's Chromium): a caseworker follows 多发追缴 from the
navigation, clicks 立案决定追缴 on an overpayment, proposes instalments on the benefit page and files the
case; the case page names the overpayment and the proposal; once an approver has approved it, the benefit
page and the list show the case as closed and the instalments' schedule.

Screenshots go to ``var/screenshots/benefits/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.benefits.test_browser import shot
from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    yield  # the live server runs on the real clock


@pytest.fixture
def filer(make_user: Any, make_subject: Any) -> Any:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()  # another walk's server may have ended this worker's sessions
    from django.utils import timezone

    from benefits import actions, rules
    from benefits.loading import do_load_benefit_standards
    from benefits.models import RecoveryItem
    from subjects.models import BenefitType, Category
    from tests.benefits.conftest import SAMPLE
    from tests.cases.conftest import restore_demo_divisions

    restore_demo_divisions()
    do_load_benefit_standards(SAMPLE, actor=None)
    this_month = rules.month_of(timezone.localdate())
    person = make_subject(category=Category.MARTYR_SURVIVOR, name="钱烈属")
    actions.do_award_benefit(
        person, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=rules.add_months(this_month, -3), actor=None
    )
    actions.do_record_death(
        person, died_on=rules.add_months(this_month, -2) + dt.timedelta(days=4), survivor="钱小明", actor=None
    )
    user = make_user("caseworker", "caseworker", full_name="张经办")
    user.item_id = RecoveryItem.objects.get(subject=person).pk
    user.approver = make_user("county_approver", "approver", full_name="李审批")
    return user


def test_a_caseworker_files_a_recovery_case_from_the_recovery_list(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    filer: Any,
) -> None:
    from rest_framework.test import APIClient

    item = filer.item_id
    page = page_as(browser, filer, server)
    page.goto(f"{server}/")
    page.click("#nav-recoveries")
    page.wait_for_url("**/benefits/recoveries/")
    assert "钱烈属" in page.inner_text("#recovery-list")
    shot(page, "7-recoveries-to-file")
    page.click(f"#file-recovery-{item}")
    page.wait_for_url(f"**/benefits/subjects/*/#file-recovery-{item}")
    page.select_option(f"#recovery-{item}-plan", "instalments")
    page.fill(f"#recovery-{item}-instalments", "3")
    shot(page, "8-recovery-proposal")
    page.click(f"#file-recovery-{item} button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "分期追缴" in page.inner_text("#case-recovery-plan")
    assert "死亡后发放" in page.inner_text("#case-recovery") or "多发" in page.inner_text("#case-recovery")
    shot(page, "9-recovery-case")

    # Intake and the approver's approval (through the task API).
    for user, body in ((filer, {}), (filer.approver, {"decision": "approve", "findings": "经查明，属死亡后多发。"})):
        client = APIClient()
        client.force_authenticate(user)
        [task] = client.get("/api/v1/tasks/?scope=queue").data
        assert client.post(f"/api/v1/tasks/{task['id']}/complete/", body, format="json").status_code == 200
    page.goto(f"{server}/")
    page.click("#nav-recoveries")
    page.wait_for_url("**/benefits/recoveries/")
    page.select_option("#status", "")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/benefits/recoveries/?status=")
    assert "已结案" in page.inner_text(f"#recovery-case-{item}")
    shot(page, "10-recoveries-with-case")
    page.click(f"#recovery-case-{item} a")
    page.wait_for_url("**/cases/*/")
    page.go_back()
    page.click("#recovery-list td a")
    page.wait_for_url("**/benefits/subjects/*/")
    assert "已结案" in page.inner_text(f"#recovery-case-{item}")
    assert page.inner_text(f"#recovery-schedule-{item}").count("；") == 2
    shot(page, "11-ledger-with-schedule")
