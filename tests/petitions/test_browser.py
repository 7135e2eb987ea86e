"""A walk-in grievance in a real browser (Debian's Chromium, PostgreSQL only): registered from the
workbench, accepted, extended with the head's approval, and decided with its 信访处理意见书.

Screenshots go to ``var/screenshots/petitions/``.
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


def test_a_walk_in_grievance_is_registered_accepted_extended_and_decided(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    offices: dict[str, Any],
) -> None:
    from petitions.models import Petition

    page = page_as(browser, offices["county"], server)
    page.goto(f"{server}/")
    page.click("#register-petition")
    page.fill("#id_name", "赵大勇")
    page.click("button[type=submit].primary")
    page.click("#people >> text=为此人登记")
    page.wait_for_url("**/petitions/register/?subject=*")
    page.select_option("#id_channel", "visit")
    page.fill("#id_request", "请求补发退役军人优待证")
    page.fill("#id_facts", "2025年3月申领，至今未收到")
    page.fill("#id_reasons", "本人符合申领条件")
    shot(page, "1-register")
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "已登记，待受理" in page.inner_text("#petition-stage")
    assert "受理期限" in page.inner_text("#petition-deadlines")
    shot(page, "2-registered")

    page.click("#petition-accept")
    page.click("#petition-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "已受理，办理中" in page.inner_text("#petition-stage")
    assert "办理期限" in page.inner_text("#petition-deadlines")

    page.click("#petition-extend")
    page.fill("#id_days", "45")
    page.fill("#id_reason", "需调取多个部门的档案材料")
    page.click("#petition-form button[type=submit]")
    assert "30" in page.inner_text("#petition-form .errorlist")  # Art. 34: at most 30 days
    shot(page, "3-extension-refused")
    page.fill("#id_days", "30")
    page.click("#petition-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "延期待负责人审批" in page.inner_text("#petition-stage")
    case_url = page.url

    head = page_as(browser, offices["head"], server)
    head.goto(case_url)
    head.click("#petition-approve_extension")
    head.check("input[name=approve][value=yes]")
    head.click("#petition-form button[type=submit]")
    head.wait_for_url("**/cases/*/")
    assert "延长至" in head.inner_text("#petition-deadlines")
    shot(head, "4-extended")

    page.goto(case_url)
    page.click("#petition-decide")
    page.check("input[name=opinion][value=support]")
    page.fill("#id_facts", "经核实，信访人于2025年3月提交申领材料，因信息录入错误未能制证")
    page.fill("#id_reasons", "信访人符合申领条件，予以补发")
    page.check("#petition-form label:has-text('第三十二条') input")
    shot(page, "5-decide")
    page.click("#petition-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    assert "已出具处理意见" in page.inner_text("#petition-stage")
    assert "复查申请期限" in page.inner_text("#petition-deadlines")
    shot(page, "6-decided")
    petition = Petition.objects.get()
    assert petition.opinion == "support" and petition.extension_days == 30

    page.click("text=决定文书")
    page.wait_for_url("**/letters/**")
    letters = page.inner_text("main")
    for title in ("受理告知书", "延长办理期限告知书", "信访处理意见书"):
        assert title in letters, title
    shot(page, "7-letters")
