"""``GET /api/v1/me/``: the signed-in user and their memberships with the division path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from jurisdictions.actions import do_end_membership
from tests.conftest import CITY, MEMBERSHIPS_SINCE


def test_me_lists_memberships_with_the_division_path(api_as: Callable[[Any], APIClient], supervisor: Any) -> None:
    body = api_as(supervisor).get("/api/v1/me/").json()
    assert body["username"] == "supervisor"
    assert body["memberships"] == [
        {
            "division": CITY,
            "division_name": "广州市",
            "division_path": ["全国", "广东省", "广州市"],
            "level": 2,
            "role": "supervisor",
            "department": "",
            "starts_on": MEMBERSHIPS_SINCE.isoformat(),
            "ends_on": None,
        }
    ]


def test_me_leaves_out_ended_memberships(api_as: Callable[[Any], APIClient], supervisor: Any) -> None:
    do_end_membership(supervisor.memberships.get(), actor=None)
    assert api_as(supervisor).get("/api/v1/me/").json()["memberships"] == []


def test_me_needs_authentication(db: Any) -> None:
    assert APIClient().get("/api/v1/me/").status_code == 401
