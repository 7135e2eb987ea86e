"""Cross-check fixtures: subjects with benefits, crafted department files, and the case walk."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from crosscheck import actions
from crosscheck.models import DatasetBatch
from jurisdictions.models import Department
from subjects import ids
from subjects.actions import do_add_benefit, do_register_subject
from subjects.models import Benefit, Category, Subject
from tests.cases.conftest import (  # noqa: F401  (fixtures reused from the cases tests)
    approver,
    city_supervisor,
    liaison_ca,
    liaison_ps,
    open_task,
)
from tests.conftest import COUNTY_A, COUNTY_B

_sequence = itertools.count(1)
AS_OF = dt.date(2026, 6, 15)


def new_id(division: str = COUNTY_A, birth: dt.date | None = None) -> str:
    n = next(_sequence)
    return ids.build(division, birth or dt.date(1950, 1, 1) + dt.timedelta(days=n * 11), (2 * n + 1) % 1000)


@pytest.fixture
def make_subject(db: Any) -> Callable[..., tuple[Subject, str]]:
    """Register a complete subject (nothing missing); returns it with its full ID number."""

    def make(division: str = COUNTY_A, *, name: str = "王建国", id_number: str | None = None, **fields: Any):
        number = id_number or new_id(division)
        fields.setdefault("category", Category.RETIRED_SOLDIER)
        fields.setdefault("ethnicity", "01")
        fields.setdefault("hukou_address", "广州市天河区天河路1号")
        fields.setdefault("service_start", dt.date(1970, 12, 1))
        fields.setdefault("service_end", dt.date(1975, 12, 1))
        subject = do_register_subject(division=division, id_number=number, name=name, actor=None, **fields)
        return subject, number

    return make


@pytest.fixture
def add_benefit(db: Any) -> Callable[..., Benefit]:
    def add(
        subject: Subject, benefit_type: str = "state_pension", amount: str = "1000.00", start: dt.date | None = None
    ):
        return do_add_benefit(
            subject,
            benefit_type=benefit_type,
            amount=amount,
            start=start or dt.date(2020, 1, 1),
            actor=None,
            provenance="caseworker_entry",
        )

    return add


def csv_bytes(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


@pytest.fixture
def load(db: Any) -> Callable[..., DatasetBatch]:
    def do(department: str, header: list[str], rows: list[list[Any]], **kw: Any) -> DatasetBatch:
        batch, _created = actions.do_load_dataset(
            csv_bytes(header, rows),
            file_name=kw.pop("file_name", f"{department}.csv"),
            department=department,
            actor=None,
            **kw,
        )
        return batch

    return do


HUKOU = ["公民身份号码", "姓名", "性别", "出生日期", "户籍地区划代码"]
DEATHS = ["公民身份号码", "姓名", "死亡日期"]
ASSISTANCE = ["公民身份号码", "姓名", "救助类别", "是否在保", "月保障金额"]


def hukou_row(subject: Subject, number: str, **override: Any) -> list[Any]:
    sex = {"male": "男", "female": "女"}[subject.sex]
    values = {
        "id": number,
        "name": subject.name,
        "sex": sex,
        "birth": subject.birth_date.isoformat(),
        "division": subject.division_id,
    }
    values.update(override)
    return [values["id"], values["name"], values["sex"], values["birth"], values["division"]]


@pytest.fixture
def supervisor_a(make_user: Callable[..., User]) -> User:
    return make_user("supervisor_a", "supervisor", COUNTY_A)


@pytest.fixture
def supervisor_b(make_user: Callable[..., User]) -> User:
    return make_user("supervisor_b", "supervisor", COUNTY_B)


__all__ = ["AS_OF", "Department"]
