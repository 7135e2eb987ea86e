"""Transfers between jurisdictions (跨地区转移): two-sided approval, the paying county changing at the
stated month, cases that move or stay, refusals, bad input, outsiders, the 兵团."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from benefits import actions as benefit_actions
from benefits import rosters
from benefits.models import Entitlement, LineKind, MonthlyLine, PayingCountyChange
from cases.actions import do_file_case
from cases.models import Case, Kind
from notifications.models import Notification
from subjects.models import Subject
from tests.conftest import COUNTY_A, COUNTY_B
from transfers.models import Status, Transfer

from .conftest import BEIJING, SHIHEZI, propose_body

pytestmark = pytest.mark.django_db

MARCH = "2026-03-16 10:00:00+08:00"


def _months(lines: Any) -> list[str]:
    return sorted(f"{line.month:%Y-%m}" for line in lines)


def _roster_months(county: str, period: str) -> list[str]:
    roster = rosters.do_generate_roster(county, period, actor=None)
    return _months(MonthlyLine.objects.filter(roster_id=roster.pk))


def _file(subject: Subject, actor: User, title: str, kind: str = Kind.GRIEVANCE) -> Case:
    return do_file_case(subject, kind=kind, title=title, actor=actor, duplicate_action="continue")


@freeze_time(MARCH)
def test_a_transfer_across_provinces_moves_the_file_and_the_paying_county_at_the_stated_month(
    pensioner: Entitlement,
    caseworker: User,
    approver_a: User,
    approver_beijing: User,
    api_as: Callable[[User], APIClient],
) -> None:
    subject = pensioner.subject
    moving = _file(subject, caseworker, "住房困难")
    staying = _file(subject, caseworker, "医疗报销")
    proposed = api_as(caseworker).post(
        f"/api/v1/subjects/{subject.pk}/transfers/",
        propose_body(cases={moving.number: "move", staying.number: "stay"}),
        format="json",
    )
    assert proposed.status_code == 201, proposed.content
    body = proposed.json()
    assert (body["status"], body["from_division"], body["to"], body["effective_month"]) == (
        "proposed",
        COUNTY_A,
        BEIJING,
        "2026-04",
    )
    transfer_id = body["id"]

    # The receiving county sees a summary of the person, not the record; it is not its turn yet (409).
    beijing = api_as(approver_beijing)
    seen = beijing.get("/api/v1/transfers/?direction=in").json()
    assert [t["id"] for t in seen] == [transfer_id]
    person = seen[0]["person"]
    assert person["name"] == "赵六" and "*" in person["id_number_masked"]
    assert [(b["benefit_type"], b["status"]) for b in person["benefits"]] == [("periodic_pension", "active")]
    assert {c["number"]: c["choice"] for c in person["cases"]} == {moving.number: "move", staying.number: "stay"}
    assert beijing.get(f"/api/v1/subjects/{subject.pk}/").status_code == 404
    assert beijing.post(f"/api/v1/transfers/{transfer_id}/accept/").status_code == 409
    assert api_as(caseworker).get("/api/v1/transfers/?direction=out").json()[0]["id"] == transfer_id
    assert api_as(caseworker).get("/api/v1/transfers/?direction=in").json() == []

    released = api_as(approver_a).post(f"/api/v1/transfers/{transfer_id}/release/")
    assert released.status_code == 200 and released.json()["status"] == "released"
    # Each side's approvers are told when it is their turn; the proposer when it is decided.
    waiting = Notification.objects.filter(event="transfer.waiting")
    assert set(waiting.values_list("recipient__username", flat=True)) == {"approver_a", "approver_bj"}
    accepted = beijing.post(f"/api/v1/transfers/{transfer_id}/accept/")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"

    assert Notification.objects.filter(event="transfer.decided", recipient=caseworker).exists()
    subject.refresh_from_db()
    assert subject.division_id == BEIJING
    pensioner.refresh_from_db()
    assert pensioner.county_code == BEIJING
    change = PayingCountyChange.objects.get(entitlement=pensioner)
    assert (change.from_county_code, change.to_county_code, change.month) == (COUNTY_A, BEIJING, dt.date(2026, 4, 1))
    moving.refresh_from_db()
    staying.refresh_from_db()
    assert (moving.division_id, moving.number) == (BEIJING, moving.number)
    assert staying.division_id == COUNTY_A
    assert beijing.get(f"/api/v1/subjects/{subject.pk}/").status_code == 200
    assert api_as(caseworker).get(f"/api/v1/subjects/{subject.pk}/").status_code == 404

    # April and May are paid by 东城区; a February arrears line written later still goes to 天河区.
    for month in (4, 5):
        with freeze_time(f"2026-{month:02d}-03"):
            benefit_actions.do_pay_month(dt.date(2026, month, 1))
    MonthlyLine.objects.create(
        entitlement=pensioner, month=dt.date(2026, 2, 1), kind=LineKind.ARREARS, amount=Decimal("10.00")
    )
    assert _roster_months(COUNTY_A, "2026-05") == ["2026-01", "2026-02", "2026-02", "2026-03"]
    assert _roster_months(BEIJING, "2026-05") == ["2026-04", "2026-05"]

    # Both sides' histories show it: the person's events and each county's audit trail.
    events = AuditEvent.objects.filter(event_type__startswith="transfer.")
    assert {e.event_type for e in events.filter(object_type="subjects.subject")} == {
        "transfer.proposed",
        "transfer.released",
        "transfer.accepted",
    }
    for side in (COUNTY_A, BEIJING):
        assert events.filter(division_code=side, event_type="transfer.accepted").exists()
        assert events.filter(division_code=side, event_type="transfer.case_moved").exists()


@freeze_time(MARCH)
def test_the_receiving_county_refuses_with_reasons_and_nothing_moves(
    pensioner: Entitlement,
    caseworker: User,
    approver_a: User,
    approver_beijing: User,
    caseworker_beijing: User,
    api_as: Callable[[User], APIClient],
) -> None:
    subject = pensioner.subject
    transfer_id = (
        api_as(caseworker).post(f"/api/v1/subjects/{subject.pk}/transfers/", propose_body(), format="json").json()["id"]
    )
    api_as(approver_a).post(f"/api/v1/transfers/{transfer_id}/release/")
    # A caseworker of the receiving county sees it but the decision is an approver's (403).
    assert api_as(caseworker_beijing).get(f"/api/v1/transfers/{transfer_id}/").status_code == 200
    assert api_as(caseworker_beijing).post(f"/api/v1/transfers/{transfer_id}/accept/").status_code == 403

    beijing = api_as(approver_beijing)
    blank = beijing.post(f"/api/v1/transfers/{transfer_id}/refuse/", {"reasons": " "}, format="json")
    assert blank.status_code == 400 and "拒绝" in blank.json()["reasons"][0]
    refused = beijing.post(f"/api/v1/transfers/{transfer_id}/refuse/", {"reasons": "户籍尚未迁入本区"}, format="json")
    assert refused.status_code == 200
    assert (refused.json()["status"], refused.json()["refused_by_side"]) == ("refused", "in")
    assert refused.json()["refusal_reasons"] == "户籍尚未迁入本区"
    subject.refresh_from_db()
    pensioner.refresh_from_db()
    assert (subject.division_id, pensioner.county_code) == (COUNTY_A, COUNTY_A)
    assert not PayingCountyChange.objects.exists()
    # Refused: a new transfer may be proposed; a decided one cannot be accepted (409).
    assert beijing.post(f"/api/v1/transfers/{transfer_id}/accept/").status_code == 409
    again = api_as(caseworker).post(f"/api/v1/subjects/{subject.pk}/transfers/", propose_body(), format="json")
    assert again.status_code == 201


@freeze_time(MARCH)
def test_the_sending_approver_may_refuse_before_release(
    subject_a: Subject, caseworker: User, approver_a: User, api_as: Callable[[User], APIClient]
) -> None:
    transfer_id = (
        api_as(caseworker)
        .post(f"/api/v1/subjects/{subject_a.pk}/transfers/", propose_body(), format="json")
        .json()["id"]
    )
    assert api_as(caseworker).post(f"/api/v1/transfers/{transfer_id}/release/").status_code == 403
    refused = api_as(approver_a).post(
        f"/api/v1/transfers/{transfer_id}/refuse/", {"reasons": "材料不全"}, format="json"
    )
    assert (refused.json()["status"], refused.json()["refused_by_side"]) == ("refused", "out")


@freeze_time(MARCH)
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (propose_body(to="110199"), "to", "110199"),
        (propose_body(to="999999"), "to", "999999"),
        (propose_body(to=COUNTY_A), "to", "本县"),
        (propose_body(to="1101"), "to", "区县"),
        (propose_body(reason=""), "reason", "原因"),
        (propose_body(effective_month="2026-13"), "effective_month", "YYYY-MM"),
        (propose_body(effective_month="2026-02"), "effective_month", "已过"),
    ],
)
def test_bad_input_is_a_chinese_400_naming_the_field_and_nothing_is_saved(
    subject_a: Subject,
    caseworker: User,
    api_as: Callable[[User], APIClient],
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    response = api_as(caseworker).post(f"/api/v1/subjects/{subject_a.pk}/transfers/", body, format="json")
    assert response.status_code == 400, response.content
    assert words in response.json()[field][0]
    assert not Transfer.objects.exists()


@freeze_time(MARCH)
def test_a_second_open_transfer_of_the_same_person_is_refused(
    subject_a: Subject, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(caseworker)
    first = client.post(f"/api/v1/subjects/{subject_a.pk}/transfers/", propose_body(), format="json")
    assert first.status_code == 201
    second = client.post(f"/api/v1/subjects/{subject_a.pk}/transfers/", propose_body(to=COUNTY_B), format="json")
    assert second.status_code == 400
    assert first.json()["number"] in second.json()["subject"][0]
    assert Transfer.objects.count() == 1


@freeze_time(MARCH)
def test_outsiders_get_404_on_every_page_and_endpoint(
    subject_a: Subject,
    caseworker: User,
    outsider: User,
    api_as: Callable[[User], APIClient],
    web_as: Callable[[User], Any],
) -> None:
    transfer = api_as(caseworker).post(f"/api/v1/subjects/{subject_a.pk}/transfers/", propose_body(), format="json")
    pk = transfer.json()["id"]
    client = api_as(outsider)
    assert client.get(f"/api/v1/transfers/{pk}/").status_code == 404
    assert client.get("/api/v1/transfers/").json() == []
    for step in ("release", "accept", "refuse"):
        assert client.post(f"/api/v1/transfers/{pk}/{step}/", {"reasons": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/subjects/{subject_a.pk}/transfers/", propose_body(), format="json").status_code == 404
    web = web_as(outsider)
    assert web.get(f"/transfers/{pk}/").status_code == 404
    assert web.post(f"/transfers/{pk}/", {"step": "refuse", "reasons": "x"}).status_code == 404
    assert web.get(f"/transfers/new/{subject_a.pk}/").status_code == 404
    assert "ZY" not in web.get("/transfers/").content.decode()
    assert Transfer.objects.get(pk=pk).status == Status.PROPOSED


@freeze_time(MARCH)
def test_a_transfer_to_the_bingtuan_is_accepted_by_a_division_of_the_corps(
    subject_a: Subject,
    caseworker: User,
    approver_a: User,
    make_user: Callable[..., User],
    api_as: Callable[[User], APIClient],
) -> None:
    """石河子市 (659001) keeps its Xinjiang code; the 第八师 (6608) approver covers it through the link."""
    corps = make_user("approver_8", "approver", "6608")
    pk = (
        api_as(caseworker)
        .post(
            f"/api/v1/subjects/{subject_a.pk}/transfers/",
            propose_body(to=SHIHEZI, reason="随迁至第八师石河子市"),
            format="json",
        )
        .json()["id"]
    )
    api_as(approver_a).post(f"/api/v1/transfers/{pk}/release/")
    assert [t["id"] for t in api_as(corps).get("/api/v1/transfers/?direction=in").json()] == [pk]
    assert api_as(corps).post(f"/api/v1/transfers/{pk}/accept/").status_code == 200
    subject_a.refresh_from_db()
    assert subject_a.division_id == SHIHEZI
    # …and back out of the 兵团 to 天河区.
    back = api_as(make_user("caseworker_8", "caseworker", "6608")).post(
        f"/api/v1/subjects/{subject_a.pk}/transfers/", propose_body(to=COUNTY_A, reason="返回原籍"), format="json"
    )
    assert back.status_code == 201 and back.json()["from_division"] == SHIHEZI


@freeze_time(MARCH)
def test_the_pages_propose_release_and_accept_from_the_person_and_the_workbench(
    pensioner: Entitlement,
    caseworker: User,
    approver_a: User,
    approver_beijing: User,
    web_as: Callable[[User], Any],
) -> None:
    subject = pensioner.subject
    case = _file(subject, caseworker, "住房困难")
    web = web_as(caseworker)
    person = web.get(f"/subjects/{subject.pk}/").content.decode()
    assert f"/transfers/new/{subject.pk}/" in person
    form = web.get(f"/transfers/new/{subject.pk}/")
    assert form.status_code == 200 and case.number in form.content.decode()
    bad = web.post(f"/transfers/new/{subject.pk}/", {"to": "999999", "reason": "迁居", "effective_month": "2026-04"})
    assert bad.status_code == 400 and "999999" in bad.content.decode()
    made = web.post(
        f"/transfers/new/{subject.pk}/",
        {"to": BEIJING, "reason": "户籍迁往北京", "effective_month": "2026-04", f"case_{case.pk}": "move"},
    )
    assert made.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.case_choices == {str(case.pk): "move"}
    # The person's page now shows the transfer and no second button.
    person = web.get(f"/subjects/{subject.pk}/").content.decode()
    assert transfer.number in person and f"/transfers/new/{subject.pk}/" not in person

    approver = web_as(approver_a)
    assert transfer.number in approver.get("/").content.decode()
    assert approver.post(f"/transfers/{transfer.pk}/", {"step": "release"}).status_code == 302
    receiving = web_as(approver_beijing)
    assert transfer.number in receiving.get("/").content.decode()
    assert transfer.number in receiving.get("/transfers/?direction=in").content.decode()
    page = receiving.get(f"/transfers/{transfer.pk}/").content.decode()
    assert "赵六" in page and subject.id_number_masked in page
    refused = receiving.post(f"/transfers/{transfer.pk}/", {"step": "refuse", "reasons": ""})
    assert refused.status_code == 400
    assert receiving.post(f"/transfers/{transfer.pk}/", {"step": "accept"}).status_code == 302
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == Status.ACCEPTED and case.division_id == BEIJING
    history = receiving.get(f"/subjects/{subject.pk}/").content.decode()
    assert "转入地接收转移" in history and "提出跨地区转移" in history  # the person's history names the steps
    timeline = receiving.get(f"/cases/{case.pk}/").content.decode()
    assert "案件随档案转至外地" in timeline
