"""The annual confirmation in the reporting chain: every report of a period carries the figures of
the campaigns of its year (items, silent confirmations by rule, each method, spot checks, overdue and
resumed), equal to the underlying items; a province's are the sum of its counties'; the report page
and its workbook show them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from accounts.models import User
from benefits import actions, confirmation, confirmation_figures
from benefits.models import ConfirmationCampaign, ConfirmationItem, ConfirmationStatus, SpotCheck
from crosscheck.actions import do_load_dataset
from jurisdictions.models import Department
from reports import actions as report_actions
from reports import tables
from reports.models import PeriodKind, ReportingPeriod
from subjects.models import BenefitType, Category, Subject
from tests.conftest import COUNTY_A, COUNTY_B, PROVINCE
from tests.subjects.conftest import new_id

pytestmark = pytest.mark.django_db

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
OPENED = "2025-03-03"


@pytest.fixture(autouse=True)
def _stub_pdf(monkeypatch: Any) -> None:
    monkeypatch.setattr("reports.actions.render_report_pdf", lambda report, context: b"%PDF-1.7 stub")


@pytest.fixture
def campaign_year(
    standards: None,
    make_subject: Callable[..., Subject],
    province_approver: User,
    caseworker: User,
    caseworker_b: User,
    county_approver: User,
) -> ConfirmationCampaign:
    """广东省's 2025 campaign: in 天河区 (A) one silent confirmation, one home visit, one cancelled, one
    overdue then confirmed at the station (resumed), one overdue; in 越秀区 (B) one video call, one overdue.
    Every confirmation is drawn for a spot check; two of them are checked (one upheld, one not)."""
    people: dict[str, tuple[Subject, str]] = {}
    with freeze_time("2025-01-10"):
        for name, county in [
            ("张三", COUNTY_A),
            ("李四", COUNTY_A),
            ("王五", COUNTY_A),
            ("赵六", COUNTY_A),
            ("钱七", COUNTY_A),
            ("周一", COUNTY_B),
            ("吴二", COUNTY_B),
        ]:
            number = new_id(county)
            subject = make_subject(county, id_number=number, name=name, category=Category.MARTYR_SURVIVOR)
            actions.do_award_benefit(
                subject, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=dt.date(2025, 1, 2), actor=None
            )
            people[name] = (subject, number)

    def item(name: str) -> ConfirmationItem:
        return ConfirmationItem.objects.get(subject=people[name][0])

    with freeze_time(OPENED):
        do_load_dataset(
            f"公民身份号码,救助类别,是否在保\n{people['张三'][1]},低保,是\n".encode(),
            file_name="civil.csv",
            department=Department.CIVIL_AFFAIRS,
            actor=None,
        )
        campaign = confirmation.do_open_campaign(
            PROVINCE,
            year=2025,
            actor=province_approver,
            window_start=dt.date(2025, 3, 3),
            window_end=dt.date(2025, 3, 31),
            spot_check_percent=100,
        )
        confirmation.do_data_match(campaign, actor=province_approver)
        confirmation.do_confirm_item(item("李四"), method="home_visit", evidence={}, actor=caseworker)
        confirmation.do_cancel_item(item("王五"), reason="已迁往外省", actor=caseworker)
        confirmation.do_confirm_item(
            item("周一"), method="video", evidence={"reference": "视频 0042"}, actor=caseworker_b
        )
        confirmation.do_spot_check(item("张三"), upheld=True, actor=caseworker)
        confirmation.do_spot_check(item("周一"), upheld=False, actor=county_approver)  # 周一 open again
    with freeze_time("2025-04-06 02:00"):
        assert confirmation.suspend_overdue() == 4  # 赵六, 钱七, 周一, 吴二
    with freeze_time("2025-06-10"):
        confirmation.do_confirm_item(item("赵六"), method="station", evidence={}, actor=caseworker)
    return campaign


@pytest.fixture
def year_period(db: Any) -> ReportingPeriod:
    with freeze_time("2025-06-15"):
        return report_actions.do_open_period(
            actor=None,
            key="2025",
            name="2025年度报告",
            kind=PeriodKind.YEAR,
            starts_on=YEAR[0],
            ends_on=YEAR[1],
            county_due=dt.date(2026, 1, 15),
            province_due=dt.date(2026, 1, 31),
        )


def _underlying(county: str) -> dict[str, Any]:
    items = ConfirmationItem.objects.filter(campaign__year=2025, county_code=county)
    confirmed = items.filter(status=ConfirmationStatus.CONFIRMED)
    return {
        "items": items.count(),
        "confirmed": confirmed.count(),
        "open": items.filter(status=ConfirmationStatus.OPEN).count(),
        "overdue": items.filter(status=ConfirmationStatus.OVERDUE).count(),
        "cancelled": items.filter(status=ConfirmationStatus.CANCELLED).count(),
        "suspended": items.filter(suspended_at__isnull=False).count(),
        "resumed": confirmed.filter(suspended_at__isnull=False).count(),
        "silent": confirmed.filter(method="data_match").count(),
        "home_visit": confirmed.filter(method="home_visit").count(),
        "station": confirmed.filter(method="station").count(),
        "video": confirmed.filter(method="video").count(),
        "drawn": items.exclude(spot_check="").count(),
        "pending": items.filter(spot_check=SpotCheck.PENDING).count(),
        "upheld": items.filter(spot_check=SpotCheck.UPHELD).count(),
        "rejected": items.filter(spot_check=SpotCheck.REJECTED).count(),
    }


def _flat(f: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: f[key] for key in ("items", "confirmed", "open", "overdue", "cancelled", "suspended", "resumed")},
        "silent": f["by_method"]["data_match"],
        "home_visit": f["by_method"]["home_visit"],
        "station": f["by_method"]["station"],
        "video": f["by_method"]["video"],
        **f["spot_check"],
    }


def test_the_figures_equal_the_underlying_items_county_by_county(campaign_year: ConfirmationCampaign) -> None:
    a = confirmation_figures.figures(COUNTY_A, *YEAR)
    b = confirmation_figures.figures(COUNTY_B, *YEAR)

    assert _flat(a) == _underlying(COUNTY_A)
    assert _flat(b) == _underlying(COUNTY_B)
    assert (a["items"], a["confirmed"], a["cancelled"], a["overdue"], a["resumed"]) == (5, 3, 1, 1, 1)
    assert a["silent_by_rule"]["benefit_receipt"] == 1 and sum(a["silent_by_rule"].values()) == 1
    assert a["spot_check"] == {"drawn": 3, "pending": 2, "upheld": 1, "rejected": 0}
    assert (b["items"], b["confirmed"], b["overdue"], b["spot_check"]["rejected"]) == (2, 0, 2, 1)


def test_a_campaign_of_another_year_is_not_counted(campaign_year: ConfirmationCampaign) -> None:
    assert confirmation_figures.figures(COUNTY_A, dt.date(2026, 1, 1), dt.date(2026, 12, 31))["items"] == 0


def test_each_level_of_the_reporting_chain_carries_the_figures_and_the_province_sums_its_counties(
    campaign_year: ConfirmationCampaign,
    year_period: ReportingPeriod,
    caseworker: User,
    caseworker_b: User,
    county_approver: User,
    supervisor: User,
    province_approver: User,
) -> None:
    with freeze_time("2025-06-15"):
        county_a = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year_period)
        county_b = report_actions.do_compile_report(COUNTY_B, actor=caseworker_b, period=year_period)
        for report, signer in ((county_a, county_approver), (county_b, caseworker_b)):
            report_actions.do_submit_report(report, actor=signer)
            report_actions.do_approve_report(report, actor=supervisor)
        province = report_actions.do_compile_province_report(PROVINCE, actor=province_approver, period=year_period)

    assert county_a.snapshot["confirmation"] == confirmation_figures.figures(COUNTY_A, *YEAR)
    assert county_b.snapshot["confirmation"] == confirmation_figures.figures(COUNTY_B, *YEAR)
    assert province.snapshot["confirmation"] == confirmation_figures.figures(PROVINCE, *YEAR)
    assert _flat(province.snapshot["confirmation"]) == {
        key: x + y for (key, x), y in zip(_underlying(COUNTY_A).items(), _underlying(COUNTY_B).values(), strict=True)
    }


def test_the_report_page_and_its_workbook_show_the_campaigns(
    campaign_year: ConfirmationCampaign, year_period: ReportingPeriod, caseworker: User, client: Any
) -> None:
    with freeze_time("2025-06-15"):
        report = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year_period)
    table = {t.key: t for t in tables.snapshot_tables(report.snapshot)}["confirmation"]
    by_label = {row[0]: row[1] for row in table.rows}
    assert by_label["确认人数（事项）"] == 5 and by_label["已确认"] == 3
    assert (
        by_label["　经部门数据比对静默确认"] == 1 and by_label["　　" + confirmation.rule_label("benefit_receipt")] == 1
    )

    client.force_login(caseworker)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "年度确认" in page and "经部门数据比对静默确认" in page
    response = client.get(reverse("reports:workbook", args=[report.pk]))
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["confirmation"].iter_rows(values_only=True))
    assert ("已确认", 3, "75.0%") in rows  # 3 of the 4 items due (one cancelled)


def test_a_report_frozen_before_the_campaigns_were_counted_still_reads(
    year_period: ReportingPeriod, caseworker: User
) -> None:
    with freeze_time("2025-06-15"):
        report = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year_period)
    del report.snapshot["confirmation"]
    assert "confirmation" not in [t.key for t in tables.snapshot_tables(report.snapshot)]
