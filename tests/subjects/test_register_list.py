"""The register as a list people work with: sorts by name and registration, pages both ways,
totals, remembered filters, exports equal to the screen, another county never shown."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from accounts.models import ListPreference
from audit.models import AuditEvent
from subjects import queries
from subjects.models import Category, Subject
from tests.conftest import CITY, COUNTY_A, COUNTY_B

pytestmark = pytest.mark.django_db
NAMES = ["王五", "李四", "张三", "王五", "赵六", "钱七", "孙八"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def people(make_subject: Callable[..., Subject]) -> list[Subject]:
    return [
        make_subject(COUNTY_A, name=n, category=Category.RETIRED_OFFICER if i % 2 else Category.RETIRED_SOLDIER)
        for i, n in enumerate(NAMES)
    ]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ids_on(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr><td><a href="/subjects/(\d+)/">', html)]


def link(html: str, anchor_id: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)"[^>]*id="{anchor_id}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def expected(people: list[Subject], sort_key: str) -> list[int]:
    sort = queries.SUBJECT_SORTS[sort_key]
    rows = sorted(people, key=lambda s: (getattr(s, sort.column), s.pk), reverse=sort.descending)
    return [s.pk for s in rows]


@pytest.mark.parametrize("sort", list(queries.SUBJECT_SORTS))
def test_each_sort_pages_forwards_and_back(people: list[Subject], caseworker: Any, sort: str, monkeypatch: Any) -> None:
    monkeypatch.setattr("subjects.views.PAGE_SIZE", 3)
    client = client_for(caseworker)
    pages = [client.get("/subjects/", {"sort": sort}).content.decode()]
    while following := link(pages[-1], "page-next"):
        pages.append(client.get("/subjects/" + following).content.decode())
    assert [pk for html in pages for pk in ids_on(html)] == expected(people, sort)
    assert link(pages[0], "page-previous") is None
    back = client.get("/subjects/" + str(link(pages[-1], "page-previous"))).content.decode()
    assert ids_on(back) == ids_on(pages[-2])


def test_totals_are_exact_in_a_county_and_cached_above(
    people: list[Subject], caseworker: Any, make_user: Callable[..., Any], make_subject: Callable[..., Subject]
) -> None:
    assert "共 7 人" in client_for(caseworker).get("/subjects/").content.decode()
    supervisor = client_for(make_user("city_sup", "supervisor", CITY))
    assert "约 7 人" in supervisor.get("/subjects/").content.decode()
    make_subject(COUNTY_A, name="周九")
    assert "共 8 人" in client_for(caseworker).get("/subjects/").content.decode()
    assert "约 7 人" in supervisor.get("/subjects/").content.decode()


def test_filters_are_remembered_but_never_the_name_searched(people: list[Subject], caseworker: Any) -> None:
    client = client_for(caseworker)
    client.get("/subjects/", {"sort": "name", "category": Category.RETIRED_OFFICER, "name": "王"})
    assert ListPreference.objects.get(user=caseworker, list_name="subjects").params == {
        "category": Category.RETIRED_OFFICER,
        "sort": "name",
    }
    martyrs = [s for s in people if s.category == Category.RETIRED_OFFICER]
    assert ids_on(client.get("/subjects/").content.decode()) == expected(martyrs, "name")
    client.get("/subjects/", {"reset": "1"})
    assert ids_on(client.get("/subjects/").content.decode()) == expected(people, "-registered")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_equals_the_filtered_screen(people: list[Subject], caseworker: Any, fmt: str) -> None:
    client = client_for(caseworker)
    html = client.get("/subjects/", {"sort": "-name", "category": Category.RETIRED_SOLDIER}).content.decode()
    response = client.get(str(link(html, f"export-{fmt}")))
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        rows = [[str(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    assert [int(r[0]) for r in rows[1:]] == ids_on(html)
    assert AuditEvent.objects.filter(event_type="subject.exported", data__format=fmt).count() == 1


def test_another_county_is_never_listed_or_exported(
    people: list[Subject], caseworker_b: Any, make_subject: Callable[..., Subject]
) -> None:
    own = make_subject(COUNTY_B, name="李四")
    client = client_for(caseworker_b)
    for sort in queries.SUBJECT_SORTS:
        assert ids_on(client.get("/subjects/", {"sort": sort}).content.decode()) == [own.pk]
    body = b"".join(client.get("/subjects/export.csv").streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert [r[0] for r in csv.reader(io.StringIO(body))][1:] == [str(own.pk)]
