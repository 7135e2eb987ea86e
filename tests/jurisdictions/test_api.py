"""Division API: the same scope as the pages, by token and by session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.conftest import CITY, COUNTY_A, COUNTY_B


@pytest.fixture(params=["token", "session"])
def client_for(request: Any, api_as: Callable[[Any], APIClient]) -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        if request.param == "token":
            return api_as(user)
        client = APIClient()
        client.force_login(user)
        return client

    return make


def test_caseworker_reads_own_county(client_for: Callable[[Any], APIClient], caseworker: Any) -> None:
    response = client_for(caseworker).get(f"/api/v1/divisions/{COUNTY_A}/")
    assert response.status_code == 200
    assert response.json() == {"code": COUNTY_A, "name": "天河区", "level": 3, "parent": CITY}


def test_any_signed_in_user_reads_another_county_and_its_townships(
    client_for: Callable[[Any], APIClient], caseworker_b: Any
) -> None:
    response = client_for(caseworker_b).get(f"/api/v1/divisions/{COUNTY_A}/")
    assert response.status_code == 200
    assert response.json()["name"] == "天河区"
    children = client_for(caseworker_b).get(f"/api/v1/divisions/?parent={COUNTY_A}")
    assert children.status_code == 200
    assert f"{COUNTY_A}001" in [d["code"] for d in children.json()]


def test_any_signed_in_user_reads_a_division_anywhere_in_china(
    client_for: Callable[[Any], APIClient], caseworker_b: Any
) -> None:
    client = client_for(caseworker_b)
    assert client.get("/api/v1/divisions/110105/").json()["name"] == "朝阳区"
    assert client.get("/api/v1/divisions/66/").json() == {
        "code": "66",
        "name": "新疆生产建设兵团",
        "level": 1,
        "parent": "CN",
    }
    assert len(client.get("/api/v1/divisions/?parent=66").json()) == 14


def test_reading_a_division_does_not_open_its_people(client_for: Callable[[Any], APIClient], caseworker_b: Any) -> None:
    from jurisdictions import scope

    client_for(caseworker_b).get(f"/api/v1/divisions/{COUNTY_A}/")
    assert not scope.can_see(caseworker_b, COUNTY_A)


def test_anonymous_callers_may_not_read_divisions(db: Any) -> None:
    assert APIClient().get(f"/api/v1/divisions/{COUNTY_A}/").status_code in (401, 403)


def test_unknown_code_is_404(client_for: Callable[[Any], APIClient], supervisor: Any) -> None:
    assert client_for(supervisor).get("/api/v1/divisions/440199/").status_code == 404
    assert client_for(supervisor).get("/api/v1/divisions/xyz/").status_code == 404


def test_city_supervisor_reads_both_counties(client_for: Callable[[Any], APIClient], supervisor: Any) -> None:
    client = client_for(supervisor)
    assert client.get(f"/api/v1/divisions/{COUNTY_A}/").status_code == 200
    assert client.get(f"/api/v1/divisions/{COUNTY_B}/").status_code == 200


def test_children_are_every_division_below(client_for: Callable[[Any], APIClient], caseworker_b: Any) -> None:
    response = client_for(caseworker_b).get("/api/v1/divisions/?parent=440100")
    assert response.status_code == 200
    codes = [d["code"] for d in response.json()]
    assert COUNTY_A in codes and COUNTY_B in codes


def test_supervisor_lists_every_county_of_the_city(client_for: Callable[[Any], APIClient], supervisor: Any) -> None:
    response = client_for(supervisor).get(f"/api/v1/divisions/?parent={CITY}")
    codes = [d["code"] for d in response.json()]
    assert COUNTY_A in codes and COUNTY_B in codes
    assert len(codes) == 11


def test_listing_without_a_parent_is_a_400_with_the_field(
    client_for: Callable[[Any], APIClient], supervisor: Any
) -> None:
    response = client_for(supervisor).get("/api/v1/divisions/")
    assert response.status_code == 400
    assert "parent" in response.json()


def test_anonymous_requests_are_refused(db: Any) -> None:
    assert APIClient().get(f"/api/v1/divisions/{COUNTY_A}/").status_code == 401


def test_openapi_schema_is_served(client_for: Callable[[Any], APIClient], caseworker: Any) -> None:
    response = client_for(caseworker).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/divisions/{code}/" in response.content
