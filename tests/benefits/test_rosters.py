"""Payment rosters (发放花名册): generated from the lines, approved by a second person, sent to the bank,
reconciled with the return file; two 退票 reissued next cycle; no plaintext account in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from benefits import actions, rosters
from benefits.models import Entitlement, ItemStatus, MonthlyLine, Roster, RosterItem, RosterStatus
from jurisdictions.actions import do_grant_membership
from jurisdictions.models import Division
from subjects.models import BenefitType, Category, Subject
from tests.conftest import COUNTY_A, MEMBERSHIPS_SINCE

pytestmark = pytest.mark.django_db

ACCOUNTS = ["6222020200112233445", "6217000010001234567", "6228480012345678901"]


@pytest.fixture
def pensioners(standards: None, make_subject: Callable[..., Subject]) -> list[Entitlement]:
    """Three survivors in county A paid from January 2025, each with a bank account."""
    paid = []
    with freeze_time("2025-01-10"):
        for number, (name, account) in enumerate(zip(["张三", "李四", "王五"], ACCOUNTS, strict=True)):
            entitlement = actions.do_award_benefit(
                make_subject(category=Category.MARTYR_SURVIVOR, name=name),
                benefit_type=BenefitType.PERIODIC_PENSION,
                approved_on=dt.date(2025, 1, 2),
                actor=None,
            )
            paid.append(rosters.do_set_account(entitlement, account=account, actor=None, reason=f"开户 {number}"))
    return paid


def _returns(roster: Roster, answers: dict[int, tuple[str, str]], total: str | None = None) -> str:
    lines = ["行号,金额,结果,原因"]
    amount = Decimal("0")
    for item in RosterItem.objects.filter(roster=roster).order_by("row"):
        result, reason = answers.get(item.row, ("成功", ""))
        lines.append(f"{item.row},{item.amount},{result},{reason}")
        amount += item.amount
    lines.append(f"合计,{total if total is not None else amount}")
    return "\n".join(lines) + "\n"


def test_a_roster_is_paid_two_returned_lines_are_reissued_next_cycle_and_every_cycle_reconciles(
    pensioners: list[Entitlement], caseworker: User, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    maker, checker = api_as(caseworker), api_as(county_approver)
    monthly = pensioners[0].monthly_amount
    made = maker.post("/api/v1/rosters/", {"division": COUNTY_A, "period": "2025-01"}, format="json")
    assert made.status_code == 201, made.content
    roster = Roster.objects.get(pk=made.json()["id"])
    assert (roster.item_count, roster.total) == (3, monthly * 3)
    assert not MonthlyLine.objects.filter(roster_id=roster.pk, locked=True).exists()

    approved = checker.post(f"/api/v1/rosters/{roster.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert MonthlyLine.objects.filter(roster_id=roster.pk, locked=True).count() == 3

    bank_file = maker.get(f"/api/v1/rosters/{roster.pk}/bank-file")
    rows = bank_file.content.decode().splitlines()
    assert rows[0] == "行号,户名,账号,金额,摘要"
    assert rows[1] == f"1,张三,{ACCOUNTS[0]},{monthly},抚恤补助2025-01"
    assert rows[-1] == f"合计,3,,{monthly * 3},"

    answers = {1: ("退票", "账户已销户"), 3: ("退票", "户名不符")}
    imported = maker.post(
        f"/api/v1/rosters/{roster.pk}/returns/", {"content": _returns(roster, answers)}, format="json"
    )
    assert imported.status_code == 200, imported.content
    assert imported.json() == {
        "total": f"{monthly * 3}",
        "paid": f"{monthly}",
        "returned": f"{monthly * 2}",
        "pending": "0.00",
        "paid_lines": 1,
        "returned_lines": 2,
        "pending_lines": 0,
        "balanced": True,
    }
    assert maker.post(f"/api/v1/rosters/{roster.pk}/close/").json()["status"] == "closed"

    # The caseworker corrects both accounts; February's roster reissues the two returned payments.
    rosters.do_set_account(pensioners[0], account="6222020200199999999", actor=caseworker, reason="退票更正")
    rosters.do_set_account(pensioners[2], account="6228480099999999999", actor=caseworker, reason="退票更正")
    with freeze_time("2025-02-03"):
        actions.do_pay_month(dt.date(2025, 2, 1))
    february = Roster.objects.get(
        pk=maker.post("/api/v1/rosters/", {"division": COUNTY_A, "period": "2025-02"}).json()["id"]
    )
    reissued = RosterItem.objects.filter(roster=february, reissue_of__isnull=False).order_by("row")
    assert [(item.reissue_of.row if item.reissue_of else 0, item.amount) for item in reissued] == [
        (1, monthly),
        (3, monthly),
    ]
    assert reissued[0].account_masked == "6222***********9999"
    assert (february.item_count, february.total) == (5, monthly * 5)
    checker.post(f"/api/v1/rosters/{february.pk}/approve/")
    maker.post(f"/api/v1/rosters/{february.pk}/returns/", {"content": _returns(february, {})}, format="json")
    closed = maker.post(f"/api/v1/rosters/{february.pk}/close/").json()
    assert closed["status"] == "closed" and closed["reconciliation"]["paid"] == f"{monthly * 5}"


def test_a_cycle_cannot_close_before_the_bank_has_answered_every_line(
    pensioners: list[Entitlement], caseworker: User, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    roster = rosters.do_generate_roster(COUNTY_A, "2025-Q1", actor=caseworker)
    rosters.do_approve_roster(roster, actor=county_approver)
    refused = api_as(caseworker).post(f"/api/v1/rosters/{roster.pk}/close/")
    assert refused.status_code == 400
    assert "第 1 行，字段 status：银行尚未回复该行" in refused.content.decode()
    roster.refresh_from_db()
    assert roster.status == RosterStatus.APPROVED


def test_the_maker_cannot_approve_their_own_roster(
    pensioners: list[Entitlement], caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    do_grant_membership(
        caseworker,
        division=Division.objects.get(code=COUNTY_A),
        role="approver",
        starts_on=MEMBERSHIPS_SINCE,
        actor=None,
    )
    roster = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    refused = api_as(caseworker).post(f"/api/v1/rosters/{roster.pk}/approve/")
    assert refused.status_code == 403
    assert not MonthlyLine.objects.filter(locked=True).exists()


def test_a_roster_that_does_not_balance_is_not_approved(
    pensioners: list[Entitlement], caseworker: User, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    roster = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    RosterItem.objects.filter(roster=roster, row=2).update(amount=1)
    refused = api_as(county_approver).post(f"/api/v1/rosters/{roster.pk}/approve/")
    assert refused.status_code == 400
    assert "第 2 行，字段 amount" in refused.content.decode()
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT and not MonthlyLine.objects.filter(locked=True).exists()


def test_a_return_file_naming_an_unknown_line_or_a_different_total_is_refused_and_nothing_saved(
    pensioners: list[Entitlement], caseworker: User, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    roster = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    rosters.do_approve_roster(roster, actor=county_approver)
    client = api_as(caseworker)
    unknown = _returns(roster, {}).replace("合计", "9,10.00,成功,\n合计")
    refused = client.post(f"/api/v1/rosters/{roster.pk}/returns/", {"content": unknown}, format="json")
    assert refused.status_code == 400 and "第 5 行，字段 行号：花名册中没有第 9 行" in refused.content.decode()
    wrong_total = _returns(roster, {}, total="1.00")
    refused = client.post(f"/api/v1/rosters/{roster.pk}/returns/", {"content": wrong_total}, format="json")
    assert refused.status_code == 400 and "字段 合计" in refused.content.decode()
    assert set(RosterItem.objects.values_list("status", flat=True)) == {ItemStatus.PENDING}


def test_no_plaintext_account_number_is_stored_in_any_text_column(
    pensioners: list[Entitlement], caseworker: User, county_approver: User
) -> None:
    roster = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    rosters.do_approve_roster(roster, actor=county_approver)
    rosters.do_export_bank_file(roster, actor=caseworker)
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            description = connection.introspection.get_table_description(cursor, table)
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(description, row, strict=True):
                    if isinstance(value, (str, bytes, memoryview)) or (
                        value is not None and not isinstance(value, (int, float))
                    ):
                        text = bytes(value).decode("latin-1") if isinstance(value, (bytes, memoryview)) else str(value)
                        found += [(table, column.name) for account in ACCOUNTS if account in text]
    assert found == []
    assert Entitlement.objects.get(pk=pensioners[0].pk).account_masked == "6222***********3445"


def test_the_generate_roster_command_makes_the_county_roster(pensioners: list[Entitlement], capsys: Any) -> None:
    call_command("generate_roster", "--division", COUNTY_A, "--period", "2025-01")
    assert Roster.objects.get().item_count == 3
    assert "3 lines" in capsys.readouterr().out


def test_the_outsider_sees_no_roster(
    pensioners: list[Entitlement], caseworker: User, outsider: User, api_as: Callable[[User], APIClient]
) -> None:
    roster = rosters.do_generate_roster(COUNTY_A, "2025-01", actor=caseworker)
    client = api_as(outsider)
    assert client.get("/api/v1/rosters/").json()["results"] == []
    assert client.post("/api/v1/rosters/", {"division": COUNTY_A, "period": "2025-02"}).status_code == 404
    for path in ("approve/", "returns/", "close/"):
        assert client.post(f"/api/v1/rosters/{roster.pk}/{path}", {"content": "x"}).status_code == 404
    assert client.get(f"/api/v1/rosters/{roster.pk}/bank-file").status_code == 404


def test_the_navigation_leads_to_the_rosters_page_where_a_second_person_approves_and_the_cycle_closes(
    pensioners: list[Entitlement],
    caseworker: User,
    county_approver: User,
    outsider: User,
    web_as: Callable[[User], Any],
) -> None:
    maker = web_as(caseworker)
    assert 'id="nav-rosters"' in maker.get("/").content.decode()
    maker.post("/benefits/rosters/generate/", {"division": COUNTY_A, "period": "2025-01"})
    roster = Roster.objects.get()
    page = maker.get("/benefits/rosters/").content.decode()
    assert "2025-01" in page and "待审核" in page
    web_as(county_approver).post(f"/benefits/rosters/{roster.pk}/approve/")
    refused = maker.post(f"/benefits/rosters/{roster.pk}/close/", follow=True).content.decode()
    assert "银行尚未回复该行" in refused
    upload = SimpleUploadedFile("returns.csv", _returns(roster, {2: ("退票", "账户已销户")}).encode())
    maker.post(f"/benefits/rosters/{roster.pk}/returns/", {"file": upload})
    maker.post(f"/benefits/rosters/{roster.pk}/close/")
    roster.refresh_from_db()
    assert roster.status == RosterStatus.CLOSED
    stranger = web_as(outsider)
    assert 'id="roster-list"' not in stranger.get("/benefits/rosters/").content.decode()
    for path in ("approve/", "returns/", "close/"):
        assert stranger.post(f"/benefits/rosters/{roster.pk}/{path}").status_code == 404
    assert stranger.get(f"/benefits/rosters/{roster.pk}/bank-file/").status_code == 404
