"""The annual petition report (Art. 41): a year's report of the reporting chain counts the petition work.

The known truth is built below, matter by matter; the frozen report's figures must equal it, the
province's must be the sum of its counties', and the report reads as a PDF's tables and one spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from cases.actions.ratings import do_rate_case
from cases.models import RatingSource
from petitions import actions, annual, suggestions, supervision
from petitions.actions_routing import do_forward as forward
from petitions.models import Petition, Suggestion
from reports import actions as report_actions
from reports import tables
from reports.models import PeriodKind
from tests.conftest import CITY, COUNTY_A, COUNTY_B, PROVINCE

pytestmark = pytest.mark.django_db

YEAR_START, YEAR_END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
BUREAU = "某区退役军人事务局"
STREET = "某街道办事处"


def decide(case: Any, actor: Any, articles: Any, **kw: Any) -> Any:
    kw.setdefault("opinion", "support")
    kw.setdefault("facts", "经核实，信访人符合补发条件")
    kw.setdefault("reasons", "依规予以补发")
    kw.setdefault("citations_", [articles["32"].pk])
    return actions.do_decide(case, actor=actor, **kw)


@pytest.fixture
def year(db: Any) -> Any:
    return report_actions.do_open_period(
        actor=None,
        key="2026",
        name="2026年度信访工作报告",
        kind=PeriodKind.YEAR,
        starts_on=YEAR_START,
        ends_on=YEAR_END,
        county_due=dt.date(2027, 1, 15),
        province_due=dt.date(2027, 1, 31),
    )


@pytest.fixture
def year_of_work(
    _today: Any,
    register: Any,
    caseworker: Any,
    caseworker_b: Any,
    supervisor: Any,
    articles: Any,
    make_subject: Any,
    make_user: Any,
) -> dict[str, Any]:
    """County A's year: 4 matters (one decided late), one refused, two ratings, an order, two suggestions; B's one."""
    _today.move_to(dt.datetime(2025, 12, 30, 2, 0, tzinfo=dt.UTC))
    register(request="调整抚恤标准", field="benefits", respondent=BUREAU)  # registered last year: not counted
    _today.move_to(dt.datetime(2026, 2, 2, 2, 0, tzinfo=dt.UTC))
    late = register(request="恢复优抚待遇", field="benefits", respondent=BUREAU, accept_now=True)
    _today.move_to(dt.datetime(2026, 6, 5, 2, 0, tzinfo=dt.UTC))
    on_time = register(request="补发优待证", channel="phone", field="benefits", respondent=BUREAU, accept_now=True)
    refused = register(request="解决住房困难", channel="letter", field="housing", respondent=STREET)
    register(request="安排工作", field="employment")  # still awaiting acceptance
    decide(on_time, caseworker, articles)
    actions.do_refuse(refused, actor=caseworker, reasons="已在办理中", citations_=[articles["19"].pk])
    decide(late, caseworker, articles, opinion="not_support")  # accepted 2 Feb: 123 days later, past the 60
    do_rate_case(on_time, score=5, source=RatingSource.PHONE, actor=caseworker)
    do_rate_case(late, score=2, source=RatingSource.PUBLIC)
    supervision.do_issue_order(
        actor=supervisor, case=late, intensity="flagged", deadline=dt.date(2026, 6, 30), instructions="限期办结"
    )
    office = caseworker.memberships.get().division
    adopted = suggestions.do_record_suggestion(
        actor=caseworker, division=office, addressed_to="区人社局", subject="优待证办理时限", text="建议缩短办理时限"
    )
    suggestions.do_answer_suggestion(adopted, actor=caseworker, adopted=True, answer="已采纳")
    suggestions.do_record_suggestion(
        actor=caseworker, division=office, addressed_to="区住建局", subject="住房困难认定", text="建议统一认定标准"
    )
    city_office = make_user("city_caseworker", "caseworker", CITY)
    forwarded = register(request="核实参战身份", field="service_record", actor=city_office)
    forward(forwarded, actor=city_office, division=COUNTY_A, note="请核实")
    other = make_subject(COUNTY_B, name="李四")
    register(subject_=other, actor=caseworker_b, field="medical", respondent=BUREAU)
    return {"late": late, "on_time": on_time, "refused": refused}


def test_a_year_report_counts_the_petition_work_of_the_year(year_of_work, year, caseworker):
    report = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year)

    p = report.snapshot["petitions"]
    assert p["registered"]["total"] == 5
    assert (p["registered"]["visit"], p["registered"]["phone"], p["registered"]["letter"]) == (3, 1, 1)
    assert p["fields"]["benefits"] == 2 and p["fields"]["housing"] == 1 and p["fields"]["employment"] == 1
    assert p["fields"]["service_record"] == 1
    assert p["routing"] == {"forwarded": 0, "designated": 0, "bounced": 0}  # the city forwarded it, not the county
    assert p["fields"]["medical"] == 0  # county B's matter is not county A's
    assert p["respondents"] == {BUREAU: 2, STREET: 1}
    assert p["outcomes"] == {"accepted": 2, "not_accepted": 1, "decided": 2}
    assert p["opinions"] == {"support": 1, "explain": 0, "not_support": 1}
    assert p["on_time"] == {"decided": 2, "on_time": 1}
    assert p["supervision"]["issued"] == 1 and p["supervision"]["flagged"] == 1 and p["supervision"]["reported"] == 0
    assert p["suggestions"] == {"made": 2, "answered": 1, "adopted": 1}
    assert p["ratings"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}


def test_the_figures_equal_the_underlying_rows(year_of_work, year):
    p = annual.figures(COUNTY_A, YEAR_START, YEAR_END)

    in_a = Petition.objects.filter(case__county_code=COUNTY_A)
    assert p["registered"]["total"] == in_a.filter(registered_on__year=2026).count()
    assert p["outcomes"]["decided"] == in_a.filter(decided_on__year=2026).count()
    assert p["suggestions"]["made"] == Suggestion.objects.filter(division_id=COUNTY_A).count()
    assert sum(p["ratings"].values()) == 2


def test_the_province_report_is_the_sum_of_its_counties(year_of_work, year, caseworker, caseworker_b):
    a = annual.figures(COUNTY_A, YEAR_START, YEAR_END)
    b = annual.figures(COUNTY_B, YEAR_START, YEAR_END)
    province = annual.figures(PROVINCE, YEAR_START, YEAR_END)

    assert province["registered"]["total"] == a["registered"]["total"] + b["registered"]["total"] == 6
    assert province["respondents"] == {BUREAU: 3, STREET: 1}
    assert province["fields"]["medical"] == 1
    assert annual.figures(CITY, YEAR_START, YEAR_END)["routing"]["forwarded"] == 1  # forwarded by the city


def test_the_report_reads_as_tables_with_rates_and_the_most_complained_about_first(year_of_work, year, caseworker):
    report = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year)

    by_key = {t.key: t for t in tables.snapshot_tables(report.snapshot)}
    # registered, by channel (visit, letter, phone, online, 12345, national), accepted, not accepted, decided,
    # by opinion (support, explain, not supported), on time and its rate, ratings, satisfied and its rate.
    assert [row[1] for row in by_key["petitions"].rows] == [
        *(5, 3, 1, 1, 0, 0, 0),
        *(2, 1, 2),
        *(1, 0, 1),
        *(1, "50.0%"),
        *(2, 1, "50.0%"),
    ]
    assert [row[1:] for row in by_key["petition_respondents"].rows] == [[BUREAU, 2], [STREET, 1]]
    work = [row[1] for row in by_key["petition_work"].rows]
    assert "100.0%" in work  # one suggestion answered, and adopted


def test_a_report_frozen_before_petitions_were_counted_still_reads(year, caseworker):
    report = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year)
    del report.snapshot["petitions"]

    keys = [t.key for t in tables.snapshot_tables(report.snapshot)]
    assert "petitions" not in keys and "categories" in keys


def test_an_annual_period_covers_one_calendar_year(db):
    with pytest.raises(ValidationError) as caught:
        report_actions.do_open_period(
            actor=None,
            key="2026b",
            name="半年",
            kind=PeriodKind.YEAR,
            starts_on=YEAR_START,
            ends_on=dt.date(2026, 6, 30),
            county_due=dt.date(2026, 7, 15),
            province_due=dt.date(2026, 7, 31),
        )
    assert "ends_on" in caught.value.message_dict


def test_the_whole_report_downloads_as_one_spreadsheet_with_the_petition_sheets(year_of_work, year, caseworker, client):
    report = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year)
    client.force_login(caseworker)

    detail = client.get(reverse("reports:detail", args=[report.pk]))
    assert reverse("reports:workbook", args=[report.pk]) in detail.content.decode()
    response = client.get(reverse("reports:workbook", args=[report.pk]))

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content])))
    assert {"petitions", "petition_fields", "petition_respondents", "petition_work"} <= set(book.sheetnames)
    respondents = list(book["petition_respondents"].iter_rows(values_only=True))
    assert (1, BUREAU, 2) in respondents


def test_the_spreadsheet_is_not_found_outside_the_jurisdiction(year_of_work, year, caseworker, caseworker_b, client):
    report = report_actions.do_compile_report(COUNTY_A, actor=caseworker, period=year)
    client.force_login(caseworker_b)

    assert client.get(reverse("reports:workbook", args=[report.pk])).status_code == 404


def test_the_registration_form_and_api_record_the_field_and_the_body_complained_about(api_as, caseworker, subject):
    response = api_as(caseworker).post(
        "/api/v1/petitions/",
        {
            "subject": subject.pk,
            "channel": "visit",
            "request": "补发优待证",
            "facts": "未收到",
            "reasons": "符合条件",
            "field": "honours",
            "respondent": BUREAU,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["petition"]["field"] == "honours"
    assert Petition.objects.get().respondent == BUREAU


def test_an_unknown_field_is_refused_with_the_field_named(register):
    with pytest.raises(ValidationError) as caught:
        register(field="astrology")
    assert "field" in caught.value.message_dict
    assert not Petition.objects.exists()
