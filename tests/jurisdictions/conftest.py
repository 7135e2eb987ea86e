"""Fixtures for staff administration: the three administrators of each county, and placed staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from jurisdictions.actions import do_place_staff
from jurisdictions.models import Division, Role
from tests.conftest import COUNTY_A, COUNTY_B

STAFF_ID = "11010519491231002X"


@pytest.fixture
def placed(make_user: Callable[..., Any]) -> Callable[..., Any]:
    """A staff account at home in a division (as the system administrator's page creates them)."""

    def make(username: str, role: str | None = None, division: str = COUNTY_A, **kw: Any) -> Any:
        user = make_user(username, role, division, **kw)
        do_place_staff(user, division=Division.objects.get(code=division), actor=None)
        return user

    return make


@pytest.fixture
def sysadmin_a(placed: Callable[..., Any]) -> Any:
    return placed("sysadmin_a", Role.SYSADMIN, COUNTY_A)


@pytest.fixture
def security_a(placed: Callable[..., Any]) -> Any:
    return placed("security_a", Role.ADMIN, COUNTY_A)


@pytest.fixture
def sysadmin_b(placed: Callable[..., Any]) -> Any:
    return placed("sysadmin_b", Role.SYSADMIN, COUNTY_B)


@pytest.fixture
def security_b(placed: Callable[..., Any]) -> Any:
    return placed("security_b", Role.ADMIN, COUNTY_B)


@pytest.fixture
def web_as(db: Any) -> Callable[[Any], Client]:
    """A browser session for ``user``, past two-factor (administrators need it)."""

    def client_for(user: Any) -> Client:
        client = Client()
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return client_for
