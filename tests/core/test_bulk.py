"""Loading many rows at once: the same results by COPY (PostgreSQL) and by the ORM (SQLite)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core import bulk
from jurisdictions.models import Division

pytestmark = pytest.mark.django_db

AWKWARD = "制表\t换行\n反斜杠\\回车\r"


def division(code: str, name: str) -> dict[str, object]:
    return {"code": code, "name": name, "level": 3, "parent_id": "11"}


def test_copy_text_renders_every_kind_of_value() -> None:
    assert bulk.copy_text(None) == "\\N"
    assert (bulk.copy_text(True), bulk.copy_text(False)) == ("t", "f")
    assert bulk.copy_text({"源": "a\tb"}) == '{"源": "a\\\\tb"}'  # JSON's escape, then COPY's
    assert bulk.copy_text(dt.date(2026, 3, 2)) == "2026-03-02"
    assert bulk.copy_text(Decimal("1.50")) == "1.50"
    assert bulk.copy_text("a\\b\nc") == "a\\\\b\\nc"
    assert bulk.copy_text(bulk.Rendered("\\N")) == "\\N"


def test_insert_new_skips_rows_already_there_and_returns_the_keys_inserted() -> None:
    Division.objects.create(code="119901", name="旧", level=3, parent_id="11")
    inserted = bulk.insert_new(
        Division,
        [division("119901", "新"), division("119902", AWKWARD), division("119903", "丙")],
        unique="code",
    )
    assert inserted == {"119902", "119903"}
    assert Division.objects.get(code="119901").name == "旧"
    assert Division.objects.get(code="119902").name == AWKWARD


def test_update_rows_sets_each_rows_own_columns_and_none_keeps_the_value() -> None:
    bulk.append(Division, [division("119904", "甲"), division("119905", "乙")])
    bulk.update_rows(Division, {"119904": {"name": AWKWARD}, "119905": {"name": None, "level": 4}})
    first, second = Division.objects.get(code="119904"), Division.objects.get(code="119905")
    assert (first.name, first.level) == (AWKWARD, 3)
    assert (second.name, second.level) == ("乙", 4)


def test_nothing_to_load_is_a_no_op() -> None:
    assert bulk.insert_new(Division, [], unique="code") == set()
    bulk.update_rows(Division, {})
    bulk.append(Division, [])
    bulk.analyze(Division)
