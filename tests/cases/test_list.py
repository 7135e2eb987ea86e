"""The case list people work with: sorts, pages both ways, totals, remembered filters, exports, scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from openpyxl import load_workbook

from accounts.models import ListPreference, User
from audit.models import AuditEvent
from cases import queries
from cases.models import Case
from tests.conftest import CITY, COUNTY_B

from .test_views import logged_in

pytestmark = pytest.mark.django_db

DUE = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
SORTS = list(queries.CASE_SORTS)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def cases(file_case: Callable[..., Case]) -> list[Case]:
    """Six cases of county A: two share a due date, two have none."""
    made = [file_case() for _ in range(6)]
    dues = [DUE + dt.timedelta(days=2), None, DUE, DUE + dt.timedelta(days=2), None, DUE + dt.timedelta(days=1)]
    for case, due in zip(made, dues, strict=True):
        Case.objects.filter(pk=case.pk).update(due_at=due)
    return [Case.objects.get(pk=c.pk) for c in made]


@pytest.fixture
def other_county_case(caseworker_b: User, make_subject: Callable[..., Any]) -> Case:
    from cases import actions

    return actions.do_file_case(
        make_subject(COUNTY_B, name="李四"),
        kind="grievance",
        title="越秀区的信访",
        actor=caseworker_b,
        departments=("public_security",),
        duplicate_action="continue",
    )


def expected_numbers(cases: list[Case], sort_key: str) -> list[str]:
    sort = queries.CASE_SORTS[sort_key]
    filled = [c for c in cases if getattr(c, sort.column) is not None]
    empty = [c for c in cases if getattr(c, sort.column) is None]
    filled.sort(key=lambda c: (getattr(c, sort.column), c.pk), reverse=sort.descending)
    empty.sort(key=lambda c: c.pk, reverse=sort.descending)
    return [c.number for c in filled + empty]


def numbers_on(html: str) -> list[str]:
    return re.findall(r'<td><a href="/cases/\d+/">([^<]+)</a></td>', html)


def link(html: str, anchor_id: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)"[^>]*id="{anchor_id}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("sort", SORTS)
def test_each_sort_pages_forwards_and_back_through_every_case(
    client: Any, caseworker: User, cases: list[Case], sort: str, monkeypatch: Any
) -> None:
    monkeypatch.setattr("cases.views.PAGE_SIZE", 4)
    logged_in(client, caseworker)
    first = client.get("/cases/", {"sort": sort}).content.decode()
    assert link(first, "page-previous") is None
    following = link(first, "page-next")
    assert following is not None
    second = client.get("/cases/" + following).content.decode()
    assert numbers_on(first) + numbers_on(second) == expected_numbers(cases, sort)
    assert link(second, "page-next") is None
    back = link(second, "page-previous")
    assert back is not None
    assert numbers_on(client.get("/cases/" + back).content.decode()) == numbers_on(first)


def test_a_column_header_sorts_by_it_and_a_second_click_reverses(
    client: Any, caseworker: User, cases: list[Case]
) -> None:
    logged_in(client, caseworker)
    html = client.get("/cases/").content.decode()
    by_due = client.get("/cases/" + str(link(html, "sort-due"))).content.decode()
    assert numbers_on(by_due) == expected_numbers(cases, "due")
    assert 'aria-sort="ascending"' in by_due
    reversed_due = client.get("/cases/" + str(link(by_due, "sort-due"))).content.decode()
    assert numbers_on(reversed_due) == expected_numbers(cases, "-due")


def test_the_list_never_uses_offset(client: Any, caseworker: User, cases: list[Case], monkeypatch: Any) -> None:
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("cases.views.PAGE_SIZE", 2)
    logged_in(client, caseworker)
    first = client.get("/cases/", {"sort": "number"}).content.decode()
    with CaptureQueriesContext(connection) as queries_run:
        client.get("/cases/" + str(link(first, "page-next")))
    listed = [q["sql"] for q in queries_run.captured_queries if 'FROM "cases_case"' in q["sql"] and "LIMIT" in q["sql"]]
    assert listed and not any("OFFSET" in sql for sql in listed)
    assert any('("cases_case"."number", "cases_case"."id") >' in sql for sql in listed)


def test_a_county_user_sees_the_exact_total(client: Any, caseworker: User, cases: list[Case], file_case: Any) -> None:
    logged_in(client, caseworker)
    assert "共 6 件" in client.get("/cases/").content.decode()
    file_case()
    assert "共 7 件" in client.get("/cases/").content.decode()


def test_above_the_county_the_total_is_a_cached_estimate(
    client: Any, make_user: Callable[..., User], cases: list[Case], file_case: Any
) -> None:
    supervisor = make_user("city_sup", "supervisor", CITY)
    logged_in(client, supervisor)
    assert "约 6 件" in client.get("/cases/").content.decode()
    file_case()
    page = client.get("/cases/").content.decode()
    assert "约 6 件" in page  # counted within the last minute
    assert len(numbers_on(page)) == 7  # the rows themselves are live
    cache.clear()
    assert "约 7 件" in client.get("/cases/").content.decode()


def test_filters_are_remembered_for_the_user_across_requests(
    client: Any, caseworker: User, cases: list[Case], make_user: Callable[..., User]
) -> None:
    logged_in(client, caseworker)
    client.get("/cases/", {"sort": "due", "kind": "benefit_claim", "q": "张三"})
    saved = ListPreference.objects.get(user=caseworker, list_name="cases")
    assert saved.params == {"kind": "benefit_claim", "sort": "due"}  # the free-text search is never kept
    bare = client.get("/cases/").content.decode()
    assert numbers_on(bare) == expected_numbers(cases, "due")
    assert '<option value="benefit_claim" selected>' in bare
    other = make_user("caseworker2", "caseworker")
    logged_in(client, other)
    assert numbers_on(client.get("/cases/").content.decode()) == expected_numbers(cases, "-filed")
    logged_in(client, caseworker)
    assert client.get("/cases/", {"reset": "1"}).status_code == 302
    assert not ListPreference.objects.filter(user=caseworker).exists()
    assert numbers_on(client.get("/cases/").content.decode()) == expected_numbers(cases, "-filed")


def test_the_csv_export_holds_the_filtered_screen_rows_in_their_order(
    client: Any, caseworker: User, cases: list[Case], monkeypatch: Any
) -> None:
    monkeypatch.setattr("cases.views.PAGE_SIZE", 100)
    logged_in(client, caseworker)
    html = client.get("/cases/", {"sort": "-due", "kind": "benefit_claim"}).content.decode()
    response = client.get("/cases/" + str(link(html, "export-csv")).removeprefix("/cases/"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][0] == "案件编号"
    assert [row[0] for row in table[1:]] == numbers_on(html) == expected_numbers(cases, "-due")
    event = AuditEvent.objects.filter(event_type="case.exported").get()
    assert event.actor == caseworker and event.data["format"] == "csv"
    assert event.data["filters"]["sort"] == "-due" and event.division_code == "440106"


def test_the_xlsx_export_equals_the_screen_and_neutralises_formulas(
    client: Any, caseworker: User, cases: list[Case]
) -> None:
    Case.objects.filter(pk=cases[0].pk).update(title="=HYPERLINK(1)")
    logged_in(client, caseworker)
    html = client.get("/cases/", {"sort": "number"}).content.decode()
    response = client.get(str(link(html, "export-xlsx")))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in rows[1:]] == numbers_on(html)
    assert "'=HYPERLINK(1)" in [r[2] for r in rows]


def test_another_countys_cases_never_appear_in_the_list_or_its_export(
    client: Any, caseworker_b: User, cases: list[Case], other_county_case: Case
) -> None:
    logged_in(client, caseworker_b)
    for sort in SORTS:
        assert numbers_on(client.get("/cases/", {"sort": sort}).content.decode()) == [other_county_case.number]
    body = b"".join(client.get("/cases/export.csv").streaming_content).decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(body))][1:] == [other_county_case.number]
    # A cursor taken from another county's list leads nowhere it may not see.
    foreign = f"{cases[2].created_at.isoformat()}|{cases[2].pk}"
    page = client.get("/cases/", {"before": foreign}).content.decode()
    assert cases[0].number not in page


def test_an_unknown_export_format_is_404(client: Any, caseworker: User) -> None:
    logged_in(client, caseworker)
    assert client.get("/cases/export.pdf").status_code == 404


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
def test_the_api_sorts_and_pages_both_ways(api_as: Any, caseworker: User, cases: list[Case], sort: str) -> None:
    client = api_as(caseworker)
    seen: list[str] = []
    pages = []
    params: dict[str, str] = {"sort": sort}
    while True:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("cases.api.queries.case_page", _small(queries.case_page))
            data = client.get("/api/v1/cases/", params).json()
        pages.append([c["number"] for c in data["results"]])
        seen += pages[-1]
        if not data["next"]:
            break
        params = {"sort": sort, "after": data["next"]}
    assert seen == expected_numbers(cases, sort)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("cases.api.queries.case_page", _small(queries.case_page))
        back = client.get("/api/v1/cases/", {"sort": sort, "before": data["previous"]}).json()
    assert [c["number"] for c in back["results"]] == pages[-2]


def _small(page_of: Callable[..., Any]) -> Callable[..., Any]:
    def small(qs: Any, **kw: Any) -> Any:
        kw["size"] = 4
        return page_of(qs, **kw)

    return small


def test_the_api_keeps_its_first_cursor_contract(api_as: Any, caseworker: User, cases: list[Case]) -> None:
    newest = sorted(cases, key=lambda c: (c.created_at, c.pk), reverse=True)
    cursor = f"{newest[1].created_at.isoformat()}|{newest[1].pk}"  # the format old clients hold
    data = api_as(caseworker).get("/api/v1/cases/", {"after": cursor}).json()
    assert [c["number"] for c in data["results"]] == [c.number for c in newest[2:]]
    assert data["next"] is None and data["previous"]


def test_a_bad_sort_or_cursor_is_a_400_naming_the_field(api_as: Any, caseworker: User) -> None:
    client = api_as(caseworker)
    response = client.get("/api/v1/cases/", {"sort": "title"})
    assert response.status_code == 400 and "sort" in response.json()
    response = client.get("/api/v1/cases/", {"before": "garbage"})
    assert response.status_code == 400 and "before" in response.json()


def test_the_schema_declares_the_allowed_sorts(api_as: Any, caseworker: User) -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
    sort = next(p for p in parameters if p["name"] == "sort")
    assert set(sort["schema"]["enum"]) == set(SORTS)
    assert "400" in schema["paths"]["/api/v1/cases/"]["get"]["responses"]


# --- PostgreSQL: the predicate is an index condition at depth --------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
@pytest.mark.parametrize("sort", ["-filed", "number", "due"])
def test_on_postgresql_each_sort_reads_its_index_with_the_row_comparison(
    caseworker: User, cases: list[Case], sort: str
) -> None:
    from core.keyset import encode

    order = queries.CASE_SORTS[sort]
    deep = next(c for c in cases if getattr(c, order.column) is not None)
    qs = queries.case_list(caseworker).filter(order.beyond(getattr(deep, order.column), deep.pk))
    qs = qs.order_by(*order.order())[:51]
    assert encode(order, deep)
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = qs.query.sql_with_params()
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    scan = re.search(r"Index Scan(?: Backward)? using (\w+) on cases_case.*?\n\s+Index Cond: ([^\n]+)", plan, re.S)
    assert scan is not None, plan
    assert scan.group(1) == {"-filed": "case_county_list_idx", "number": "case_county_number_idx"}.get(
        sort, "case_county_due_idx"
    ), plan
    assert "ROW(" in scan.group(2) and "county_code" in scan.group(2), plan


# --- the inbox ---------------------------------------------------------------------------------


def task_cases_on(html: str) -> list[str]:
    return re.findall(r'<td><a href="/cases/\d+/">([^<]+)</a></td>', html)


@pytest.mark.parametrize("sort", ["waiting", "due"])
def test_the_team_queue_pages_forwards_and_back_in_its_order(
    client: Any, caseworker: User, cases: list[Case], sort: str, monkeypatch: Any
) -> None:
    monkeypatch.setattr("cases.views.PAGE_SIZE", 4)
    logged_in(client, caseworker)
    first = client.get("/cases/inbox/", {"scope": "queue", "sort": sort}).content.decode()
    assert link(first, "page-previous") is None
    second = client.get("/cases/inbox/" + str(link(first, "page-next"))).content.decode()
    assert link(second, "page-next") is None
    wanted = (
        [c.number for c in cases]  # intake tasks created in filing order
        if sort == "waiting"
        else expected_numbers(cases, "due")
    )
    assert task_cases_on(first) + task_cases_on(second) == wanted
    back = client.get("/cases/inbox/" + str(link(second, "page-previous"))).content.decode()
    assert task_cases_on(back) == task_cases_on(first)


def test_another_countys_queue_shows_none_of_these_tasks(
    client: Any, caseworker_b: User, cases: list[Case], other_county_case: Case
) -> None:
    logged_in(client, caseworker_b)
    for sort in ("waiting", "due"):
        html = client.get("/cases/inbox/", {"scope": "queue", "sort": sort}).content.decode()
        assert task_cases_on(html) == [other_county_case.number]


# --- page statements kept per shape --------------------------------------------------------------


def test_a_plain_or_filtered_list_keeps_its_page_statements_and_an_overdue_or_searched_one_does_not(
    caseworker: User,
) -> None:
    from core.keyset import Shaped

    assert isinstance(queries.case_rows(caseworker), Shaped)
    assert isinstance(queries.case_rows(caseworker, queries.CaseFilters(status="submitted", kind="grievance")), Shaped)
    assert not isinstance(queries.case_rows(caseworker, queries.CaseFilters(overdue=True)), Shaped)
    assert not isinstance(queries.case_rows(caseworker, queries.CaseFilters(search="110101199003077777")), Shaped)


def test_two_counties_read_through_their_own_kept_statements_and_see_only_their_cases(
    client: Any, caseworker: User, caseworker_b: User, cases: list[Case], other_county_case: Case
) -> None:
    from core import planned

    shapes = {
        queries.case_rows(user, fields=queries.PAGE_ROW_FIELDS).shape  # type: ignore[union-attr]
        for user in (caseworker, caseworker_b)
    }
    assert len(shapes) == 2
    for _round in range(2):  # the second round reuses the statements the first compiled
        logged_in(client, caseworker)
        mine = numbers_on(client.get("/cases/").content.decode())
        logged_in(client, caseworker_b)
        theirs = numbers_on(client.get("/cases/").content.decode())
        assert sorted(mine) == sorted(c.number for c in cases)
        assert theirs == [other_county_case.number]
    kept_shapes = {key[0][0] for key in planned._kept}  # type: ignore[index]
    assert shapes <= kept_shapes


def test_a_membership_change_changes_the_shape_the_list_is_read_by(caseworker: User) -> None:
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division

    before = queries.case_rows(caseworker).shape  # type: ignore[union-attr]
    do_grant_membership(caseworker, division=Division.objects.get(code=COUNTY_B), role="caseworker", actor=None)
    after = queries.case_rows(User.objects.get(pk=caseworker.pk)).shape  # type: ignore[union-attr]
    assert before != after
