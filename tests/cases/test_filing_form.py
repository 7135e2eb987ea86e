"""Filing a data correction or the end of a benefit from the page: the fields of the person's
record are chosen by their Chinese names and each value is checked as the register checks it;
the benefit to end is one of the person's current benefits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cases.forms import FileCaseForm
from cases.models import Case
from subjects.actions import do_add_benefit

from .test_views import logged_in

pytestmark = pytest.mark.django_db

BASE = {"kind": "data_correction", "title": "更正档案信息", "channel": "walk_in", "evidence": "户口簿复印件"}


def _form(subject: Any, **data: Any) -> FileCaseForm:
    return FileCaseForm({**BASE, **data}, subject=subject)


def test_the_fields_are_offered_by_their_chinese_names(subject):
    choices = dict(_form(subject).fields["correction_field_1"].choices)  # type: ignore[attr-defined]
    assert str(choices["phone"]) == "联系电话" or "电话" in str(choices["phone"])
    assert str(choices["id_number"]) == "公民身份号码"
    assert "photo" not in choices


def test_a_choice_is_given_by_its_name_and_stored_as_its_code_and_a_date_as_a_date(subject):
    form = _form(
        subject,
        correction_field_1="housing_tenure",
        correction_value_1="租赁住房",
        correction_field_2="service_start",
        correction_value_2="1979-11-01",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["corrections"] == {"housing_tenure": "rented", "service_start": "1979-11-01"}


def test_a_value_the_register_would_refuse_is_a_chinese_field_error(subject):
    form = _form(
        subject,
        correction_field_1="service_start",
        correction_value_1="去年",
        correction_field_2="id_number",
        correction_value_2="110105194912310021",
        correction_value_3="无项目的值",
    )
    assert not form.is_valid()
    assert "日期" in form.errors["correction_value_1"][0]
    assert form.errors["correction_value_2"]
    assert "项目" in form.errors["correction_field_3"][0]


def test_the_same_field_twice_is_refused(subject):
    form = _form(subject, correction_field_1="phone", correction_value_1="1", correction_field_2="phone")
    assert not form.is_valid() and "correction_field_2" in form.errors


def test_old_pages_posting_field_equals_value_lines_still_work(subject):
    form = _form(subject, corrections="phone=13800138000")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["corrections"] == {"phone": "13800138000"}


def test_the_benefit_to_end_is_chosen_from_the_persons_current_benefits(subject, subject_b):
    current = do_add_benefit(
        subject,
        benefit_type="dibao",
        amount="500",
        start=dt.date(2020, 1, 1),
        actor=None,
        provenance="caseworker_entry",
    )
    other = do_add_benefit(
        subject_b,
        benefit_type="dibao",
        amount="9",
        start=dt.date(2020, 1, 1),
        actor=None,
        provenance="caseworker_entry",
    )
    form = FileCaseForm(subject=subject)
    labels = dict(form.fields["benefit_id"].choices)  # type: ignore[attr-defined]
    assert set(labels) == {"", current.pk}
    assert "500" in str(labels[current.pk]) and "2020-01-01" in str(labels[current.pk])
    bad = FileCaseForm({**BASE, "kind": "benefit_claim", "benefit_id": str(other.pk)}, subject=subject)
    assert not bad.is_valid() and "benefit_id" in bad.errors


def test_the_caseworker_files_a_correction_by_field_name_from_the_page(client, caseworker, subject):
    logged_in(client, caseworker)
    page = client.get(f"/cases/new/?subject={subject.pk}&kind=data_correction").content.decode()
    assert "更正 1：项目" in page and "field=" not in page
    response = client.post(
        "/cases/new/",
        {**BASE, "subject": subject.pk, "correction_field_1": "phone", "correction_value_1": "13800138000"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.corrections == {"phone": "13800138000"}
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "联系电话 → " in detail or "电话 → " in detail


def test_the_outsider_gets_404_on_the_filing_page(client, caseworker_b, subject):
    assert logged_in(client, caseworker_b).get(f"/cases/new/?subject={subject.pk}").status_code == 404
