"""The door to a suspension case in a real browser (Debian's Chromium): a caseworker follows the person's
benefits panel to the benefit page, clicks 立案申请中止发放, finds the filing form prefilled, chooses the
reason and files the case, whose page names the benefit and the reason.

Screenshots go to ``var/screenshots/benefits/``.
"""

from __future__ import annotations

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
    from subjects.models import BenefitType
    from tests.benefits.conftest import SAMPLE
    from tests.cases.conftest import restore_demo_divisions

    restore_demo_divisions()
    do_load_benefit_standards(SAMPLE, actor=None)
    person = make_subject(name="孙服刑")
    entitlement = actions.do_award_benefit(
        person,
        benefit_type=BenefitType.LIVING_SUBSIDY,
        approved_on=rules.add_months(rules.month_of(timezone.localdate()), -2),
        actor=None,
    )
    user = make_user("caseworker", "caseworker", full_name="张经办")
    user.person_id = person.pk
    user.entitlement_id = entitlement.pk
    return user


def test_a_caseworker_opens_a_suspension_case_from_the_benefit_page(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    filer: Any,
) -> None:
    page = page_as(browser, filer, server)
    page.goto(f"{server}/subjects/{filer.person_id}/")
    page.click("#benefit-ledger-link")
    page.wait_for_url("**/benefits/subjects/*/")
    assert "立案申请中止发放" in page.inner_text(f"#status-cases-{filer.entitlement_id}")
    shot(page, "4-ledger-with-case-doors")
    page.click(f"#file-suspension-{filer.entitlement_id}")
    page.wait_for_url("**/cases/new/**")
    assert page.input_value("#id_kind") == "benefit_suspension"
    assert page.input_value("#id_title") == "中止发放定期生活补助"
    assert page.input_value("#id_benefit_id") != ""
    page.select_option("#id_benefit_reason", "imprisonment")
    shot(page, "5-suspension-form-prefilled")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/cases/*/")
    facts = page.inner_text("#case-status-benefit")
    assert "定期生活补助" in facts and "有期徒刑" in facts
    shot(page, "6-suspension-case")
