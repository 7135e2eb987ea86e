"""Gap-free counters: each key counts on its own, from 1, and a rolled-back number is given again."""

from __future__ import annotations

import pytest
from django.db import transaction

from cases.models import CaseCounter
from core.counters import next_value


@pytest.mark.django_db
def test_each_key_counts_from_one_on_its_own() -> None:
    assert [next_value(CaseCounter, county_code="440106", year=2026) for _ in range(3)] == [1, 2, 3]
    assert next_value(CaseCounter, county_code="440104", year=2026) == 1
    assert next_value(CaseCounter, county_code="440106", year=2027) == 1


@pytest.mark.django_db
def test_a_rolled_back_number_is_given_again() -> None:
    assert next_value(CaseCounter, county_code="440106", year=2026) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_value(CaseCounter, county_code="440106", year=2026) == 2
        raise RuntimeError("the filing failed")
    assert next_value(CaseCounter, county_code="440106", year=2026) == 2
