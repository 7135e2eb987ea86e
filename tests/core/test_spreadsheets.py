"""Exported cells never run as spreadsheet formulas."""

from __future__ import annotations

import pytest

from core.spreadsheets import is_formula_like, safe_cell


@pytest.mark.parametrize(
    "value", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx", "＝HYPERLINK()", "＋1", "－1", "＠x"]
)
def test_formula_like_text_gets_a_leading_apostrophe(value: str) -> None:
    assert is_formula_like(value)
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["张三", "440106", "a=b", ""])
def test_ordinary_text_is_left_alone(value: str) -> None:
    assert safe_cell(value) == value


def test_numbers_stay_numbers_and_none_becomes_empty() -> None:
    assert safe_cell(-5) == -5
    assert safe_cell(None) == ""
