"""The benefit pages and API: the person's ledger with every line and why, recoveries, standards; the outsider's 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from benefits import actions
from benefits.models import BenefitStandard, Entitlement, RecoveryItem
from subjects.models import BenefitType, Category, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_pensioner(standards: None, make_subject: Callable[..., Subject]) -> Entitlement:
    with freeze_time("2025-01-10"):
        entitlement = actions.do_award_benefit(
            make_subject(category=Category.MARTYR_SURVIVOR),
            benefit_type=BenefitType.PERIODIC_PENSION,
            approved_on=dt.date(2025, 1, 2),
            actor=None,
        )
    with freeze_time("2025-02-03"):
        actions.do_pay_month(dt.date(2025, 2, 1))
    with freeze_time("2025-02-20"):
        actions.do_record_death(entitlement.subject, died_on=dt.date(2025, 1, 15), survivor="王小明", actor=None)
    return entitlement


def test_the_person_page_leads_to_the_ledger_with_every_line_and_why(
    dead_pensioner: Entitlement, caseworker: User, web_as: Callable[[User], Any]
) -> None:
    client = web_as(caseworker)
    person = client.get(f"/subjects/{dead_pensioner.subject_id}/").content.decode()
    assert f'href="/benefits/subjects/{dead_pensioner.subject_id}/"' in person
    assert 'id="benefit-balance">2380.00<' in person
    page = client.get(f"/benefits/subjects/{dead_pensioner.subject_id}/").content.decode()
    assert "第十九条" in page and "第二十二条" in page and "王小明" in page and "14280.00" in page
    assert "定期抚恤金" in page and "死亡后发放" in page


def test_the_navigation_leads_to_the_recovery_list_and_the_standards(
    dead_pensioner: Entitlement, caseworker: User, web_as: Callable[[User], Any]
) -> None:
    client = web_as(caseworker)
    home = client.get("/").content.decode()
    assert 'id="nav-recoveries"' in home and 'id="nav-benefit-standards"' in home
    listing = client.get("/benefits/recoveries/").content.decode()
    assert dead_pensioner.subject.name in listing and "2380.00" in listing
    assert "城镇单位就业人员月平均工资" in client.get("/benefits/standards/").content.decode()


def test_a_recovery_case_filed_on_the_page_decides_it_and_a_caseworker_records_a_repayment(
    dead_pensioner: Entitlement,
    caseworker: User,
    county_approver: User,
    web_as: Callable[[User], Any],
    api_as: Callable[[User], APIClient],
) -> None:
    item = RecoveryItem.objects.get()
    with freeze_time("2025-03-01"):
        web_as(caseworker).post(
            f"/benefits/recoveries/{item.pk}/file-case/", {"plan": "instalments", "instalments": "2"}
        )
        complete_the_case(api_as, caseworker, county_approver)
    web_as(caseworker).post(f"/benefits/recoveries/{item.pk}/repayments/", {"amount": "1190", "paid_on": "2025-03-01"})
    item.refresh_from_db()
    assert (item.status, str(item.balance)) == ("instalments", "1190.00")
    refused = web_as(caseworker).post(
        f"/benefits/recoveries/{item.pk}/repayments/", {"amount": "5000", "paid_on": "2025-03-01"}, follow=True
    )
    assert "余额" in refused.content.decode()


def complete_the_case(api_as: Callable[[User], APIClient], caseworker: User, approver: User) -> None:
    """Intake by the caseworker, approval by the approver (through the task API)."""
    for user, body in ((caseworker, {}), (approver, {"decision": "approve"})):
        [task] = api_as(user).get("/api/v1/tasks/?scope=queue").data
        done = api_as(user).post(f"/api/v1/tasks/{task['id']}/complete/", body, format="json")
        assert done.status_code == 200, done.data


def test_a_province_approver_changes_a_provincial_standard_on_the_page(
    standards: None, province_approver: User, web_as: Callable[[User], Any]
) -> None:
    provincial = BenefitStandard.objects.create(
        benefit_type=BenefitType.LIVING_SUBSIDY,
        region="44",
        effective_from=dt.date(2025, 1, 1),
        formula="fixed",
        amount="1200",
        article="第六十二条",
    )
    client = web_as(province_approver)
    assert (
        f'action="/benefits/standards/{provincial.pk}/change/"' in client.get("/benefits/standards/").content.decode()
    )
    client.post(
        f"/benefits/standards/{provincial.pk}/change/",
        {"effective_from": "2025-07-01", "amount": "1300", "reason": "粤文"},
    )
    assert BenefitStandard.objects.filter(supersedes=provincial, amount="1300").exists()


def test_the_api_lists_the_persons_benefits_with_lines_standard_and_article(
    dead_pensioner: Entitlement, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    body = api_as(caseworker).get(f"/api/v1/subjects/{dead_pensioner.subject_id}/benefits/").json()
    assert body["balance"] == "2380.00"
    (benefit,) = body["benefits"]
    assert benefit["benefit_type"] == "periodic_pension" and benefit["status"] == "ended"
    kinds = [(line["month"], line["kind"], line["article"]) for line in benefit["lines"]]
    assert kinds == [
        ("2025-01-01", "regular", "第十九条"),
        ("2025-02-01", "regular", "第十九条"),
        ("2025-02-01", "continuation", "第二十二条"),
    ]
    assert benefit["lines"][0]["standard"]["is_sample"] is True


def test_the_api_lists_recoveries_and_standards_and_changes_a_standard(
    dead_pensioner: Entitlement, caseworker: User, nation_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    (item,) = api_as(caseworker).get("/api/v1/recoveries/?status=open").json()["results"]
    assert (item["cause"], item["amount"], item["balance"]) == ("death", "2380.00", "2380.00")
    assert api_as(caseworker).get("/api/v1/recoveries/?status=nonsense").status_code == 400
    standards = api_as(caseworker).get("/api/v1/benefit-standards/?benefit_type=living_subsidy").json()["results"]
    assert len(standards) == 1
    refused = api_as(caseworker).post(
        "/api/v1/benefit-standards/",
        {"replaces": standards[0]["id"], "effective_from": "2025-07-01", "amount": "1", "reason": "x"},
    )
    assert refused.status_code == 403
    bad = api_as(nation_approver).post(
        "/api/v1/benefit-standards/",
        {"replaces": standards[0]["id"], "effective_from": "2024-07-01", "amount": "1", "reason": "x"},
    )
    assert bad.status_code == 400 and "effective_from" in bad.json()
    made = api_as(nation_approver).post(
        "/api/v1/benefit-standards/",
        {"replaces": standards[0]["id"], "effective_from": "2025-07-01", "amount": "1100", "reason": "x"},
    )
    assert made.status_code == 201 and made.json()["amount"] == "1100.00"


def test_the_outsider_gets_404_everywhere(
    dead_pensioner: Entitlement,
    outsider: User,
    make_user: Callable[..., User],
    web_as: Callable[[User], Any],
    api_as: Callable[[User], APIClient],
) -> None:
    subject_id = dead_pensioner.subject_id
    item = RecoveryItem.objects.get()
    client = web_as(outsider)
    assert client.get(f"/benefits/subjects/{subject_id}/").status_code == 404
    assert client.post(f"/benefits/entitlements/{dead_pensioner.pk}/suspend/", {"reason": "wanted"}).status_code == 404
    assert client.post(f"/benefits/entitlements/{dead_pensioner.pk}/resume/").status_code == 404
    assert client.post(f"/benefits/recoveries/{item.pk}/decide/", {"to_recover": "1"}).status_code == 404
    assert client.post(f"/benefits/recoveries/{item.pk}/repayments/", {"amount": "1"}).status_code == 404
    assert item.subject.name not in client.get("/benefits/recoveries/").content.decode()
    assert api_as(outsider).get(f"/api/v1/subjects/{subject_id}/benefits/").status_code == 404
    assert api_as(outsider).get("/api/v1/recoveries/").json()["results"] == []
    # Someone with no jurisdiction at all sees none of the pages or endpoints.
    nobody = make_user("nobody")
    for url in ("/benefits/recoveries/", "/benefits/standards/"):
        assert web_as(nobody).get(url).status_code == 404
    for url in ("/api/v1/recoveries/", "/api/v1/benefit-standards/"):
        assert api_as(nobody).get(url).status_code == 404
    standard = BenefitStandard.objects.first()
    assert standard is not None
    assert web_as(nobody).post(f"/benefits/standards/{standard.pk}/change/", {}).status_code == 404


def test_the_api_names_the_field_of_a_bad_filter_or_body(caseworker: User, api_as: Callable[[User], APIClient]) -> None:
    client = api_as(caseworker)
    assert "benefit_type" in client.get("/api/v1/benefit-standards/?benefit_type=dibao").json()
    assert "current" in client.get("/api/v1/benefit-standards/?current=maybe").json()
    body = {"replaces": 2**70, "effective_from": "2025-07-01", "amount": "1", "reason": "x"}
    assert "replaces" in client.post("/api/v1/benefit-standards/", body, format="json").json()
    body["replaces"] = 999999
    assert "replaces" in client.post("/api/v1/benefit-standards/", body, format="json").json()


def test_the_caseworkers_workbench_lists_the_overpayments_waiting_for_a_recovery_case(
    dead_pensioner: Entitlement,
    county_approver: User,
    caseworker: User,
    make_user: Callable[..., User],
    web_as: Callable[[User], Any],
) -> None:
    item = RecoveryItem.objects.get()
    home = web_as(caseworker).get("/").content.decode()
    assert 'id="panel-recoveries"' in home
    assert f'href="/benefits/subjects/{dead_pensioner.subject_id}/#recovery-{item.pk}"' in home
    assert (
        'id="panel-recoveries"' not in web_as(county_approver).get("/").content.decode()
    )  # approvers: the case's task
    other = make_user("caseworker_b2", "caseworker", "440104")
    assert dead_pensioner.subject.name not in web_as(other).get("/").content.decode()
    with freeze_time("2025-03-01"):
        web_as(caseworker).post(f"/benefits/recoveries/{item.pk}/file-case/", {"plan": "full"})
    assert (
        f"#recovery-{item.pk}" not in web_as(caseworker).get("/").content.decode()
    )  # its case decides it: off the panel
