"""The annual confirmation (年度确认): silent confirmation by each living-evidence rule, the other
methods, the spot check by a second person, automatic suspension after the grace period and a
later confirmation resuming with back-pay, a cancelled item refused, the outsider's 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from benefits import actions, confirmation
from benefits.models import (
    ConfirmationCampaign,
    ConfirmationItem,
    ConfirmationStatus,
    Entitlement,
    EntitlementStatus,
    LineKind,
    MonthlyLine,
    SpotCheck,
)
from core.errors import Forbidden
from crosscheck.actions import do_load_dataset
from jurisdictions.models import Department
from subjects.models import BenefitType, Category, Subject
from tests.conftest import COUNTY_A
from tests.subjects.conftest import new_id

pytestmark = pytest.mark.django_db

TOWNSHIP = "440106001"
OPENED = "2025-03-03"  # the campaign opens; evidence counts from 2024-09-01 (six months before March)
WINDOW = (dt.date(2025, 3, 3), dt.date(2025, 3, 31))  # grace 5 days: open items suspend from 2025-04-06


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    return ("\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n").encode()


def load(department: str, header: list[str], rows: list[list[str]]) -> int:
    batch, _created = do_load_dataset(
        _csv(header, rows), file_name=f"{department}.csv", department=department, actor=None
    )
    assert batch.loaded_rows == len(rows), batch.errors
    return batch.pk


@pytest.fixture
def people(standards: None, make_subject: Callable[..., Subject]) -> dict[str, tuple[Subject, str]]:
    """Survivors paid a 定期抚恤金 from January 2025, in 天河区 (one in a township), by name."""
    found = {}
    with freeze_time("2025-01-10"):
        for name in ["张三", "李四", "王五", "赵六", "钱七", "孙八"]:
            number = new_id(COUNTY_A)
            division = TOWNSHIP if name == "张三" else COUNTY_A
            subject = make_subject(division, id_number=number, name=name, category=Category.MARTYR_SURVIVOR)
            actions.do_award_benefit(
                subject, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=dt.date(2025, 1, 2), actor=None
            )
            found[name] = (subject, number)
    return found


def _open(approver: User | None = None, **kw: Any) -> ConfirmationCampaign:
    return confirmation.do_open_campaign(
        COUNTY_A, year=2025, actor=approver, window_start=WINDOW[0], window_end=WINDOW[1], grace_days=5, **kw
    )


def _item(campaign: ConfirmationCampaign, subject: Subject) -> ConfirmationItem:
    return ConfirmationItem.objects.get(campaign=campaign, subject=subject)


def test_a_campaign_gives_everyone_with_a_periodic_benefit_an_item_in_their_township(
    people: dict[str, tuple[Subject, str]], county_approver: User
) -> None:
    with freeze_time(OPENED):
        campaign = _open(county_approver)
    assert campaign.item_count == 6
    zhang = _item(campaign, people["张三"][0])
    assert (zhang.division_id, zhang.county_code, zhang.status) == (TOWNSHIP, COUNTY_A, ConfirmationStatus.OPEN)
    assert campaign.deadline == dt.date(2025, 4, 5)


# --- one test per living-evidence rule ------------------------------------------------------------


def test_rule_medical_settlement_confirms_a_recent_settlement_and_records_it(
    people: dict[str, tuple[Subject, str]],
) -> None:
    (zhang, zhang_id), (li, li_id) = people["张三"], people["李四"]
    with freeze_time(OPENED):
        campaign = _open()
        batch = load(
            Department.MEDICAL_INSURANCE,
            ["公民身份号码", "险种", "是否在保", "最近结算日期"],
            [[zhang_id, "基本医疗保险", "是", "2025-02-10"], [li_id, "基本医疗保险", "是", "2024-03-01"]],
        )
        counts = confirmation.do_data_match(campaign, actor=None)
    assert counts["medical_settlement"] == 1
    item = _item(campaign, zhang)
    assert (item.status, item.method, item.evidence_rule) == ("confirmed", "data_match", "medical_settlement")
    assert (item.evidence_batch_id, item.evidence_date) == (batch, dt.date(2025, 2, 10))
    assert _item(campaign, li).status == ConfirmationStatus.OPEN  # a settlement a year old is no evidence


def test_rule_contribution_confirms_a_recent_social_security_contribution(
    people: dict[str, tuple[Subject, str]],
) -> None:
    (wang, wang_id), (zhao, zhao_id) = people["王五"], people["赵六"]
    with freeze_time(OPENED):
        campaign = _open()
        load(
            Department.HR_SOCIAL_SECURITY,
            ["公民身份号码", "险种", "是否享受", "最近缴费月份"],
            [[wang_id, "职工养老保险", "否", "2025-01"], [zhao_id, "职工养老保险", "否", "202312"]],
        )
        confirmation.do_data_match(campaign, actor=None)
    item = _item(campaign, wang)
    assert (item.status, item.evidence_rule, item.evidence_date) == ("confirmed", "contribution", dt.date(2025, 1, 1))
    assert _item(campaign, zhao).status == ConfirmationStatus.OPEN


def test_rule_benefit_receipt_confirms_someone_another_department_pays(
    people: dict[str, tuple[Subject, str]],
) -> None:
    (qian, qian_id), (sun, sun_id) = people["钱七"], people["孙八"]
    with freeze_time(OPENED):
        campaign = _open()
        load(
            Department.CIVIL_AFFAIRS,
            ["公民身份号码", "救助类别", "是否在保"],
            [[qian_id, "低保", "是"], [sun_id, "低保", "否"]],
        )
        confirmation.do_data_match(campaign, actor=None)
    item = _item(campaign, qian)
    assert (item.status, item.evidence_rule, item.evidence_date) == (
        "confirmed",
        "benefit_receipt",
        dt.date(2025, 3, 3),
    )
    assert _item(campaign, sun).status == ConfirmationStatus.OPEN


def test_rule_hukou_confirms_a_registration_in_force_from_a_recent_extract_only(
    people: dict[str, tuple[Subject, str]],
) -> None:
    (zhang, zhang_id), (li, li_id) = people["张三"], people["李四"]
    header = ["公民身份号码", "姓名", "户籍地区划代码", "户口状态"]
    with freeze_time("2024-06-01"):  # an extract loaded nine months before: too old
        load(Department.PUBLIC_SECURITY, header, [[zhang_id, "张三", TOWNSHIP, "正常"]])
    with freeze_time(OPENED):
        campaign = _open()
        confirmation.do_data_match(campaign, actor=None)
        assert _item(campaign, zhang).status == ConfirmationStatus.OPEN
        load(
            Department.PUBLIC_SECURITY,
            header,
            [[zhang_id, "张三", TOWNSHIP, "正常"], [li_id, "李四", COUNTY_A, "注销"]],
        )
        confirmation.do_data_match(campaign, actor=None)
    item = _item(campaign, zhang)
    assert (item.status, item.evidence_rule) == ("confirmed", "hukou")
    li_item = _item(campaign, li)
    assert (li_item.status, li_item.death_record) == (ConfirmationStatus.OPEN, True)  # 注销: never silent


def test_rule_death_record_vetoes_every_other_evidence(people: dict[str, tuple[Subject, str]]) -> None:
    zhang, zhang_id = people["张三"]
    with freeze_time(OPENED):
        campaign = _open()
        load(Department.CIVIL_AFFAIRS, ["公民身份号码", "救助类别", "是否在保"], [[zhang_id, "低保", "是"]])
        load(Department.PUBLIC_SECURITY, ["公民身份号码", "死亡日期"], [[zhang_id, "2025-02-01"]])
        counts = confirmation.do_data_match(campaign, actor=None)
    item = _item(campaign, zhang)
    assert (item.status, item.death_record, counts["death_record"]) == (ConfirmationStatus.OPEN, True, 1)


# --- the other methods, the spot check -----------------------------------------------------------------


def test_a_home_visit_is_always_possible_and_a_video_call_needs_its_reference(
    people: dict[str, tuple[Subject, str]], caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    with freeze_time(OPENED):
        campaign = _open()
        client = api_as(caseworker)
        item = _item(campaign, people["李四"][0])
        no_ref = client.post(f"/api/v1/confirmation-items/{item.pk}/confirm/", {"method": "video"}, format="json")
        assert no_ref.status_code == 400 and "evidence" in no_ref.json()
        photo = client.post(
            f"/api/v1/confirmation-items/{item.pk}/confirm/",
            {"method": "face_elsewhere", "evidence": {"reference": "RS-1", "photo": "data:image/png;base64,AA"}},
            format="json",
        )
        assert photo.status_code == 400 and "evidence" in photo.json()
        visit = client.post(
            f"/api/v1/confirmation-items/{item.pk}/confirm/",
            {"method": "home_visit", "evidence": {"performed_by": "村委会 刘某", "performed_on": "2025-03-02"}},
            format="json",
        )
    assert visit.status_code == 200, visit.content
    body = visit.json()
    assert (body["status"], body["method"]) == ("confirmed", "home_visit")
    assert body["evidence"] == {"performed_by": "村委会 刘某", "performed_on": "2025-03-02"}
    assert AuditEvent.objects.filter(event_type="benefit.confirmed", object_id=str(item.pk)).exists()


def test_a_drawn_confirmation_is_spot_checked_by_a_second_person_never_the_same(
    people: dict[str, tuple[Subject, str]],
    caseworker: User,
    county_approver: User,
    api_as: Callable[[User], APIClient],
) -> None:
    with freeze_time(OPENED):
        campaign = _open(spot_check_percent=100)
        item = _item(campaign, people["李四"][0])
        done = api_as(caseworker).post(
            f"/api/v1/confirmation-items/{item.pk}/confirm/",
            {"method": "face_elsewhere", "evidence": {"reference": "人社刷脸 20250303-0042"}},
            format="json",
        )
        assert done.json()["spot_check"] == SpotCheck.PENDING
        same = api_as(caseworker).post(
            f"/api/v1/confirmation-items/{item.pk}/spot-check/", {"upheld": True}, format="json"
        )
        assert same.status_code == 403
        second = api_as(county_approver).post(
            f"/api/v1/confirmation-items/{item.pk}/spot-check/", {"upheld": True}, format="json"
        )
    assert second.status_code == 200, second.content
    item.refresh_from_db()
    assert (item.spot_check, item.spot_checked_by_id) == (SpotCheck.UPHELD, county_approver.pk)


def test_a_confirmation_not_upheld_reopens_the_item(
    people: dict[str, tuple[Subject, str]], county_approver: User, caseworker: User
) -> None:
    zhang, zhang_id = people["张三"]
    with freeze_time(OPENED):
        campaign = _open(county_approver, spot_check_percent=100)
        load(Department.CIVIL_AFFAIRS, ["公民身份号码", "救助类别", "是否在保"], [[zhang_id, "低保", "是"]])
        confirmation.do_data_match(campaign, actor=county_approver)
        item = _item(campaign, zhang)
        assert item.spot_check == SpotCheck.PENDING
        with pytest.raises(Forbidden):  # the approver ran the match: not a second person
            confirmation.do_spot_check(item, upheld=False, actor=county_approver)
        confirmation.do_spot_check(item, upheld=False, actor=caseworker)
    item.refresh_from_db()
    assert (item.status, item.spot_check, item.method) == (ConfirmationStatus.OPEN, SpotCheck.REJECTED, "")


# --- after the grace period ------------------------------------------------------------------------------


def test_open_items_suspend_after_the_grace_period_and_a_later_confirmation_pays_back(
    people: dict[str, tuple[Subject, str]], caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    li = people["李四"][0]
    with freeze_time(OPENED):
        campaign = _open()
    with freeze_time("2025-04-05 10:00"):  # the last day of grace (18:00 in Beijing)
        assert confirmation.suspend_overdue() == 0
    with freeze_time("2025-04-06 02:00"):
        from benefits.tasks import suspend_overdue_confirmations

        assert suspend_overdue_confirmations.call() == 6
    entitlement = Entitlement.objects.get(subject=li)
    assert (entitlement.status, entitlement.reason, entitlement.suspended_from) == (
        EntitlementStatus.SUSPENDED,
        "confirmation_overdue",
        dt.date(2025, 4, 1),
    )
    item = _item(campaign, li)
    assert item.status == ConfirmationStatus.OVERDUE
    assert AuditEvent.objects.filter(event_type="benefit.suspension_notice", object_id=str(entitlement.pk)).exists()

    with freeze_time("2025-06-10"):
        done = api_as(caseworker).post(
            f"/api/v1/confirmation-items/{item.pk}/confirm/",
            {"method": "station", "evidence": {"performed_by": "服务站 陈某"}},
            format="json",
        )
    assert done.status_code == 200, done.content
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ACTIVE
    lines = MonthlyLine.objects.filter(entitlement=entitlement, month__gte=dt.date(2025, 4, 1)).order_by("month")
    assert [(line.month, line.kind) for line in lines] == [
        (dt.date(2025, 4, 1), LineKind.ARREARS),
        (dt.date(2025, 5, 1), LineKind.ARREARS),
        (dt.date(2025, 6, 1), LineKind.REGULAR),
    ]
    assert all(line.amount == entitlement.monthly_amount for line in lines)


def test_confirming_a_cancelled_item_is_refused_in_chinese_and_saves_nothing(
    people: dict[str, tuple[Subject, str]], caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    with freeze_time(OPENED):
        campaign = _open()
        item = _item(campaign, people["王五"][0])
        client = api_as(caseworker)
        cancelled = client.post(
            f"/api/v1/confirmation-items/{item.pk}/cancel/", {"reason": "已迁往外省"}, format="json"
        )
        assert cancelled.status_code == 200
        events = AuditEvent.objects.count()
        refused = client.post(f"/api/v1/confirmation-items/{item.pk}/confirm/", {"method": "home_visit"}, format="json")
    assert refused.status_code == 400
    message = refused.json()["status"][0]
    assert "王五" in message and "撤销" in message and "已迁往外省" in message
    item.refresh_from_db()
    assert (item.status, item.method, item.confirmed_at) == (ConfirmationStatus.CANCELLED, "", None)
    assert AuditEvent.objects.count() == events


def test_confirming_twice_is_a_conflict(
    people: dict[str, tuple[Subject, str]], caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    with freeze_time(OPENED):
        campaign = _open()
        item = _item(campaign, people["王五"][0])
        client = api_as(caseworker)
        assert (
            client.post(
                f"/api/v1/confirmation-items/{item.pk}/confirm/", {"method": "station"}, format="json"
            ).status_code
            == 200
        )
        again = client.post(f"/api/v1/confirmation-items/{item.pk}/confirm/", {"method": "station"}, format="json")
    assert again.status_code == 409


# --- API, progress, command, outsiders --------------------------------------------------------------------


def test_the_api_opens_a_campaign_matches_and_reports_progress_per_level(
    people: dict[str, tuple[Subject, str]], county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    zhang_id = people["张三"][1]
    client = api_as(county_approver)
    with freeze_time(OPENED):
        load(Department.CIVIL_AFFAIRS, ["公民身份号码", "救助类别", "是否在保"], [[zhang_id, "低保", "是"]])
        made = client.post(
            "/api/v1/confirmation-campaigns/",
            {"division": COUNTY_A, "year": 2025, "window_start": "2025-03-03", "window_end": "2025-03-31"},
            format="json",
        )
        assert made.status_code == 201, made.content
        body = made.json()
        assert body["progress"]["total"] == 6 and body["progress"]["data_match"] == 1
        assert body["deadline"] == "2025-04-05"
        again = client.post("/api/v1/confirmation-campaigns/", {"division": COUNTY_A, "year": 2025}, format="json")
        assert again.status_code == 409
        listed = client.get("/api/v1/confirmation-campaigns/").json()["results"]
        assert [c["id"] for c in listed] == [body["id"]]
        items = client.get(f"/api/v1/confirmation-campaigns/{body['id']}/items/?status=confirmed").json()["results"]
        assert [(i["name"], i["evidence"]["rule"]) for i in items] == [("张三", "benefit_receipt")]
        townships = client.get(f"/api/v1/confirmation-campaigns/{body['id']}/progress/?level=township").json()
        assert {(r["code"], r["total"], r["confirmed"]) for r in townships} == {(TOWNSHIP, 1, 1), (COUNTY_A, 5, 0)}
        province = client.get(f"/api/v1/confirmation-campaigns/{body['id']}/progress/?level=province").json()
        assert [(r["code"], r["total"], r["percent"]) for r in province] == [("44", 6, 16.7)]


def test_a_caseworker_cannot_open_a_campaign(caseworker: User, api_as: Callable[[User], APIClient]) -> None:
    made = api_as(caseworker).post(
        "/api/v1/confirmation-campaigns/", {"division": COUNTY_A, "year": 2025}, format="json"
    )
    assert made.status_code == 403


def test_the_command_opens_a_campaign_and_matches(people: dict[str, tuple[Subject, str]], capsys: Any) -> None:
    with freeze_time(OPENED):
        call_command("open_confirmation_campaign", "--division", COUNTY_A, "--year", "2025")
    campaign = ConfirmationCampaign.objects.get()
    assert (campaign.item_count, campaign.window_start, campaign.matched_at is not None) == (
        6,
        dt.date(2025, 3, 3),
        True,
    )
    assert f"campaign {campaign.pk}: 6 people" in capsys.readouterr().out


def test_outsiders_get_404_on_every_page_and_endpoint(
    people: dict[str, tuple[Subject, str]],
    caseworker_b: User,
    outsider: User,
    api_as: Callable[[User], APIClient],
    client: Any,
) -> None:
    with freeze_time(OPENED):
        campaign = _open()
    item = _item(campaign, people["李四"][0])
    for user in (caseworker_b, outsider):
        api = api_as(user)
        assert api.get("/api/v1/confirmation-campaigns/").json()["results"] == []
        assert api.get(f"/api/v1/confirmation-campaigns/{campaign.pk}/items/").status_code == 404
        assert api.get(f"/api/v1/confirmation-campaigns/{campaign.pk}/progress/").status_code == 404
        assert api.post(f"/api/v1/confirmation-campaigns/{campaign.pk}/data-match/").status_code == 404
        for action, body in (
            ("confirm", {"method": "station"}),
            ("spot-check", {"upheld": True}),
            ("cancel", {"reason": "x"}),
        ):
            assert api.post(f"/api/v1/confirmation-items/{item.pk}/{action}/", body, format="json").status_code == 404
        assert (
            api.post("/api/v1/confirmation-campaigns/", {"division": COUNTY_A, "year": 2024}, format="json").status_code
            == 404
        )
        client.force_login(user)
        assert client.get(f"/benefits/confirmation/{campaign.pk}/").status_code == 404
        assert client.post(f"/benefits/confirmation/{campaign.pk}/match/").status_code == 404
        for action in ("confirm", "spot-check", "cancel"):
            assert (
                client.post(f"/benefits/confirmation/items/{item.pk}/{action}/", {"method": "station"}).status_code
                == 404
            )
        assert client.post("/benefits/confirmation/open/", {"division": COUNTY_A, "year": "2024"}).status_code == 404
        page = client.get("/benefits/confirmation/")
        assert page.status_code == 200 and "campaign-list" not in page.content.decode()
    item.refresh_from_db()
    assert item.status == ConfirmationStatus.OPEN


def test_the_pages_confirm_and_show_progress(
    people: dict[str, tuple[Subject, str]], caseworker: User, client: Any
) -> None:
    with freeze_time(OPENED):
        campaign = _open()
        item = _item(campaign, people["李四"][0])
        client.force_login(caseworker)
        listing = client.get("/benefits/confirmation/")
        assert listing.status_code == 200 and f"/benefits/confirmation/{campaign.pk}/" in listing.content.decode()
        page = client.get(f"/benefits/confirmation/{campaign.pk}/?level=township")
        assert page.status_code == 200 and "李四" in page.content.decode()
        done = client.post(
            f"/benefits/confirmation/items/{item.pk}/confirm/", {"method": "home_visit", "performed_on": "2025-03-03"}
        )
        assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.method, item.confirmed_by_id) == ("confirmed", "home_visit", caseworker.pk)


def test_one_person_is_matched_on_demand_once_new_data_arrives(
    people: dict[str, tuple[Subject, str]], caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    zhao, zhao_id = people["赵六"]
    with freeze_time(OPENED):
        campaign = _open()
        item = _item(campaign, zhao)
        client = api_as(caseworker)
        nothing = client.post(f"/api/v1/confirmation-items/{item.pk}/confirm/", {"method": "data_match"}, format="json")
        assert nothing.status_code == 400 and "赵六" in nothing.json()["method"][0]
        load(
            Department.MEDICAL_INSURANCE,
            ["公民身份号码", "险种", "是否在保", "最近结算日期"],
            [[zhao_id, "基本医疗保险", "是", "2025-03-01"]],
        )
        found = client.post(f"/api/v1/confirmation-items/{item.pk}/confirm/", {"method": "data_match"}, format="json")
    assert found.status_code == 200, found.content
    assert found.json()["evidence"]["rule"] == "medical_settlement"
    assert found.json()["evidence"]["date"] == "2025-03-01"


def test_the_new_feed_columns_reject_a_bad_month_and_an_unknown_household_status(
    people: dict[str, tuple[Subject, str]],
) -> None:
    zhang_id = people["张三"][1]
    batch, _created = do_load_dataset(
        _csv(["公民身份号码", "险种", "是否享受", "最近缴费月份"], [[zhang_id, "职工养老保险", "否", "2025-13"]]),
        file_name="人社.csv",
        department=Department.HR_SOCIAL_SECURITY,
        actor=None,
    )
    assert [(e["row"], e["field"]) for e in batch.errors] == [(2, "最近缴费月份")]
    batch, _created = do_load_dataset(
        _csv(["公民身份号码", "姓名", "户籍地区划代码", "户口状态"], [[zhang_id, "张三", TOWNSHIP, "不详"]]),
        file_name="户籍.csv",
        department=Department.PUBLIC_SECURITY,
        actor=None,
    )
    assert [(e["row"], e["field"]) for e in batch.errors] == [(2, "户口状态")]


def test_the_spot_check_page_takes_a_second_person_and_refuses_the_first(
    people: dict[str, tuple[Subject, str]], caseworker: User, make_user: Callable[..., User], client: Any
) -> None:
    with freeze_time(OPENED):
        campaign = _open(spot_check_percent=100)
        item = _item(campaign, people["孙八"][0])
        client.force_login(caseworker)
        client.post(f"/benefits/confirmation/items/{item.pk}/confirm/", {"method": "station"})
        waiting = client.get(f"/benefits/confirmation/{campaign.pk}/?status=spot_check")
        assert "孙八" in waiting.content.decode()
        refused = client.post(f"/benefits/confirmation/items/{item.pk}/spot-check/", {"upheld": "1"})
        assert refused.status_code == 403
        second = make_user("caseworker_2", "caseworker")
        client.force_login(second)
        queue = client.get("/cases/inbox/?scope=queue").content.decode()
        assert f'href="/benefits/confirmation/{campaign.pk}/?level=township&amp;status=spot_check"' in queue
        done = client.post(f"/benefits/confirmation/items/{item.pk}/spot-check/", {"upheld": "1"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.spot_check, item.spot_checked_by_id) == (SpotCheck.UPHELD, second.pk)
