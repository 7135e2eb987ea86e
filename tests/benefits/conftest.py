"""Benefit fixtures: the shipped sample standards loaded, people in the demo counties."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from benefits.loading import do_load_benefit_standards
from tests.conftest import COUNTY_A, PROVINCE
from tests.jurisdictions.conftest import web_as  # noqa: F401  (fixture)
from tests.subjects.conftest import make_subject, new_id  # noqa: F401  (fixtures)

SAMPLE = Path(__file__).resolve().parents[2] / "benefits" / "data" / "standards.csv"


@pytest.fixture
def standards(db: Any) -> None:
    result = do_load_benefit_standards(SAMPLE, actor=None)
    assert not result.errors, result.errors


@pytest.fixture
def province_approver(make_user: Callable[..., User]) -> User:
    return make_user("province_approver", "approver", PROVINCE)


@pytest.fixture
def nation_approver(make_user: Callable[..., User]) -> User:
    return make_user("nation_approver", "approver", "CN")


@pytest.fixture
def county_approver(make_user: Callable[..., User]) -> User:
    return make_user("county_approver", "approver", COUNTY_A)


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user("outsider", "caseworker", "110101")
