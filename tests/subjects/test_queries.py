"""Scoped reads: search, exact lookup by blind index, access_subject (404 outside, 403 without perm)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from subjects import ids, queries
from subjects.models import Subject
from tests.conftest import CITY

pytestmark = pytest.mark.django_db


def test_caseworker_cannot_see_another_countys_subject(subject_a: Subject, subject_b: Subject, caseworker: Any) -> None:
    assert list(queries.subjects_for(caseworker)) == [subject_a]
    with pytest.raises(Http404):
        queries.access_subject(caseworker, subject_b.pk)
    with pytest.raises(Http404):
        queries.access_subject(caseworker, "not-a-number")


def test_city_supervisor_sees_both_counties_but_may_not_reveal(
    subject_a: Subject, subject_b: Subject, supervisor: Any
) -> None:
    assert set(queries.subjects_for(supervisor)) == {subject_a, subject_b}
    assert queries.access_subject(supervisor, subject_b.pk) == subject_b
    with pytest.raises(PermissionDenied):
        queries.access_subject(supervisor, subject_b.pk, codename="reveal_id_number")


def test_lookup_matches_the_exact_full_number_however_typed(
    subject_a: Subject, subject_b: Subject, caseworker: Any
) -> None:
    number = ids.decrypt(subject_a.id_number_encrypted)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in number)
    assert list(queries.lookup(caseworker, full_width)) == [subject_a]
    other = ids.decrypt(subject_b.id_number_encrypted)
    assert list(queries.lookup(caseworker, other)) == []  # exists, but outside the scope


def test_search_by_name_category_and_status(make_subject: Callable[..., Subject], caseworker: Any) -> None:
    officer = make_subject(name="陈光明", category="retired_officer")
    make_subject(name="陈小红", category="martyr_survivor")
    assert list(queries.search(caseworker, name="光明")) == [officer]
    assert list(queries.search(caseworker, name="陈", category="retired_officer")) == [officer]
    assert queries.search(caseworker, status="deceased").count() == 0


def test_duplicate_flags_reach_supervisors_of_either_county(make_user: Callable[..., User]) -> None:
    supervisor = make_user("sup_city", "supervisor", CITY)
    assert queries.duplicate_flags_for(supervisor).count() == 0
