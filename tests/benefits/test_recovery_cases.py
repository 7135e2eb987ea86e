"""An overpayment is decided by a case (kind ``recovery``, 追缴决定): filed from the recovery item through
the case API or the pages, intake, then an approver (never the filer), whose approval applies the decision
(in full, instalments with their schedule, a waiver) with its letter; bad proposals refused."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from benefits import actions
from benefits.models import CancelReason, Entitlement, RecoveryItem, RecoveryStatus
from cases.models import Case, Status
from letters.models import Letter
from subjects.models import BenefitType, Category, Subject

pytestmark = pytest.mark.django_db

Api = Callable[[User], APIClient]


@pytest.fixture
def overpaid(standards: None, make_subject: Callable[..., Subject]) -> RecoveryItem:
    """A 定期抚恤金 paid for January and February 2025; the person died on 15 January: February's
    2380.00 was paid after the death (today: 2025-03-10)."""
    with freeze_time("2025-01-10"):
        entitlement = actions.do_award_benefit(
            make_subject(name="钱烈属", category=Category.MARTYR_SURVIVOR),
            benefit_type=BenefitType.PERIODIC_PENSION,
            approved_on=dt.date(2025, 1, 2),
            actor=None,
        )
    with freeze_time("2025-02-03"):
        actions.do_pay_month(dt.date(2025, 2, 1))
    with freeze_time("2025-02-20"):
        actions.do_record_death(entitlement.subject, died_on=dt.date(2025, 1, 15), survivor="钱小明", actor=None)
    return RecoveryItem.objects.get()


def file_recovery(client: APIClient, item: RecoveryItem, **extra: Any) -> Any:
    body = {"subject": item.subject_id, "kind": "recovery", "title": "多发抚恤金追缴", "recovery_id": item.pk, **extra}
    return client.post("/api/v1/cases/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")


def one_task(client: APIClient) -> dict[str, Any]:
    [task] = client.get("/api/v1/tasks/?scope=queue").data
    return task


def accept(api_as: Api, caseworker: User) -> None:
    cw = api_as(caseworker)
    intake = one_task(cw)
    assert cw.post(f"/api/v1/tasks/{intake['id']}/complete/", {}, format="json").data["status"] == "pending_approval"


def approve(api_as: Api, approver: User, **extra: Any) -> Any:
    task = one_task(api_as(approver))
    assert task["node"] == "approve"
    body = {"decision": "approve", "findings": "经查明，当事人于2025年1月15日死亡，2月待遇属多发。", **extra}
    return api_as(approver).post(f"/api/v1/tasks/{task['id']}/complete/", body, format="json")


def decisions_panel(client: Any) -> str:
    found = re.search(r'id="panel-decisions".*?</section>', client.get("/").content.decode(), re.S)
    return found.group(0) if found else ""


@freeze_time("2025-03-10")
def test_a_death_after_payment_is_recovered_in_instalments_through_a_case(
    overpaid: RecoveryItem, api_as: Api, caseworker: User, county_approver: User, web_as: Callable[[User], Any]
) -> None:
    assert (overpaid.cause, overpaid.amount, overpaid.first_month) == ("death", Decimal("2380.00"), dt.date(2025, 2, 1))
    filed = file_recovery(
        api_as(caseworker),
        overpaid,
        recovery_plan="instalments",
        recovery_instalments=3,
        recovery_first_month="2025-04-01",
    )
    assert filed.status_code == 201, filed.data
    assert (filed.data["kind"], filed.data["recovery_id"], filed.data["recovery_plan"]) == (
        "recovery",
        overpaid.pk,
        "instalments",
    )
    number = filed.data["number"]
    accept(api_as, caseworker)
    # The approval is a task like any other: the approver's queue, inbox and workbench.
    assert number in web_as(county_approver).get("/cases/inbox/?scope=queue").content.decode()
    assert number in decisions_panel(web_as(county_approver))
    overpaid.refresh_from_db()
    assert overpaid.status == RecoveryStatus.OPEN  # nothing decided before the approval

    decided = approve(api_as, county_approver)
    assert decided.status_code == 200, decided.data
    assert decided.data["status"] == "closed"
    assert Case.objects.get(pk=filed.data["id"]).outcome == "approved"
    overpaid.refresh_from_db()
    assert (overpaid.status, overpaid.to_recover, overpaid.waived, overpaid.instalments) == (
        RecoveryStatus.INSTALMENTS,
        Decimal("2380.00"),
        Decimal("0.00"),
        3,
    )
    assert overpaid.schedule == [
        (dt.date(2025, 4, 1), Decimal("793.33")),
        (dt.date(2025, 5, 1), Decimal("793.33")),
        (dt.date(2025, 6, 1), Decimal("793.34")),
    ]
    listed = api_as(caseworker).get("/api/v1/recoveries/").json()["results"][0]
    assert listed["schedule"][0] == {"month": "2025-04-01", "amount": "793.33"}
    assert listed["case"] == {
        "id": filed.data["id"],
        "number": number,
        "status": "closed",
        "status_label": "已结案",
        "open": False,
    }
    letter = Letter.objects.get(case_id=filed.data["id"], kind="benefit_recovery")
    text = "".join(letter.snapshot["decision"]["lines"])
    assert "2025年2月至2025年2月多领取抚恤补助共计人民币2,380.00元" in text
    assert "分3期按月退还：自2025年4月起每月793.33元，至2025年6月（末期793.34元）还清" in text
    assert "第五十八条" in text
    # Repayments are recorded against the decided schedule.
    actions.do_record_repayment(overpaid, actor=caseworker, amount="793.33", paid_on=dt.date(2025, 4, 5))
    overpaid.refresh_from_db()
    assert overpaid.balance == Decimal("1586.67")


@freeze_time("2025-03-10")
def test_a_waiver_needs_an_approver_other_than_the_filer(
    overpaid: RecoveryItem,
    api_as: Api,
    caseworker: User,
    county_approver: User,
    make_user: Callable[..., User],
) -> None:
    # A caseworker who also approves files the waiver: maker-checker keeps them off its approval.
    both = make_user("both_roles", "caseworker")
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division
    from tests.conftest import COUNTY_A, MEMBERSHIPS_SINCE

    do_grant_membership(
        both, division=Division.objects.get(code=COUNTY_A), role="approver", starts_on=MEMBERSHIPS_SINCE, actor=None
    )
    filed = file_recovery(api_as(both), overpaid, recovery_plan="waiver", recovery_reason="家庭生活困难，经村委会证明")
    assert filed.status_code == 201, filed.data
    accept(api_as, caseworker)
    task = next(t for t in api_as(county_approver).get("/api/v1/tasks/?scope=queue").data if t["node"] == "approve")
    refused = api_as(both).post(f"/api/v1/tasks/{task['id']}/complete/", {"decision": "approve"}, format="json")
    assert refused.status_code == 403
    overpaid.refresh_from_db()
    assert overpaid.status == RecoveryStatus.OPEN

    assert approve(api_as, county_approver).status_code == 200
    overpaid.refresh_from_db()
    assert (overpaid.status, overpaid.to_recover, overpaid.waived, overpaid.balance) == (
        RecoveryStatus.WAIVED,
        Decimal("0.00"),
        Decimal("2380.00"),
        Decimal("0.00"),
    )
    assert overpaid.decision_reason == "家庭生活困难，经村委会证明"
    text = "".join(Letter.objects.get(case_id=filed.data["id"], kind="benefit_recovery").snapshot["decision"]["lines"])
    assert "免于追缴" in text


@freeze_time("2025-03-10")
def test_a_rejected_recovery_case_leaves_the_overpayment_undecided_for_a_new_case(
    overpaid: RecoveryItem, api_as: Api, caseworker: User, county_approver: User
) -> None:
    assert file_recovery(api_as(caseworker), overpaid, recovery_plan="full").status_code == 201
    accept(api_as, caseworker)
    rejected = approve(api_as, county_approver, decision="reject", reasons="应分期追缴")
    assert rejected.data["status"] == "closed"
    overpaid.refresh_from_db()
    assert overpaid.status == RecoveryStatus.OPEN
    assert file_recovery(api_as(caseworker), overpaid, recovery_plan="full").status_code == 201


@freeze_time("2025-03-10")
def test_bad_recovery_proposals_are_refused_naming_the_field(
    overpaid: RecoveryItem, api_as: Api, caseworker: User
) -> None:
    client = api_as(caseworker)
    more = file_recovery(client, overpaid, recovery_plan="instalments", recovery_instalments=2, recovery_amount="3000")
    assert more.status_code == 400 and "第五十八条" in str(more.data["recovery_amount"])
    assert "recovery_reason" in file_recovery(client, overpaid, recovery_plan="waiver").data
    assert "recovery_instalments" in file_recovery(client, overpaid, recovery_plan="instalments").data
    assert "recovery_plan" in file_recovery(client, overpaid).data
    assert "recovery_id" in file_recovery(client, overpaid, recovery_id=None, recovery_plan="full").data
    past = file_recovery(
        client, overpaid, recovery_plan="instalments", recovery_instalments=2, recovery_first_month="2025-01-01"
    )
    assert "recovery_first_month" in past.data
    assert not Case.objects.exists()
    # One open case per overpayment.
    assert file_recovery(client, overpaid, recovery_plan="full").status_code == 201
    again = file_recovery(client, overpaid, recovery_plan="full")
    assert again.status_code == 400 and "recovery_id" in again.data
    assert Case.objects.count() == 1


@freeze_time("2025-03-10")
def test_an_overpayment_decided_meanwhile_makes_the_approval_a_conflict(
    overpaid: RecoveryItem, api_as: Api, caseworker: User, county_approver: User
) -> None:
    assert file_recovery(api_as(caseworker), overpaid, recovery_plan="full").status_code == 201
    accept(api_as, caseworker)
    RecoveryItem.objects.filter(pk=overpaid.pk).update(status=RecoveryStatus.WAIVED)
    conflict = approve(api_as, county_approver)
    assert conflict.status_code == 409
    assert Case.objects.get().status == Status.PENDING_APPROVAL


@freeze_time("2025-03-10")
def test_the_pages_file_the_case_and_show_it_with_its_state(
    overpaid: RecoveryItem,
    caseworker: User,
    county_approver: User,
    web_as: Callable[[User], Any],
    api_as: Api,
) -> None:
    client = web_as(caseworker)
    listing = client.get("/benefits/recoveries/").content.decode()
    assert f'id="file-recovery-{overpaid.pk}"' in listing
    ledger = client.get(f"/benefits/subjects/{overpaid.subject_id}/").content.decode()
    assert f'action="/benefits/recoveries/{overpaid.pk}/file-case/"' in ledger
    # The caseworkers' workbench lists the overpayment until a case decides it.
    assert f"#recovery-{overpaid.pk}" in client.get("/").content.decode()
    filed = client.post(
        f"/benefits/recoveries/{overpaid.pk}/file-case/",
        {"plan": "instalments", "instalments": "2", "first_month": "2025-04"},
    )
    case = Case.objects.get()
    assert filed.status_code == 302 and filed["Location"] == f"/cases/{case.pk}/"
    assert (case.kind, case.recovery_plan, case.recovery_instalments, case.recovery_first_month) == (
        "recovery",
        "instalments",
        2,
        dt.date(2025, 4, 1),
    )
    assert f"#recovery-{overpaid.pk}" not in client.get("/").content.decode()
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-recovery"' in detail and "2380.00" in detail and "分期追缴" in detail
    for page in (f"/benefits/subjects/{overpaid.subject_id}/", "/benefits/recoveries/"):
        shown = client.get(page).content.decode()
        assert case.number in shown and "已提交" in shown
    ledger = client.get(f"/benefits/subjects/{overpaid.subject_id}/").content.decode()
    assert f'action="/benefits/recoveries/{overpaid.pk}/file-case/"' not in ledger  # one case at a time
    accept(api_as, caseworker)
    assert approve(api_as, county_approver).status_code == 200
    ledger = client.get(f"/benefits/subjects/{overpaid.subject_id}/").content.decode()
    assert "已结案" in ledger and f'id="recovery-schedule-{overpaid.pk}"' in ledger and "2025-05 1190.00" in ledger


@freeze_time("2025-03-10")
def test_the_old_decision_address_files_the_case_instead(
    overpaid: RecoveryItem, caseworker: User, county_approver: User, web_as: Callable[[User], Any]
) -> None:
    # An approver alone (no caseworker role) may no longer decide here: filing is a caseworker's.
    assert (
        web_as(county_approver)
        .post(f"/benefits/recoveries/{overpaid.pk}/decide/", {"to_recover": "2380", "instalments": "2"})
        .status_code
        == 403
    )
    answer = web_as(caseworker).post(
        f"/benefits/recoveries/{overpaid.pk}/decide/", {"to_recover": "1000", "instalments": "2", "reason": "困难"}
    )
    case = Case.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{case.pk}/"
    assert (case.recovery_plan, case.recovery_amount, case.recovery_instalments) == ("waiver", Decimal("1000"), 2)
    overpaid.refresh_from_db()
    assert overpaid.status == RecoveryStatus.OPEN  # decided only by the case's approval


@freeze_time("2025-03-10")
def test_a_fraud_referral_stays_flagged_through_its_recovery_case(
    standards: None,
    make_subject: Callable[..., Subject],
    province_approver: User,
    caseworker: User,
    web_as: Callable[[User], Any],
) -> None:
    with freeze_time("2025-01-10"):
        entitlement = actions.do_award_benefit(
            make_subject(name="孙冒领"),
            benefit_type=BenefitType.LIVING_SUBSIDY,
            approved_on=dt.date(2025, 1, 5),
            actor=None,
        )
    with freeze_time("2025-02-02"):
        actions.do_pay_month(dt.date(2025, 2, 1))
    actions.do_cancel(
        entitlement, reason=CancelReason.FRAUD, actor=province_approver, note="冒领", month=dt.date(2025, 1, 1)
    )
    item = RecoveryItem.objects.get()
    assert item.fraud_referral
    client = web_as(caseworker)
    client.post(f"/benefits/recoveries/{item.pk}/file-case/", {"plan": "full"})
    case = Case.objects.get()
    assert "已作冒领移送" in client.get(f"/cases/{case.pk}/").content.decode()
    item.refresh_from_db()
    assert item.fraud_referral


def test_the_outsider_gets_404_on_the_recovery_case_doors(
    overpaid: RecoveryItem, outsider: User, web_as: Callable[[User], Any], api_as: Api
) -> None:
    client = web_as(outsider)
    assert client.post(f"/benefits/recoveries/{overpaid.pk}/file-case/", {"plan": "full"}).status_code == 404
    assert client.post(f"/benefits/recoveries/{overpaid.pk}/decide/", {"plan": "full"}).status_code == 404
    assert file_recovery(api_as(outsider), overpaid, recovery_plan="full").status_code == 404
    assert not Case.objects.exists()


@pytest.fixture
def entitlement_paid_to_april(standards: None, make_subject: Callable[..., Subject]) -> Entitlement:
    """A 定期生活补助 paid January to April 2025 (today: 2025-04-10)."""
    with freeze_time("2025-01-10"):
        entitlement = actions.do_award_benefit(
            make_subject(name="周中止"),
            benefit_type=BenefitType.LIVING_SUBSIDY,
            approved_on=dt.date(2025, 1, 5),
            actor=None,
        )
    for month in ("2025-02", "2025-03", "2025-04"):
        with freeze_time(f"{month}-02"):
            actions.do_pay_month(dt.date.fromisoformat(f"{month}-01"))
    return entitlement


@freeze_time("2025-04-10")
def test_a_back_dated_suspension_turns_the_months_paid_from_it_into_a_recovery_item(
    entitlement_paid_to_april: Entitlement,
) -> None:
    monthly = entitlement_paid_to_april.monthly_amount
    actions.do_suspend(
        entitlement_paid_to_april, reason="imprisonment", actor=None, month=dt.date(2025, 3, 20), source_ref="X-1"
    )
    entitlement_paid_to_april.refresh_from_db()
    assert entitlement_paid_to_april.suspended_from == dt.date(2025, 3, 1)
    item = RecoveryItem.objects.get()
    # March (the suspension's month) and April were overpaid; February, before it, was owed.
    assert (item.cause, item.first_month, item.last_month, item.months, item.amount) == (
        "suspension",
        dt.date(2025, 3, 1),
        dt.date(2025, 4, 1),
        2,
        monthly * 2,
    )


@freeze_time("2025-04-10")
def test_a_suspension_decided_in_the_month_paid_recovers_nothing(entitlement_paid_to_april: Entitlement) -> None:
    actions.do_suspend(entitlement_paid_to_april, reason="imprisonment", actor=None, month=dt.date(2025, 4, 1))
    entitlement_paid_to_april.refresh_from_db()
    assert entitlement_paid_to_april.suspended_from == dt.date(2025, 5, 1)  # April's payment stands
    assert not RecoveryItem.objects.exists()


@freeze_time("2025-04-10")
def test_a_back_dated_suspension_before_the_last_paid_month_only_recovers_the_last(
    entitlement_paid_to_april: Entitlement,
) -> None:
    actions.do_suspend(entitlement_paid_to_april, reason="problem_data", actor=None, month=dt.date(2025, 3, 31))
    item = RecoveryItem.objects.get()
    assert (item.first_month, item.months) == (dt.date(2025, 3, 1), 2)
    # Resumed with back-pay (problem data): the months were owed after all, nothing to recover.
    actions.do_resume(entitlement_paid_to_april, actor=None)
    item.refresh_from_db()
    assert (item.status, item.to_recover, item.waived) == (RecoveryStatus.WAIVED, Decimal("0"), item.amount)


@freeze_time("2025-04-10")
def test_a_suspension_back_dated_after_the_last_paid_month_recovers_nothing(
    entitlement_paid_to_april: Entitlement,
) -> None:
    with freeze_time("2025-06-10"):
        actions.do_suspend(entitlement_paid_to_april, reason="imprisonment", actor=None, month=dt.date(2025, 5, 1))
    assert not RecoveryItem.objects.exists()  # May was never paid


@freeze_time("2025-04-10")
def test_a_back_dated_suspension_case_leaves_a_recovery_item_that_a_recovery_case_decides(
    entitlement_paid_to_april: Entitlement, api_as: Api, caseworker: User, county_approver: User
) -> None:
    body = {
        "subject": entitlement_paid_to_april.subject_id,
        "kind": "benefit_suspension",
        "title": "问题数据中止发放",
        "benefit_id": entitlement_paid_to_april.benefit_id,
        "benefit_reason": "problem_data",
        "benefit_start": "2025-03-15",
    }
    suspension = api_as(caseworker).post("/api/v1/cases/", body, format="json")
    assert suspension.status_code == 201, suspension.data
    accept(api_as, caseworker)
    assert approve(api_as, county_approver).status_code == 200
    item = RecoveryItem.objects.get()
    assert (item.cause, item.first_month, item.months, item.source_ref) == (
        "suspension",
        dt.date(2025, 3, 1),
        2,
        suspension.data["number"],
    )
    assert file_recovery(api_as(caseworker), item, recovery_plan="full").status_code == 201
