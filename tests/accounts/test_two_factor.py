"""``accounts.two_factor``: accounts decides for superusers and demo users; other apps add reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts import two_factor
from jurisdictions.models import Role
from jurisdictions.two_factor import holds_a_two_factor_role
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


def test_jurisdictions_registers_the_role_requirement() -> None:
    assert holds_a_two_factor_role in two_factor._requirements


def test_without_registered_requirements_only_superusers_need_two_factor(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(two_factor, "_requirements", [])
    assert not make_user("approver", Role.APPROVER, COUNTY_A).needs_two_factor()
    assert make_user("root", is_superuser=True).needs_two_factor()


def test_registering_twice_adds_one_requirement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(two_factor, "_requirements", [])
    two_factor.register_two_factor_requirement(holds_a_two_factor_role)
    two_factor.register_two_factor_requirement(holds_a_two_factor_role)
    assert two_factor._requirements == [holds_a_two_factor_role]
