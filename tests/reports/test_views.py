"""Reports pages: who sees what, who may act, downloads, late and missing submissions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from audit.models import AuditEvent
from reports import actions
from reports.models import Report, ReportStatus
from subjects.models import Subject
from tests.conftest import CITY, COUNTY_A, COUNTY_B, OTHER_PROVINCE, PROVINCE

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    """Signed in with two-factor verified (approvers need it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def submitted_a(populated: Any, approver_a: User, period: Any) -> Report:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period, analysis="本县采集基本完成")
    return actions.do_submit_report(report, actor=approver_a)


def test_city_supervisor_sees_the_city_dashboard_with_charts_and_tables(populated: Any, city_supervisor: User) -> None:
    response = client_for(city_supervisor).get(reverse("reports:dashboard"), {"division": CITY})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "<table" in body
    assert "天河区" in body and "越秀区" in body  # the child-division table
    tables = {t.key: t for t in response.context["tables"]}
    assert tables["categories"].rows[-1][-1] == 5  # total subjects in the city
    assert {"phase2", "problems", "backlog", "sla", "throughput"} <= set(tables)


def test_dashboard_defaults_to_the_users_jurisdiction(populated: Any, approver_a: User) -> None:
    response = client_for(approver_a).get(reverse("reports:dashboard"))
    assert response.status_code == 200
    assert response.context["division"].code == COUNTY_A
    assert response.context["tables"][0].rows[-1][-1] == 3


def test_county_user_cannot_open_a_neighbours_or_the_citys_dashboard(populated: Any, approver_a: User) -> None:
    client = client_for(approver_a)
    assert client.get(reverse("reports:dashboard"), {"division": COUNTY_B}).status_code == 404
    # An ancestor is visible by name but its totals would include other counties: 404.
    assert client.get(reverse("reports:dashboard"), {"division": CITY}).status_code == 404
    assert client.get(reverse("reports:dashboard"), {"division": "nonsense"}).status_code == 404


def test_breadcrumbs_offer_only_the_divisions_the_user_may_open(
    populated: Any, approver_a: User, city_supervisor: User, period: Any
) -> None:
    import re

    for user, division in ((approver_a, COUNTY_A), (city_supervisor, COUNTY_A), (city_supervisor, CITY)):
        client = client_for(user)
        for page in (reverse("reports:dashboard"), reverse("reports:period", args=[period.key])):
            body = client.get(page, {"division": division}).content.decode()
            trail = re.search(r'<p class="breadcrumbs">(.*?)</p>', body, re.S)
            assert trail is not None
            for href in re.findall(r'href="([^"]+)"', trail.group(1)):
                assert client.get(href.replace("&amp;", "&")).status_code == 200, (user, href)
    county_trail = client_for(approver_a).get(reverse("reports:dashboard")).context["crumbs"]
    assert county_trail == []  # 广东省 and 广州市 would answer 404 to a county approver
    assert [
        d.code
        for d in client_for(city_supervisor).get(reverse("reports:dashboard"), {"division": COUNTY_A}).context["crumbs"]
    ] == [CITY]


def test_csv_download_is_formula_safe_and_audited(
    make_subject: Callable[..., Subject], city_supervisor: User, approver_a: User
) -> None:
    make_subject(COUNTY_A)
    url = reverse("reports:dashboard_export", kwargs={"key": "categories", "fmt": "csv"})
    response = client_for(city_supervisor).get(url, {"division": CITY})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] in ("类别", "人员类别") and rows[0][-1] == "合计"
    assert rows[-1][-1] == "1"
    event = AuditEvent.objects.get(event_type="report.exported")
    assert event.division_code == CITY and event.data["table"] == "categories" and event.data["format"] == "csv"


def test_exported_text_never_becomes_a_formula() -> None:
    from reports import exports
    from reports.tables import Table

    table = Table("t", "标题", ["=cmd"], [['=HYPERLINK("http://x")', 1], ["+1", "@SUM(A1)"]])
    assert b"'=HYPERLINK" in exports.to_csv(table)
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(table))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://x")' in values and "'+1" in values and "'=cmd" in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_download_of_a_report_table(submitted_a: Report, city_supervisor: User) -> None:
    url = reverse("reports:report_export", kwargs={"report_id": submitted_a.pk, "key": "collection", "fmt": "xlsx"})
    response = client_for(city_supervisor).get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A3"].value == "在册服务对象" and sheet["B3"].value == 2
    assert AuditEvent.objects.filter(event_type="report.exported", object_id=str(submitted_a.pk)).exists()


def test_unknown_table_or_format_is_404(city_supervisor: User) -> None:
    client = client_for(city_supervisor)
    url = reverse("reports:dashboard_export", kwargs={"key": "nope", "fmt": "csv"})
    assert client.get(url, {"division": CITY}).status_code == 404
    url = reverse("reports:dashboard_export", kwargs={"key": "sla", "fmt": "exe"})
    assert client.get(url, {"division": CITY}).status_code == 404


def test_county_compiles_and_submits_from_the_pages(populated: Any, approver_a: User, period: Any) -> None:
    client = client_for(approver_a)
    page = client.get(reverse("reports:period", kwargs={"key": period.key}))
    assert page.status_code == 200 and page.context["compile_here"].code == COUNTY_A
    response = client.post(
        reverse("reports:compile", kwargs={"key": period.key, "code": COUNTY_A}), {"analysis": "本月新增采集"}
    )
    report = Report.objects.get(division_id=COUNTY_A, period=period)
    assert response.status_code == 302 and report.analysis == "本月新增采集"
    assert client.post(reverse("reports:submit", kwargs={"report_id": report.pk})).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == approver_a
    assert report.documents.count() == 1


def test_city_returns_a_report_and_the_county_sees_the_comments(
    submitted_a: Report, city_supervisor: User, approver_a: User
) -> None:
    url = reverse("reports:return", kwargs={"report_id": submitted_a.pk})
    assert client_for(city_supervisor).post(url, {"comments": "请补充分析"}).status_code == 302
    page = client_for(approver_a).get(reverse("reports:detail", kwargs={"report_id": submitted_a.pk}))
    assert page.status_code == 200
    assert "请补充分析" in page.content.decode()
    assert page.context["may_edit"] is True


def test_return_without_comments_is_400_and_changes_nothing(submitted_a: Report, city_supervisor: User) -> None:
    url = reverse("reports:return", kwargs={"report_id": submitted_a.pk})
    assert client_for(city_supervisor).post(url, {"comments": ""}).status_code == 400
    submitted_a.refresh_from_db()
    assert submitted_a.status == ReportStatus.SUBMITTED


def test_county_cannot_approve_its_own_report(submitted_a: Report, approver_a: User) -> None:
    url = reverse("reports:approve", kwargs={"report_id": submitted_a.pk})
    assert client_for(approver_a).post(url).status_code == 403


def test_city_cannot_sign_off_in_the_countys_name(
    populated: Any, approver_a: User, city_supervisor: User, period: Any
) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    client = client_for(city_supervisor)
    assert client.post(reverse("reports:submit", kwargs={"report_id": report.pk})).status_code == 403
    compile_url = reverse("reports:compile", kwargs={"key": period.key, "code": COUNTY_A})
    assert client.post(compile_url).status_code == 403


def test_caseworker_sees_the_report_but_may_not_submit_it(
    populated: Any, approver_a: User, caseworker: User, period: Any
) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    client = client_for(caseworker)
    assert client.get(reverse("reports:detail", kwargs={"report_id": report.pk})).status_code == 200
    assert client.post(reverse("reports:submit", kwargs={"report_id": report.pk})).status_code == 403


def test_other_county_gets_404_for_the_report_and_its_downloads(submitted_a: Report, approver_b: User) -> None:
    client = client_for(approver_b)
    pk = submitted_a.pk
    assert client.get(reverse("reports:detail", kwargs={"report_id": pk})).status_code == 404
    assert client.post(reverse("reports:approve", kwargs={"report_id": pk})).status_code == 404
    assert client.get(reverse("reports:document", kwargs={"report_id": pk, "number": 1})).status_code == 404
    url = reverse("reports:report_export", kwargs={"report_id": pk, "key": "sla", "fmt": "csv"})
    assert client.get(url).status_code == 404


def test_nobody_sees_another_provinces_reports(
    submitted_a: Report,
    city_supervisor: User,
    approver_b: User,
    province_supervisor: User,
    other_province_supervisor: User,
    period: Any,
) -> None:
    actions.do_approve_report(submitted_a, actor=city_supervisor)
    province = actions.do_compile_province_report(PROVINCE, actor=province_supervisor, period=period)
    outsider = client_for(other_province_supervisor)
    for report in (submitted_a, province):
        assert outsider.get(reverse("reports:detail", kwargs={"report_id": report.pk})).status_code == 404
    index = outsider.get(reverse("reports:index"))
    assert index.status_code == 200 and list(index.context["reports"]) == []
    period_url = reverse("reports:period", kwargs={"key": period.key})
    assert outsider.get(period_url, {"division": PROVINCE}).status_code == 404
    # Within Guangdong, a city sees its counties' reports but not the provincial one.
    province_url = reverse("reports:detail", kwargs={"report_id": province.pk})
    assert client_for(city_supervisor).get(province_url).status_code == 404
    assert client_for(approver_b).get(reverse("reports:index")).context["reports"].count() == 0


def test_approving_twice_is_a_clean_409(submitted_a: Report, city_supervisor: User) -> None:
    client = client_for(city_supervisor)
    url = reverse("reports:approve", kwargs={"report_id": submitted_a.pk})
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 409


def test_level_above_sees_late_and_missing_submissions(
    populated: Any, approver_a: User, city_supervisor: User, past_period: Any
) -> None:
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=past_period)
    actions.do_submit_report(report, actor=approver_a)
    response = client_for(city_supervisor).get(
        reverse("reports:period", kwargs={"key": past_period.key}), {"division": CITY}
    )
    assert response.status_code == 200
    rows = {e.division.code: e for e in response.context["expected"]}
    assert rows[COUNTY_A].state == ReportStatus.SUBMITTED and rows[COUNTY_A].late
    assert rows[COUNTY_B].state == "missing" and rows[COUNTY_B].late
    assert response.context["late_count"] == len(rows) - 1
    assert "缺报" in response.content.decode()


def test_national_supervisor_sees_the_national_rollup(
    submitted_a: Report, city_supervisor: User, province_supervisor: User, national_supervisor: User, period: Any
) -> None:
    actions.do_approve_report(submitted_a, actor=city_supervisor)
    province = actions.do_compile_province_report(PROVINCE, actor=province_supervisor, period=period, analysis="汇总")
    actions.do_submit_report(province, actor=province_supervisor)
    client = client_for(national_supervisor)
    response = client.get(reverse("reports:period", kwargs={"key": period.key}), {"division": "CN"})
    assert response.status_code == 200
    assert [r.pk for r in response.context["rollup_sources"]] == [province.pk]
    categories = response.context["rollup_tables"][0]
    assert categories.rows[-1][-1] == submitted_a.snapshot["subjects"]["total"]
    states = {e.division.code: e.state for e in response.context["expected"]}
    assert states[PROVINCE] == ReportStatus.SUBMITTED and states[OTHER_PROVINCE] == "missing"
    # The ministry reviews the province's report.
    assert client.post(reverse("reports:approve", kwargs={"report_id": province.pk})).status_code == 302


def test_only_a_national_supervisor_opens_periods(city_supervisor: User, national_supervisor: User) -> None:
    data = {
        "key": "2026-01",
        "name": "2026年1月",
        "kind": "month",
        "starts_on": "2026-01-01",
        "ends_on": "2026-01-31",
        "county_due": "2026-02-05",
        "province_due": "2026-02-15",
    }
    assert client_for(city_supervisor).post(reverse("reports:open_period"), data).status_code == 403
    response = client_for(national_supervisor).post(reverse("reports:open_period"), data)
    assert response.status_code == 302
    bad_data = {**data, "key": "2026-02", "ends_on": "2025-12-01"}
    bad = client_for(national_supervisor).post(reverse("reports:open_period"), bad_data)
    assert bad.status_code == 400


def test_nav_link_for_supervisors_and_approvers_only(approver_a: User, caseworker: User) -> None:
    assert reverse("reports:index") in client_for(approver_a).get(reverse("home")).content.decode()
    assert reverse("reports:index") not in client_for(caseworker).get(reverse("home")).content.decode()
