"""Suspension, resumption and cancellation as case kinds through the case API: the province's approval
step for the Art. 59 reasons, the ministry filing, the letter, back-pay and recovery; bad input refused."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from benefits import actions
from benefits.models import (
    Entitlement,
    EntitlementStatus,
    LineKind,
    MinistryFiling,
    RecoveryCause,
    RecoveryItem,
    SuspendReason,
)
from cases.models import Case, Status
from cases.notify import CaseEvent
from letters.models import Letter
from notifications.models import Notification
from subjects.models import BenefitType, Subject
from tests.conftest import COUNTY_B

pytestmark = pytest.mark.django_db

Api = Callable[[User], APIClient]


@pytest.fixture
def nation_supervisor(make_user: Callable[..., User]) -> User:
    return make_user("nation_supervisor", "supervisor", "CN")


@pytest.fixture
def paid(standards: None, make_subject: Callable[..., Subject]) -> Entitlement:
    """A 定期生活补助 paid from January 2025, its lines stored to March (today: 2025-03-10)."""
    with freeze_time("2025-01-10"):
        entitlement = actions.do_award_benefit(
            make_subject(name="赵志强"),
            benefit_type=BenefitType.LIVING_SUBSIDY,
            approved_on=dt.date(2025, 1, 5),
            actor=None,
        )
    for month in ("2025-02", "2025-03"):
        with freeze_time(f"{month}-02"):
            actions.do_pay_month(dt.date.fromisoformat(f"{month}-01"))
    return entitlement


def file(client: APIClient, entitlement: Entitlement, kind: str, **extra: Any) -> Any:
    body = {
        "subject": entitlement.subject_id,
        "kind": kind,
        "title": "待遇状态变更",
        "benefit_id": entitlement.benefit_id,
        **extra,
    }
    return client.post("/api/v1/cases/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")


def one_task(client: APIClient) -> dict[str, Any]:
    [task] = client.get("/api/v1/tasks/?scope=queue").data
    return task


def decisions_panel(client: Any) -> str:
    """The workbench's panel of decisions waiting (待审批)."""
    found = re.search(r'id="panel-decisions".*?</section>', client.get("/").content.decode(), re.S)
    return found.group(0) if found else ""


def through_the_county(api_as: Api, caseworker: User, county_approver: User, case_id: int) -> Any:
    """Intake (no department to ask) and the county's approval."""
    cw = api_as(caseworker)
    intake = one_task(cw)
    assert cw.post(f"/api/v1/tasks/{intake['id']}/complete/", {}, format="json").data["status"] == "pending_approval"
    approve = one_task(api_as(county_approver))
    return api_as(county_approver).post(
        f"/api/v1/tasks/{approve['id']}/complete/",
        {"decision": "approve", "findings": "经查明，当事人已被判处有期徒刑。"},
        format="json",
    )


@freeze_time("2025-03-10")
def test_a_province_approved_art_59_suspension_end_to_end(
    paid: Entitlement,
    api_as: Api,
    caseworker: User,
    county_approver: User,
    province_approver: User,
    nation_supervisor: User,
    web_as: Callable[[User], Any],
) -> None:
    filed = file(
        api_as(caseworker), paid, "benefit_suspension", benefit_reason="imprisonment", benefit_start="2025-04-01"
    )
    assert filed.status_code == 201, filed.data
    assert filed.data["benefit_reason"] == "imprisonment"
    case_id = filed.data["id"]

    county = through_the_county(api_as, caseworker, county_approver, case_id)
    assert county.status_code == 200, county.data
    assert county.data["status"] == "pending_approval"  # approved at the county: now the province's turn
    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.ACTIVE  # nothing applied yet

    # The county approver neither sees the province's step in a queue nor may work on it.
    assert api_as(county_approver).get("/api/v1/tasks/?scope=queue").data == []
    province_task = one_task(api_as(province_approver))
    assert province_task["node"] == "province_approve"
    detail = web_as(province_approver).get(f"/cases/{case_id}/").content.decode()
    assert "待省级审批" in detail and "县级审批通过，报省级审批" in detail and "省级审批" in detail
    # In the province approver's inbox and workbench, not in the county approver's.
    number = Case.objects.get(pk=case_id).number
    assert number in web_as(province_approver).get("/cases/inbox/?scope=queue").content.decode()
    assert number in decisions_panel(web_as(province_approver))
    assert number not in web_as(county_approver).get("/cases/inbox/?scope=queue").content.decode()
    assert number not in decisions_panel(web_as(county_approver))
    # The province's approvers are told the task reached their queue.
    queued = Notification.objects.filter(event=CaseEvent.TASK_QUEUED, context__step="province_approve")
    assert list(queued.values_list("recipient__username", flat=True)) == ["province_approver"]
    refused = api_as(county_approver).post(
        f"/api/v1/tasks/{province_task['id']}/complete/", {"decision": "approve"}, format="json"
    )
    assert refused.status_code == 403
    assert api_as(county_approver).post(f"/api/v1/tasks/{province_task['id']}/claim/").status_code == 403

    done = api_as(province_approver).post(
        f"/api/v1/tasks/{province_task['id']}/complete/", {"decision": "approve"}, format="json"
    )
    assert done.status_code == 200, done.data
    assert done.data["status"] == Status.CLOSED

    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.SUSPENDED and paid.reason == SuspendReason.IMPRISONMENT
    assert paid.suspended_from == dt.date(2025, 4, 1)
    case = Case.objects.get(pk=case_id)
    assert case.county_approved_by == county_approver and case.decided_by == province_approver
    # The letter of the decision, naming the article and the province's approval and the filing.
    assert case.findings == "经查明，当事人已被判处有期徒刑。"  # the county's findings, kept by the province
    letter = Letter.objects.get(case=case, kind="benefit_suspend")
    text = "".join(letter.snapshot["decision"]["lines"])
    assert (
        "中止发放" in text
        and "第五十九条" in text
        and "2025年4月" in text
        and "报国务院退役军人工作主管部门备案" in text
    )
    # Filed with the ministry: a row, an audit event, a notice to the national supervisor.
    filing = MinistryFiling.objects.get()
    assert (filing.case_number, filing.action, filing.reason) == (case.number, "suspend", "imprisonment")
    assert filing.decided_by == province_approver
    assert AuditEvent.objects.filter(event_type="benefit.filed_with_ministry", object_id=str(filing.pk)).exists()
    assert Notification.objects.filter(recipient=nation_supervisor, event="benefit.ministry_filing").count() == 1
    # Nothing is paid while suspended.
    with freeze_time("2025-04-02"):
        actions.do_pay_month(dt.date(2025, 4, 1))
    assert not paid.lines.filter(month=dt.date(2025, 4, 1)).exists()


@freeze_time("2025-03-10")
def test_a_problem_data_suspension_is_decided_by_the_county_alone(
    paid: Entitlement, api_as: Api, caseworker: User, county_approver: User
) -> None:
    filed = file(api_as(caseworker), paid, "benefit_suspension", benefit_reason="problem_data")
    assert filed.status_code == 201, filed.data
    done = through_the_county(api_as, caseworker, county_approver, filed.data["id"])
    assert done.data["status"] == Status.CLOSED
    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.SUSPENDED and paid.suspended_from == dt.date(2025, 4, 1)
    assert not MinistryFiling.objects.exists()
    assert Letter.objects.filter(case_id=filed.data["id"], kind="benefit_suspend").exists()


def test_a_resumption_case_pays_back_the_suspended_months_when_the_reason_allows(
    paid: Entitlement, api_as: Api, caseworker: User, county_approver: User
) -> None:
    with freeze_time("2025-03-10"):
        actions.do_suspend(paid, reason=SuspendReason.PROBLEM_DATA, actor=None, note="身份信息待核")  # from April
    with freeze_time("2025-06-05"):
        filed = file(api_as(caseworker), paid, "benefit_resumption")
        assert filed.status_code == 201, filed.data
        done = through_the_county(api_as, caseworker, county_approver, filed.data["id"])
        assert done.data["status"] == Status.CLOSED
    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.ACTIVE
    after = [(f"{line.month:%Y-%m}", line.kind) for line in paid.lines.filter(month__gte=dt.date(2025, 4, 1))]
    assert after == [("2025-04", "arrears"), ("2025-05", "arrears"), ("2025-06", "regular")]
    letter = Letter.objects.get(case_id=filed.data["id"], kind="benefit_resume")
    assert "予以补发" in "".join(letter.snapshot["decision"]["lines"])
    assert not MinistryFiling.objects.exists()  # the county decided the suspension, and its end


def test_a_resumption_after_a_sentence_goes_to_the_province_and_pays_no_arrears(
    paid: Entitlement, api_as: Api, caseworker: User, county_approver: User, province_approver: User
) -> None:
    with freeze_time("2025-03-10"):
        actions.do_suspend(paid, reason=SuspendReason.IMPRISONMENT, actor=None)
    with freeze_time("2025-06-05"):
        filed = file(api_as(caseworker), paid, "benefit_resumption")
        assert through_the_county(api_as, caseworker, county_approver, filed.data["id"]).data["status"] == (
            "pending_approval"
        )
        task = one_task(api_as(province_approver))
        api_as(province_approver).post(f"/api/v1/tasks/{task['id']}/complete/", {"decision": "approve"}, format="json")
    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.ACTIVE
    assert not paid.lines.filter(kind=LineKind.ARREARS).exists()
    assert MinistryFiling.objects.get().action == "resume"
    letter = Letter.objects.get(case_id=filed.data["id"], kind="benefit_resume")
    assert "不予补发" in "".join(letter.snapshot["decision"]["lines"])


@freeze_time("2025-03-10")
def test_a_cancellation_case_recovers_the_lines_after_the_last_month(
    paid: Entitlement, api_as: Api, caseworker: User, county_approver: User, province_approver: User
) -> None:
    # Sentenced to life in January: February and March were paid without entitlement.
    filed = file(
        api_as(caseworker), paid, "benefit_cancellation", benefit_reason="severe_sentence", benefit_start="2025-01-20"
    )
    assert filed.status_code == 201, filed.data
    assert through_the_county(api_as, caseworker, county_approver, filed.data["id"]).data["status"] == (
        "pending_approval"
    )
    task = one_task(api_as(province_approver))
    done = api_as(province_approver).post(
        f"/api/v1/tasks/{task['id']}/complete/", {"decision": "approve"}, format="json"
    )
    assert done.status_code == 200, done.data
    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.CANCELLED and paid.last_month == dt.date(2025, 1, 1)
    item = RecoveryItem.objects.get(entitlement=paid)
    assert (item.first_month, item.last_month, item.months) == (dt.date(2025, 2, 1), dt.date(2025, 3, 1), 2)
    assert item.amount == Decimal("2100.00") and item.cause == RecoveryCause.WRONG_STANDARD
    assert item.source_ref == Case.objects.get(pk=filed.data["id"]).number
    text = "".join(Letter.objects.get(case_id=filed.data["id"], kind="benefit_cancel").snapshot["decision"]["lines"])
    assert "取消" in text and "2,100.00" in text and "应予退回" in text and "《军人抚恤优待条例》第五十九条" in text
    assert MinistryFiling.objects.get().action == "cancel"


@freeze_time("2025-03-10")
@pytest.mark.parametrize(
    ("kind", "status", "extra"),
    [
        ("benefit_suspension", EntitlementStatus.SUSPENDED, {"benefit_reason": "wanted"}),
        ("benefit_resumption", EntitlementStatus.ACTIVE, {}),
        ("benefit_cancellation", EntitlementStatus.CANCELLED, {"benefit_reason": "expelled"}),
    ],
)
def test_a_case_for_a_benefit_in_the_wrong_state_is_400_on_the_benefit_in_chinese_and_saves_nothing(
    paid: Entitlement, api_as: Api, caseworker: User, kind: str, status: str, extra: dict[str, str]
) -> None:
    Entitlement.objects.filter(pk=paid.pk).update(status=status)
    writes = AuditEvent.objects.filter(event_type__regex=r"^(case|benefit)\.")
    before = writes.count()
    response = file(api_as(caseworker), paid, kind, **extra)
    assert response.status_code == 400
    message = str(response.data["benefit_id"])
    assert "不能" in message or "无法" in message, message
    assert not Case.objects.exists() and writes.count() == before


@freeze_time("2025-03-10")
def test_a_case_without_a_benefit_or_reason_or_with_a_benefit_not_paid_here_is_400(
    paid: Entitlement, api_as: Api, caseworker: User, make_subject: Callable[..., Subject]
) -> None:
    client = api_as(caseworker)
    no_reason = file(client, paid, "benefit_suspension")
    assert no_reason.status_code == 400 and "benefit_reason" in no_reason.data
    wrong_reason = file(client, paid, "benefit_cancellation", benefit_reason="imprisonment")
    assert wrong_reason.status_code == 400 and "benefit_reason" in wrong_reason.data
    assert "死刑" in str(wrong_reason.data["benefit_reason"])  # the reasons of the list, in Chinese
    no_benefit = client.post(
        "/api/v1/cases/",
        {"subject": paid.subject_id, "kind": "benefit_suspension", "title": "中止", "benefit_reason": "wanted"},
        format="json",
    )
    assert no_benefit.status_code == 400 and "benefit_id" in no_benefit.data
    other = make_subject(name="钱多多")
    not_theirs = file(client, paid, "benefit_suspension", benefit_reason="wanted", subject=other.pk)
    assert not_theirs.status_code == 400 and "benefit_id" in not_theirs.data
    assert not Case.objects.exists()


@freeze_time("2025-03-10")
def test_the_province_step_of_another_province_is_out_of_sight(
    paid: Entitlement,
    api_as: Api,
    caseworker: User,
    county_approver: User,
    make_user: Callable[..., User],
    caseworker_b: User,
) -> None:
    filed = file(api_as(caseworker), paid, "benefit_cancellation", benefit_reason="expelled")
    through_the_county(api_as, caseworker, county_approver, filed.data["id"])
    task = Case.objects.get(pk=filed.data["id"]).process.task_set.get(flow_task__endswith="province_approve")
    beijing = make_user("beijing_approver", "approver", "11")
    for outsider in (beijing, caseworker_b):
        client = api_as(outsider)
        assert client.get("/api/v1/tasks/?scope=queue").data == []
        assert client.get(f"/api/v1/cases/{filed.data['id']}/").status_code == 404
        assert (
            client.post(f"/api/v1/tasks/{task.pk}/complete/", {"decision": "approve"}, format="json").status_code == 404
        )
        assert client.post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 404
    # Filing for a benefit of another county: the person is out of sight.
    assert file(api_as(caseworker_b), paid, "benefit_suspension", benefit_reason="wanted").status_code == 404
    assert paid.division_id != COUNTY_B


@freeze_time("2025-03-10")
def test_the_province_returns_the_case_and_it_comes_back_through_the_county(
    paid: Entitlement, api_as: Api, caseworker: User, county_approver: User, province_approver: User
) -> None:
    filed = file(api_as(caseworker), paid, "benefit_suspension", benefit_reason="wanted")
    through_the_county(api_as, caseworker, county_approver, filed.data["id"])
    task = one_task(api_as(province_approver))
    returned = api_as(province_approver).post(
        f"/api/v1/tasks/{task['id']}/complete/", {"decision": "return", "reasons": "缺少公安机关通缉令"}, format="json"
    )
    assert returned.data["status"] == Status.RETURNED
    case = Case.objects.get(pk=filed.data["id"])
    assert case.county_approved_by is None
    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.ACTIVE


@freeze_time("2025-03-10")
def test_the_benefit_page_opens_a_prefilled_case_and_the_case_page_names_the_benefit_and_reason(
    paid: Entitlement, caseworker: User, caseworker_b: User, web_as: Callable[[User], Any]
) -> None:
    client = web_as(caseworker)
    page = client.get(f"/benefits/subjects/{paid.subject_id}/").content.decode()
    found = re.search(rf'id="file-suspension-{paid.pk}" href="([^"]+)"', page)
    assert found is not None and f'id="file-cancellation-{paid.pk}"' in page
    href = html.unescape(found.group(1))
    form = client.get(href).content.decode()
    assert '<option value="benefit_suspension" selected>' in form
    assert f'<option value="{paid.benefit_id}" selected>' in form
    assert 'value="中止发放定期生活补助"' in form
    response = client.post(
        "/cases/new/",
        {
            "subject": paid.subject_id,
            "kind": "benefit_suspension",
            "title": "中止发放定期生活补助",
            "channel": "walk_in",
            "benefit_id": paid.benefit_id,
            "benefit_reason": "wanted",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.kind, case.benefit_id, case.benefit_reason) == ("benefit_suspension", paid.benefit_id, "wanted")
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "被通缉" in detail and "定期生活补助" in detail
    # A refused filing keeps the form with the field's message in Chinese, and saves nothing.
    refused = client.post(
        "/cases/new/",
        {
            "subject": paid.subject_id,
            "kind": "benefit_resumption",
            "title": "恢复发放",
            "channel": "walk_in",
            "benefit_id": paid.benefit_id,
            "duplicate_action": "continue",
        },
    )
    assert refused.status_code == 200 and "不能恢复发放" in refused.content.decode()
    assert Case.objects.count() == 1
    # The outsider: the benefit page and the prefilled form are out of sight.
    outsider = web_as(caseworker_b)
    assert outsider.get(f"/benefits/subjects/{paid.subject_id}/").status_code == 404
    assert outsider.get(href).status_code == 404


@freeze_time("2025-03-10")
def test_whoever_approved_at_the_county_cannot_approve_for_the_province(
    paid: Entitlement,
    api_as: Api,
    caseworker: User,
    province_approver: User,
    make_user: Callable[..., User],
) -> None:
    filed = file(api_as(caseworker), paid, "benefit_cancellation", benefit_reason="fraud")
    # A province approver may take the county's step (their grant covers the county) …
    through_the_county(api_as, caseworker, province_approver, filed.data["id"])
    task = Case.objects.get(pk=filed.data["id"]).process.task_set.get(flow_task__endswith="province_approve")
    # … but then not the province's (maker-checker), which stays out of their queue.
    assert api_as(province_approver).get("/api/v1/tasks/?scope=queue").data == []
    refused = api_as(province_approver).post(
        f"/api/v1/tasks/{task.pk}/complete/", {"decision": "approve"}, format="json"
    )
    assert refused.status_code == 403
    colleague = make_user("province_approver_2", "approver", "44")
    assert (
        api_as(colleague)
        .post(f"/api/v1/tasks/{task.pk}/complete/", {"decision": "approve"}, format="json")
        .data["status"]
        == Status.CLOSED
    )
    paid.refresh_from_db()
    assert paid.status == EntitlementStatus.CANCELLED
    assert not RecoveryItem.objects.filter(entitlement=paid).exists()  # nothing was paid after March
