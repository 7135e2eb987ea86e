"""Division codes: levels, normalisation and ancestry."""

from __future__ import annotations

import pytest

from jurisdictions.models import Level, Located, ancestor_codes, level_of_code, normalise_code


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("CN", Level.NATION),
        ("44", Level.PROVINCE),
        ("4401", Level.CITY),
        ("440106", Level.COUNTY),
        ("440106001", Level.TOWNSHIP),
    ],
)
def test_level_of_code_follows_the_code_length(code: str, level: Level) -> None:
    assert level_of_code(code) == level


@pytest.mark.parametrize("code", ["", "4", "440", "4401065", "44010600112", "44a1", "cn"])
def test_malformed_codes_have_no_level(code: str) -> None:
    assert level_of_code(code) is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("440000", "44"),
        ("440100", "4401"),
        ("440106", "440106"),
        (" 440106001 ", "440106001"),
        ("440106001000", "440106001"),
        ("cn", "CN"),
    ],
)
def test_padded_gb2260_codes_are_normalised(raw: str, normalised: str) -> None:
    assert normalise_code(raw) == normalised


def test_ancestors_are_the_code_prefixes_nation_first() -> None:
    assert ancestor_codes("440106001") == ["CN", "44", "4401", "440106", "440106001"]
    assert ancestor_codes("44") == ["CN", "44"]
    assert ancestor_codes("CN") == ["CN"]


def test_located_codes_are_the_denormalised_prefixes() -> None:
    assert Located.codes_for("440106001") == {"province_code": "44", "city_code": "4401", "county_code": "440106"}
    assert Located.codes_for("4401") == {"province_code": "44", "city_code": "4401", "county_code": ""}
