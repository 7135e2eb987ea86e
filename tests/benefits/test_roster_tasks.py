"""Roster leftovers: approval as a workbench task for approvers (never the maker), the province's view of
every county's rosters, the full account revealed for a reason (audited), reissues only while payable."""

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
from benefits import actions, rosters
from benefits.models import Entitlement, EntitlementStatus, ItemStatus, Roster, RosterItem
from jurisdictions.actions import do_grant_membership
from jurisdictions.models import Division
from subjects.models import BenefitType, Category, Subject
from tests.conftest import COUNTY_A, COUNTY_B, MEMBERSHIPS_SINCE, PROVINCE

pytestmark = pytest.mark.django_db

ACCOUNTS = ["6222020200112233445", "6217000010001234567"]


def _pay(make_subject: Callable[..., Subject], county: str, names: list[str]) -> list[Entitlement]:
    paid = []
    with freeze_time("2025-01-10"):
        for name, account in zip(names, ACCOUNTS, strict=False):
            entitlement = actions.do_award_benefit(
                make_subject(county, category=Category.MARTYR_SURVIVOR, name=name),
                benefit_type=BenefitType.PERIODIC_PENSION,
                approved_on=dt.date(2025, 1, 2),
                actor=None,
            )
            paid.append(rosters.do_set_account(entitlement, account=account, actor=None, reason="开户"))
    return paid


@pytest.fixture
def pensioners(standards: None, make_subject: Callable[..., Subject]) -> list[Entitlement]:
    return _pay(make_subject, COUNTY_A, ["张三", "李四"])


def _returns(roster: Roster, answers: dict[int, tuple[str, str]]) -> str:
    lines, total = ["行号,金额,结果,原因"], Decimal("0")
    for item in RosterItem.objects.filter(roster=roster).order_by("row"):
        result, reason = answers.get(item.row, ("成功", ""))
        lines.append(f"{item.row},{item.amount},{result},{reason}")
        total += item.amount
    return "\n".join([*lines, f"合计,{total}"]) + "\n"


def _queue(client: APIClient) -> list[dict[str, Any]]:
    return [row for row in client.get("/api/v1/tasks/?scope=queue").json() if row["step"]]


def test_a_roster_waiting_for_approval_is_a_step_of_the_approvers_not_the_makers(
    pensioners: list[Entitlement],
    caseworker: User,
    county_approver: User,
    api_as: Callable[[User], APIClient],
    web_as: Callable[[User], Any],
) -> None:
    do_grant_membership(
        caseworker,
        division=Division.objects.get(code=COUNTY_A),
        role="approver",
        starts_on=MEMBERSHIPS_SINCE,
        actor=None,
    )
    with freeze_time("2025-02-03"):
        roster = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    [step] = _queue(api_as(county_approver))
    assert step["step"]["kind"] == "benefit_roster_approval" and step["step"]["due"] == "2025-02-08"
    assert "2025-01" in step["step"]["title"] and step["step"]["url"] == "/benefits/rosters/?period=2025-01"
    assert _queue(api_as(caseworker)) == []  # the maker, though an approver too
    inbox = web_as(county_approver).get("/cases/inbox/?scope=queue").content.decode()
    assert step["step"]["title"] in inbox and 'href="/benefits/rosters/?period=2025-01"' in inbox
    # Approving completes the step.
    web_as(county_approver).post(f"/benefits/rosters/{roster.pk}/approve/")
    assert _queue(api_as(county_approver)) == []


def test_a_roster_of_another_county_is_no_step_of_this_approver(
    standards: None,
    make_subject: Callable[..., Subject],
    caseworker_b: User,
    county_approver: User,
    api_as: Callable[[User], APIClient],
) -> None:
    _pay(make_subject, COUNTY_B, ["王五"])
    rosters.do_generate_roster(COUNTY_B, "2025-01", actor=caseworker_b)
    assert _queue(api_as(county_approver)) == []


def test_a_province_s_rosters_made_at_once_each_wait_for_approval_and_an_overdue_one_is_counted(
    standards: None,
    make_subject: Callable[..., Subject],
    caseworker: User,
    make_user: Callable[..., User],
    county_approver: User,
    api_as: Callable[[User], APIClient],
) -> None:
    from cases.actions.sla import scan_steps

    _pay(make_subject, COUNTY_A, ["张三"])
    _pay(make_subject, COUNTY_B, ["王五"])
    maker = make_user("province_caseworker", "caseworker", PROVINCE)
    with freeze_time("2025-02-03"):
        made = rosters.do_generate_rosters(PROVINCE, "2025-01", actor=maker)
    assert {r.county_code for r in made} == {COUNTY_A, COUNTY_B}
    assert [row["step"]["division"] for row in _queue(api_as(county_approver))] == [COUNTY_A]
    with freeze_time("2025-02-10 09:00:00+08:00"):
        assert scan_steps(dt.datetime.now(dt.UTC))["steps_overdue"] == 2


def test_a_province_user_sees_every_countys_rosters_and_their_reconciliation(
    standards: None,
    make_subject: Callable[..., Subject],
    caseworker: User,
    caseworker_b: User,
    county_approver: User,
    make_user: Callable[..., User],
    api_as: Callable[[User], APIClient],
    web_as: Callable[[User], Any],
) -> None:
    _pay(make_subject, COUNTY_A, ["张三", "李四"])
    _pay(make_subject, COUNTY_B, ["王五"])
    a = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    b = rosters.do_generate_roster(COUNTY_B, "2025-01", actor=caseworker_b)
    rosters.do_approve_roster(a, actor=county_approver)
    rosters.do_import_returns(a, _returns(a, {2: ("退票", "户名不符")}), actor=caseworker)
    province = make_user("province_supervisor", "supervisor", PROVINCE)
    rows = api_as(province).get("/api/v1/rosters/by-county/?period=2025-01").json()
    by_code = {row["division"]: row for row in rows}
    assert set(by_code) == {COUNTY_A, COUNTY_B}
    returned = RosterItem.objects.get(roster=a, row=2).amount
    assert by_code[COUNTY_A]["returned"] == f"{returned:.2f}" and by_code[COUNTY_A]["balanced"] is True
    assert by_code[COUNTY_B]["pending"] == f"{b.total:.2f}" and by_code[COUNTY_B]["balanced"] is False
    listed = {r["id"] for r in api_as(province).get("/api/v1/rosters/").json()["results"]}
    assert listed == {a.pk, b.pk}
    page = web_as(province).get("/benefits/rosters/").content.decode()
    assert 'id="rosters-by-county"' in page and "天河区" in page and "越秀区" in page
    # A county sees only its own; another province nothing.
    assert [r["division"] for r in api_as(caseworker).get("/api/v1/rosters/by-county/").json()] == [COUNTY_A]
    stranger = make_user("stranger", "supervisor", "11")
    assert api_as(stranger).get("/api/v1/rosters/by-county/").json() == []
    assert 'id="rosters-by-county"' not in web_as(caseworker).get("/benefits/rosters/").content.decode()
    bad = api_as(province).get("/api/v1/rosters/by-county/?period=2025-13")
    assert bad.status_code == 400


def test_the_full_account_is_revealed_for_a_reason_and_audited(
    pensioners: list[Entitlement],
    caseworker: User,
    outsider: User,
    api_as: Callable[[User], APIClient],
    web_as: Callable[[User], Any],
) -> None:
    entitlement = pensioners[0]
    ledger = web_as(caseworker).get(f"/benefits/subjects/{entitlement.subject_id}/").content.decode()
    assert f'id="reveal-account-{entitlement.pk}"' in ledger and ACCOUNTS[0] not in ledger
    refused = api_as(caseworker).post(f"/api/v1/entitlements/{entitlement.pk}/reveal-account/", {"reason": ""})
    assert refused.status_code == 400
    shown = api_as(caseworker).post(
        f"/api/v1/entitlements/{entitlement.pk}/reveal-account/", {"reason": "核对退票账户"}, format="json"
    )
    assert shown.status_code == 200 and shown.json()["account"] == ACCOUNTS[0]
    page = web_as(caseworker).post(f"/benefits/entitlements/{entitlement.pk}/reveal-account/", {"reason": "柜台核对"})
    assert page.status_code == 200 and ACCOUNTS[0] in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    no_reason = web_as(caseworker).post(
        f"/benefits/entitlements/{entitlement.pk}/reveal-account/", {"reason": " "}, follow=True
    )
    assert ACCOUNTS[0] not in no_reason.content.decode()
    events = AuditEvent.objects.filter(event_type="benefit.account_revealed").order_by("id")
    assert [e.data["reason"] for e in events] == ["核对退票账户", "柜台核对"]
    assert all(ACCOUNTS[0] not in str(e.data) for e in events)
    # Outside the county: 404 on the page and the endpoint.
    assert (
        api_as(outsider)
        .post(f"/api/v1/entitlements/{entitlement.pk}/reveal-account/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
    assert (
        web_as(outsider).post(f"/benefits/entitlements/{entitlement.pk}/reveal-account/", {"reason": "x"}).status_code
        == 404
    )


def test_a_returned_payment_is_reissued_only_while_the_benefit_is_payable(
    pensioners: list[Entitlement], caseworker: User, county_approver: User
) -> None:
    january = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    rosters.do_approve_roster(january, actor=county_approver)
    rosters.do_import_returns(
        january, _returns(january, {1: ("退票", "账户已销户"), 2: ("退票", "户名不符")}), actor=caseworker
    )
    for entitlement in pensioners:
        rosters.do_set_account(entitlement, account="6222999900001111", actor=caseworker, reason="更正")
    ended = pensioners[1]
    Entitlement.objects.filter(pk=ended.pk).update(status=EntitlementStatus.ENDED)
    february = rosters.do_generate_roster(COUNTY_A, "2025-02", actor=caseworker)
    reissued = RosterItem.objects.filter(roster=february, reissue_of__isnull=False)
    assert [item.entitlement_id for item in reissued] == [pensioners[0].pk]
    waiting = RosterItem.objects.get(roster=january, entitlement=ended)
    assert waiting.status == ItemStatus.RETURNED and not hasattr(waiting, "reissue_or_none")
    assert not RosterItem.objects.filter(reissue_of=waiting).exists()


def test_nobody_without_a_jurisdiction_reads_the_county_view_or_reveals_an_account(
    pensioners: list[Entitlement], make_user: Callable[..., User], api_as: Callable[[User], APIClient]
) -> None:
    nobody = api_as(make_user("nobody"))
    assert nobody.get("/api/v1/rosters/by-county/").status_code == 404
    reveal = nobody.post(f"/api/v1/entitlements/{pensioners[0].pk}/reveal-account/", {"reason": "x"}, format="json")
    assert reveal.status_code == 404


def test_a_second_roster_for_the_same_county_and_cycle_is_a_conflict_and_changes_nothing(
    pensioners: list[Entitlement], caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(caseworker)
    first = client.post("/api/v1/rosters/", {"division": COUNTY_A, "period": "2025-01"}, format="json")
    again = client.post("/api/v1/rosters/", {"division": COUNTY_A, "period": "2025-01"}, format="json")
    assert first.status_code == 201 and again.status_code == 409
    assert Roster.objects.count() == 1
    assert RosterItem.objects.count() == first.json()["item_count"]
    assert AuditEvent.objects.filter(event_type="benefit.roster_generated").count() == 1
