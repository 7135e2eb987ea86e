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


def test_outsider_gets_404_for_another_county(client_for: Callable[[Any], APIClient], caseworker_b: Any) -> None:
    assert client_for(caseworker_b).get(f"/api/v1/divisions/{COUNTY_A}/").status_code == 404
    assert client_for(caseworker_b).get(f"/api/v1/divisions/?parent={COUNTY_A}").status_code == 404


def test_unknown_code_is_404_like_an_outside_one(client_for: Callable[[Any], APIClient], supervisor: Any) -> None:
    assert client_for(supervisor).get("/api/v1/divisions/440199/").status_code == 404
    assert client_for(supervisor).get("/api/v1/divisions/xyz/").status_code == 404


def test_city_supervisor_reads_both_counties(client_for: Callable[[Any], APIClient], supervisor: Any) -> None:
    client = client_for(supervisor)
    assert client.get(f"/api/v1/divisions/{COUNTY_A}/").status_code == 200
    assert client.get(f"/api/v1/divisions/{COUNTY_B}/").status_code == 200


def test_children_are_limited_to_what_the_user_may_see(
    client_for: Callable[[Any], APIClient], caseworker_b: Any
) -> None:
    response = client_for(caseworker_b).get("/api/v1/divisions/?parent=440100")
    assert response.status_code == 200
    assert [d["code"] for d in response.json()] == [COUNTY_B]


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
