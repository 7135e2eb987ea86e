"""Subject fixtures: valid ID numbers and a registered subject in each demo county."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from subjects import ids
from subjects.actions import do_register_subject
from subjects.models import Category, Subject
from tests.conftest import COUNTY_A, COUNTY_B

_sequence = iter(range(1, 10**6))


def new_id(division: str = COUNTY_A, birth: dt.date = dt.date(1960, 5, 17), *, male: bool = True) -> str:
    """A fresh valid ID number (unique within the test run)."""
    seq = next(_sequence) % 500 * 2 + (1 if male else 0)
    return ids.build(division, birth + dt.timedelta(days=next(_sequence) % 3000), seq)


@pytest.fixture
def make_subject(db: Any) -> Callable[..., Subject]:
    def make(division: str = COUNTY_A, *, id_number: str | None = None, name: str = "王建国", **fields: Any) -> Subject:
        fields.setdefault("category", Category.RETIRED_SOLDIER)
        return do_register_subject(
            division=division, id_number=id_number or new_id(division), name=name, actor=None, **fields
        )

    return make


@pytest.fixture
def subject_a(make_subject: Callable[..., Subject]) -> Subject:
    return make_subject(COUNTY_A, name="张三")


@pytest.fixture
def subject_b(make_subject: Callable[..., Subject]) -> Subject:
    return make_subject(COUNTY_B, name="李四")
