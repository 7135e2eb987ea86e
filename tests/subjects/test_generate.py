"""Synthetic subjects: valid numbers, realistic categories, rare names, idempotent per seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command

from subjects import ids, synthetic
from subjects.models import Subject
from tests.conftest import COUNTY_A


def test_generated_numbers_are_valid_unique_and_agree_with_sex_and_birth() -> None:
    rows = list(synthetic.generate(3000, ["440106001", "440104002"], seed=7, today=dt.date(2026, 1, 1)))
    numbers = [r["id_number"] for r in rows]
    assert len(set(numbers)) == 3000
    for row in rows[:500]:
        info = ids.validate(row["id_number"], check_division=False)
        assert (info.birth_date, info.sex) == (row["birth_date"], row["sex"])
    categories = Counter(r["category"] for r in rows)
    assert categories.most_common(1)[0][0] == "retired_soldier"
    assert 0.6 < categories["retired_soldier"] / 3000 < 0.8
    assert any(ch in synthetic.RARE for r in rows for ch in r["name"])


@pytest.mark.django_db
def test_the_command_generates_and_a_rerun_adds_nobody() -> None:
    call_command("generate_subjects", count=40, division=COUNTY_A, seed=3, verbosity=0)
    assert Subject.objects.filter(county_code=COUNTY_A).count() == 40
    subject = Subject.objects.first()
    assert subject is not None
    assert ids.validate(ids.decrypt(subject.id_number_encrypted)).number[:6] == COUNTY_A
    call_command("generate_subjects", count=40, division=COUNTY_A, seed=3, verbosity=0)
    assert Subject.objects.count() == 40


def test_most_generated_people_have_a_mobile_number_and_it_looks_like_one() -> None:
    from subjects.synthetic import generate

    rows = list(generate(400, ["440106001"], seed=3))
    phones = [r["phone"] for r in rows if r["phone"]]
    assert 0.45 < len(phones) / len(rows) < 0.8
    assert all(len(p) == 11 and p.startswith("13") and p.isdigit() for p in phones)
