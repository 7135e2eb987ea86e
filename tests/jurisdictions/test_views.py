"""Division pages: any division to any signed-in user (public reference data), like the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import COUNTY_A, COUNTY_B


def test_caseworker_sees_own_county_page_with_townships(client: Any, caseworker: Any) -> None:
    client.force_login(caseworker)
    response = client.get(f"/divisions/{COUNTY_A}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "天河区" in page and "广东省" in page
    assert "440106001" in page


def test_another_countys_page_is_readable_by_any_signed_in_user(client: Any, caseworker_b: Any) -> None:
    client.force_login(caseworker_b)
    response = client.get(f"/divisions/{COUNTY_A}/")
    assert response.status_code == 200
    assert "天河区" in response.content.decode()
    assert client.get(f"/divisions/{COUNTY_A}001/").status_code == 200
    assert "朝阳区" in client.get("/divisions/110105/").content.decode()


def test_an_unknown_division_page_is_404(client: Any, caseworker_b: Any) -> None:
    client.force_login(caseworker_b)
    assert client.get("/divisions/440199/").status_code == 404
    assert client.get("/divisions/xyz/").status_code == 404


def test_the_city_page_lists_every_county(client: Any, caseworker_b: Any) -> None:
    client.force_login(caseworker_b)
    page = client.get("/divisions/4401/").content.decode()
    assert COUNTY_B in page
    assert COUNTY_A in page


def test_supervisor_sees_both_county_pages(client: Any, supervisor: Any) -> None:
    client.force_login(supervisor)
    assert client.get(f"/divisions/{COUNTY_A}/").status_code == 200
    assert client.get(f"/divisions/{COUNTY_B}/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client: Any, db: Any) -> None:
    response = client.get(f"/divisions/{COUNTY_A}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
