"""Writes to the registry: registration, one person one record, updates with provenance, benefits, reveals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from audit.models import AuditEvent
from subjects import ids
from subjects.actions import (
    AlreadyRegistered,
    SubjectInvalid,
    do_add_benefit,
    do_end_benefit,
    do_merge_subjects,
    do_register_subject,
    do_reveal_id_number,
    do_update_subject,
)
from subjects.models import BenefitStatus, Category, DuplicateFlag, IdReveal, Subject
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import new_id

pytestmark = pytest.mark.django_db


def test_registering_stores_the_number_encrypted_indexed_and_masked(caseworker: Any) -> None:
    number = ids.build(COUNTY_A, dt.date(1958, 3, 9), 17)
    subject = do_register_subject(
        division=COUNTY_A, id_number=number.lower(), name="刘䶮", category=Category.RETIRED_OFFICER, actor=caseworker
    )
    subject.refresh_from_db()
    assert subject.name == "刘䶮"
    assert subject.id_number_masked == ids.mask(number)
    assert subject.id_number_hmac == ids.blind_index(number)
    assert number not in subject.id_number_encrypted
    assert ids.decrypt(subject.id_number_encrypted) == number
    assert subject.birth_date == dt.date(1958, 3, 9)
    assert subject.sex == "male"
    assert subject.county_code == COUNTY_A
    assert subject.provenance_of("name")["source"] == "caseworker_entry"
    event = AuditEvent.objects.get(event_type="subject.registered", object_id=str(subject.pk))
    assert number not in str(event.data)
    assert event.data["id_number"] == subject.id_number_masked


def test_a_rare_character_name_round_trips_exactly(make_subject: Callable[..., Subject]) -> None:
    subject = make_subject(name="李𫖯")
    assert Subject.objects.get(pk=subject.pk).name == "李𫖯"


def test_an_invalid_number_is_refused(caseworker: Any) -> None:
    with pytest.raises(ids.InvalidIdNumber):
        do_register_subject(
            division=COUNTY_A, id_number="440106195803090170", name="某", category="retired_soldier", actor=caseworker
        )
    assert not Subject.objects.exists()


def test_birth_date_and_sex_must_agree_with_the_number(caseworker: Any) -> None:
    number = ids.build(COUNTY_A, dt.date(1958, 3, 9), 17)
    with pytest.raises(SubjectInvalid) as excinfo:
        do_register_subject(
            division=COUNTY_A,
            id_number=number,
            name="某",
            category="retired_soldier",
            birth_date=dt.date(1958, 3, 10),
            sex="female",
            actor=caseworker,
        )
    assert set(excinfo.value.message_dict) == {"birth_date", "sex"}


def test_unknown_choices_get_field_messages(caseworker: Any) -> None:
    with pytest.raises(SubjectInvalid) as excinfo:
        do_register_subject(
            division=COUNTY_A, id_number=new_id(), name="某", category="astronaut", ethnicity="99", actor=caseworker
        )
    assert set(excinfo.value.message_dict) == {"category", "ethnicity"}


def test_the_same_person_cannot_be_registered_in_another_county(subject_a: Subject, caseworker_b: Any) -> None:
    number = ids.decrypt(subject_a.id_number_encrypted)
    with pytest.raises(AlreadyRegistered) as excinfo:
        do_register_subject(
            division=COUNTY_B, id_number=number, name="张三", category="retired_soldier", actor=caseworker_b
        )
    assert excinfo.value.messages == ["该人员已在天河区登记。"] or "天河区" in excinfo.value.messages[0]
    flag = DuplicateFlag.objects.get()
    assert (flag.existing_county_code, flag.attempted_county_code) == (COUNTY_A, COUNTY_B)
    assert Subject.objects.count() == 1


def test_update_records_provenance_per_field_and_audits_masked(subject_a: Subject, caseworker: Any) -> None:
    updated = do_update_subject(
        subject_a,
        changes={"employment": "farming", "employer": "", "floor_area": "45.5"},
        provenance="approved_case",
        source_ref="CASE-2026-0001",
        actor=caseworker,
    )
    assert updated.employment == "farming"
    assert updated.floor_area == Decimal("45.50")
    assert updated.provenance_of("employment")["source"] == "approved_case"
    assert updated.provenance_of("employment")["ref"] == "CASE-2026-0001"
    assert updated.provenance_of("name")["source"] == "caseworker_entry"
    event = AuditEvent.objects.get(event_type="subject.updated")
    assert set(event.data["changes"]) == {"employment", "floor_area"}


def test_changing_the_id_number_reencrypts_and_audits_only_masked_values(subject_a: Subject, caseworker: Any) -> None:
    number = ids.build(COUNTY_A, dt.date(1970, 1, 2), 8)
    updated = do_update_subject(
        subject_a, changes={"id_number": number}, provenance="department_verification", actor=caseworker
    )
    assert ids.decrypt(updated.id_number_encrypted) == number
    assert updated.birth_date == dt.date(1970, 1, 2)
    assert updated.sex == "female"
    event = AuditEvent.objects.get(event_type="subject.updated")
    assert number not in str(event.data)
    assert event.data["changes"]["id_number"]["new"] == ids.mask(number)


def test_an_update_without_change_writes_nothing(subject_a: Subject, caseworker: Any) -> None:
    do_update_subject(subject_a, changes={"name": subject_a.name}, provenance="caseworker_entry", actor=caseworker)
    assert not AuditEvent.objects.filter(event_type="subject.updated").exists()


def test_benefits_are_added_and_ended_with_provenance(subject_a: Subject, caseworker: Any) -> None:
    benefit = do_add_benefit(
        subject_a,
        benefit_type="state_pension",
        amount="1520.00",
        start=dt.date(2020, 1, 1),
        actor=caseworker,
        provenance="approved_case",
        source_ref="CASE-1",
    )
    ended = do_end_benefit(
        benefit, end=dt.date(2025, 6, 30), reason="本人去世", actor=caseworker, provenance="department_verification"
    )
    assert ended.status == BenefitStatus.ENDED
    assert ended.end == dt.date(2025, 6, 30)
    with pytest.raises(SubjectInvalid):
        do_end_benefit(ended, end=dt.date(2025, 7, 1), reason="x", actor=caseworker, provenance="caseworker_entry")


def test_reveal_records_who_whom_why_and_never_the_number(subject_a: Subject, caseworker: Any) -> None:
    number = do_reveal_id_number(subject_a, actor=caseworker, reason="核对身份")
    assert number == ids.decrypt(subject_a.id_number_encrypted)
    reveal = IdReveal.objects.get()
    assert (reveal.user, reveal.subject, reveal.reason) == (caseworker, subject_a, "核对身份")
    event = AuditEvent.objects.get(event_type="subject.id_revealed")
    assert number not in str(event.data)
    with pytest.raises(SubjectInvalid):
        do_reveal_id_number(subject_a, actor=caseworker, reason="  ")


def test_merging_moves_the_benefits_and_keeps_the_duplicate_on_file(
    subject_a: Subject, subject_b: Subject, caseworker: Any
) -> None:
    benefit = do_add_benefit(
        subject_b,
        benefit_type="state_pension",
        amount="800.00",
        start=dt.date(2021, 1, 1),
        actor=caseworker,
        provenance="approved_case",
    )
    do_merge_subjects(subject_a, subject_b, actor=caseworker, reason="同一人两次建档")
    benefit.refresh_from_db()
    subject_b.refresh_from_db()
    assert benefit.subject_id == subject_a.pk
    assert subject_b.status == "merged" and subject_b.merged_into_id == subject_a.pk
    assert Subject.objects.filter(pk=subject_b.pk).exists()
    events = AuditEvent.objects.filter(event_type__in=["subject.merged", "subject.merged_away"])
    assert {e.object_id for e in events} == {str(subject_a.pk), str(subject_b.pk)}


def test_a_merged_record_cannot_be_merged_again(
    subject_a: Subject, subject_b: Subject, make_subject: Callable[..., Subject]
) -> None:
    do_merge_subjects(subject_a, subject_b, actor=None, reason="同一人")
    with pytest.raises(SubjectInvalid) as refused:
        do_merge_subjects(make_subject(COUNTY_A, name="王五"), subject_b, actor=None, reason="同一人")
    assert refused.value.message_dict == {"keep": ["其中一份档案已被合并。"]}


def test_a_merge_needs_a_reason_and_two_records(subject_a: Subject, subject_b: Subject) -> None:
    with pytest.raises(SubjectInvalid):
        do_merge_subjects(subject_a, subject_b, actor=None, reason=" ")
    with pytest.raises(SubjectInvalid):
        do_merge_subjects(subject_a, subject_a, actor=None, reason="同一人")


def test_registering_or_renaming_with_invisible_characters_is_refused(make_subject) -> None:
    from django.core.exceptions import ValidationError

    from subjects.actions import do_update_subject

    with pytest.raises(ValidationError) as exc:
        make_subject(name="李\u2067四")
    assert "name" in exc.value.message_dict
    person = make_subject(name="龚䶮")
    with pytest.raises(ValidationError) as exc:
        do_update_subject(person, changes={"name": "龚\u200d䶮"}, provenance="caseworker_entry", actor=None)
    assert "name" in exc.value.message_dict
