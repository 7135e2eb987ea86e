"""GET /api/v1/reports/summary/: counts for a subtree, 404 outside the caller's jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import CITY, COUNTY_A, COUNTY_B, PROVINCE

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/summary/"


def test_summary_counts_by_category_status_and_stage(
    populated: Any, city_supervisor: User, api_as: Callable[[User], APIClient]
) -> None:
    response = api_as(city_supervisor).get(URL, {"division": CITY})
    assert response.status_code == 200
    data = response.json()
    assert data["division"] == CITY
    assert data["subjects"]["total"] == 5
    assert data["subjects"]["by_status"] == {"active": 4, "deceased": 1}
    assert data["subjects"]["by_category"]["martyr_survivor"] == 1
    assert data["cases"]["by_stage"] == {"submitted": 1, "verifying": 1, "pending_approval": 1}


def test_summary_of_a_county_and_the_padded_city_code(
    populated: Any, city_supervisor: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(city_supervisor)
    assert client.get(URL, {"division": COUNTY_B}).json()["subjects"]["total"] == 2
    assert client.get(URL, {"division": "440100"}).json()["subjects"]["total"] == 5


def test_summary_outside_the_jurisdiction_is_404(
    populated: Any, approver_a: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(approver_a)
    assert client.get(URL, {"division": COUNTY_A}).json()["subjects"]["total"] == 3
    for code in (COUNTY_B, CITY, PROVINCE, "11", "CN", "bogus"):
        assert client.get(URL, {"division": code}).status_code == 404, code


def test_summary_needs_authentication() -> None:
    assert APIClient().get(URL, {"division": CITY}).status_code in (401, 403)
