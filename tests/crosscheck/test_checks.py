"""Each discrepancy type is found on crafted data and absent on clean data; runs are repeatable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crosscheck.actions import do_run_crosscheck
from crosscheck.models import Discrepancy, DiscrepancyStatus, DuplicateSuspect, Kind, Run, RunStatus
from jurisdictions.models import Department
from subjects.actions import do_update_subject
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import AS_OF, ASSISTANCE, DEATHS, HUKOU, hukou_row, new_id

PS = Department.PUBLIC_SECURITY
CA = Department.CIVIL_AFFAIRS


def live(kind: str | None = None):
    qs = Discrepancy.objects.filter(status__in=["open", "sent", "corrected"])
    return qs.filter(kind=kind) if kind else qs


def test_clean_data_gives_no_discrepancy(make_subject, add_benefit, load):
    a, a_id = make_subject(COUNTY_A, name="张三")
    b, b_id = make_subject(COUNTY_B, name="李四")
    add_benefit(a, "dibao", "600.00")
    load(PS, HUKOU, [hukou_row(a, a_id), hukou_row(b, b_id)])
    load(PS, DEATHS, [])
    load(CA, ASSISTANCE, [[a_id, "张三", "低保", "是", "600"]])
    run = do_run_crosscheck(actor=None, as_of=AS_OF)
    assert run.status == RunStatus.DONE
    assert run.found == 0
    assert not Discrepancy.objects.exists()
    assert not DuplicateSuspect.objects.exists()


def test_death_while_receiving_benefits_computes_the_overpayment(make_subject, add_benefit, load):
    subject, number = make_subject()
    add_benefit(subject, "state_pension", "1000.00", start=dt.date(2020, 1, 1))
    add_benefit(subject, "state_subsidy", "200.00", start=dt.date(2026, 3, 10))
    # Died in January 2026: February to June (as of) overpaid for the pension (5 months),
    # March to June for the subsidy that started later (4 months).
    load(PS, DEATHS, [[number, subject.name, "2026-01-20"]])
    run = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    item = live(Kind.DECEASED_RECEIVING).get()
    assert item.subject == subject
    assert item.severity == "critical"
    assert item.death_date == dt.date(2026, 1, 20)
    assert item.months_overpaid == 5
    assert item.amount_overpaid == Decimal("5800.00")
    assert item.dataset_value == "2026-01-20"
    assert item.batch is not None and item.batch.layout == "public_security.deaths"
    assert run.counts == {Kind.DECEASED_RECEIVING: 1}


def test_two_death_records_count_the_overpayment_from_the_earliest(make_subject, add_benefit, load):
    subject, number = make_subject()
    add_benefit(subject, "state_pension", "1000.00", start=dt.date(2020, 1, 1))
    add_benefit(subject, "state_subsidy", "200.00", start=dt.date(2026, 3, 10))
    other, other_number = make_subject()
    # The deaths layout is cumulative: the same person in two batches (and twice in one).
    load(PS, DEATHS, [[number, subject.name, "2026-04-02"], [other_number, other.name, "2026-05-01"]])
    load(PS, DEATHS, [[number, subject.name, "2026-01-20"], [number, subject.name, "2026-03-01"]])
    run = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    item = live(Kind.DECEASED_RECEIVING).get()
    # As from January alone: 5 months of the pension, 4 of the subsidy; one discrepancy.
    assert (item.death_date, item.months_overpaid, item.amount_overpaid) == (
        dt.date(2026, 1, 20),
        5,
        Decimal("5800.00"),
    )
    assert live(Kind.DECEASED_ON_FILE).get().subject == other
    assert run.counts == {Kind.DECEASED_RECEIVING: 1, Kind.DECEASED_ON_FILE: 1}
    # Found again with nothing changed: nothing written, nothing opened or closed.
    again = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert (again.opened, again.closed, again.found) == (0, 0, 2)
    assert Discrepancy.objects.get(pk=item.pk).last_run_id == run.pk


def test_death_without_benefits_is_a_status_correction(make_subject, load):
    subject, number = make_subject()
    load(PS, DEATHS, [[number, subject.name, "2025-11-02"]])
    do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    item = live(Kind.DECEASED_ON_FILE).get()
    assert (item.field, item.registry_value) == ("status", "active")
    assert not live(Kind.DECEASED_RECEIVING).exists()


def test_not_found_in_household_registration(make_subject, load):
    present, present_id = make_subject(name="张三")
    absent, _absent_id = make_subject(name="李四")
    load(PS, HUKOU, [hukou_row(present, present_id)])
    do_run_crosscheck(actor=None, department=PS)
    assert list(live(Kind.NOT_IN_HUKOU).values_list("subject_id", flat=True)) == [absent.pk]


def test_hukou_extract_speaks_only_for_the_division_it_covers(make_subject, load):
    a, a_id = make_subject(COUNTY_A)
    make_subject(COUNTY_B)
    load(PS, HUKOU, [hukou_row(a, a_id)], coverage_code=COUNTY_A)
    do_run_crosscheck(actor=None, department=PS)
    assert not live(Kind.NOT_IN_HUKOU).exists()


def test_name_sex_and_birth_date_mismatches(make_subject, load):
    subject, number = make_subject(name="张三")
    load(PS, HUKOU, [hukou_row(subject, number, name="张叁", sex="女", birth="1949-10-01")])
    do_run_crosscheck(actor=None, department=PS)
    found = {d.field: (d.registry_value, d.dataset_value) for d in live(Kind.MISMATCH)}
    assert subject.sex == "male"  # odd sequence numbers (conftest.new_id)
    assert found == {
        "name": ("张三", "张叁"),
        "sex": ("male", "female"),
        "birth_date": (subject.birth_date.isoformat(), "1949-10-01"),
    }


def test_registered_in_two_counties(make_subject, load):
    subject, number = make_subject(COUNTY_A)
    load(PS, HUKOU, [hukou_row(subject, number, division=COUNTY_B)])
    do_run_crosscheck(actor=None, department=PS)
    item = live(Kind.TWO_COUNTIES).get()
    assert (item.registry_value, item.dataset_value) == (COUNTY_A, COUNTY_B)


def test_minimum_living_allowance_contradicted_both_ways(make_subject, add_benefit, load):
    on_file, on_file_id = make_subject(name="张三")
    add_benefit(on_file, "dibao", "600.00")
    paid_elsewhere, paid_id = make_subject(name="李四")
    load(CA, ASSISTANCE, [[on_file_id, "张三", "低保", "否", ""], [paid_id, "李四", "低保", "是", "650"]])
    do_run_crosscheck(actor=None, department=CA)
    found = {(d.subject_id, d.field, d.registry_value, d.dataset_value) for d in live(Kind.BENEFIT_CONTRADICTED)}
    assert found == {
        (on_file.pk, "dibao", "receiving", "not_receiving"),
        (paid_elsewhere.pk, "dibao", "not_receiving", "receiving"),
    }


def test_mandatory_fields_missing(make_subject):
    make_subject(ethnicity="", service_end=None)
    run = do_run_crosscheck(actor=None)
    assert set(live(Kind.MISSING).values_list("field", flat=True)) == {"ethnicity", "service_end"}
    assert run.counts[Kind.MISSING] == 2


def test_same_name_and_birth_date_under_two_ids_is_a_suspected_duplicate(make_subject):
    birth = dt.date(1952, 3, 4)
    a, _ = make_subject(COUNTY_A, name="赵六", id_number=new_id(COUNTY_A, birth))
    b, _ = make_subject(COUNTY_B, name="赵六", id_number=new_id(COUNTY_B, birth))
    make_subject(COUNTY_B, name="赵七", id_number=new_id(COUNTY_B, birth))
    run = do_run_crosscheck(actor=None)
    assert list(DuplicateSuspect.objects.values_list("subject_a_id", "subject_b_id")) == [(a.pk, b.pk)]
    assert run.suspects == 1
    do_run_crosscheck(actor=None)
    assert DuplicateSuspect.objects.count() == 1
    assert DuplicateSuspect.objects.get().reason == "same_name_birth"


def test_same_service_number_too_is_one_person_twice(make_subject):
    birth = dt.date(1953, 5, 6)
    make_subject(COUNTY_A, name="钱八", id_number=new_id(COUNTY_A, birth), service_number="A12345")
    make_subject(COUNTY_A, name="钱八", id_number=new_id(COUNTY_A, birth), service_number="A12345")
    do_run_crosscheck(actor=None)
    assert DuplicateSuspect.objects.get().reason == "same_person"


def test_rerun_refreshes_and_never_duplicates(make_subject, load):
    subject, number = make_subject(name="张三")
    load(PS, HUKOU, [hukou_row(subject, number, name="张叁")])
    first = do_run_crosscheck(actor=None, department=PS)
    second = do_run_crosscheck(actor=None, department=PS)
    item = live().get()
    # Found again unchanged: left as it was.
    assert (item.first_run_id, item.last_run_id) == (first.pk, first.pk)
    assert second.opened == 0 and second.found == 1
    assert Discrepancy.objects.count() == 1
    # Found again with another value: refreshed, still one.
    load(PS, HUKOU, [hukou_row(subject, number, name="章三")])
    third = do_run_crosscheck(actor=None, department=PS)
    item = live().get()
    assert (item.dataset_value, item.last_run_id) == ("章三", third.pk)
    assert Discrepancy.objects.count() == 1


def test_rerun_closes_what_is_no_longer_found(make_subject, load):
    subject, number = make_subject(name="张三")
    load(PS, HUKOU, [hukou_row(subject, number, name="张叁")])
    do_run_crosscheck(actor=None, department=PS)
    do_update_subject(subject, changes={"name": "张叁"}, provenance="caseworker_entry", actor=None)
    run = do_run_crosscheck(actor=None, department=PS)
    item = Discrepancy.objects.get()
    assert item.status == DiscrepancyStatus.RESOLVED
    assert item.closed_run_id == run.pk and run.closed == 1


def test_a_department_run_leaves_other_departments_discrepancies_alone(make_subject, add_benefit, load):
    subject, number = make_subject(name="张三")
    add_benefit(subject, "dibao", "600.00")
    load(CA, ASSISTANCE, [[number, "张三", "低保", "否", ""]])
    do_run_crosscheck(actor=None, department=CA)
    load(PS, HUKOU, [hukou_row(subject, number)])
    do_run_crosscheck(actor=None, department=PS)
    assert live(Kind.BENEFIT_CONTRADICTED).count() == 1


def test_a_division_run_only_touches_that_division(make_subject, load):
    a, a_id = make_subject(COUNTY_A, name="张三")
    b, b_id = make_subject(COUNTY_B, name="李四")
    load(PS, HUKOU, [hukou_row(a, a_id, name="张叁"), hukou_row(b, b_id, name="李肆")])
    do_run_crosscheck(actor=None, department=PS, division_code=COUNTY_A)
    assert set(live().values_list("county_code", flat=True)) == {COUNTY_A}
    assert Run.objects.get().division_code == COUNTY_A


@pytest.mark.parametrize("layout_rows", ["housing", "military"])
def test_other_departments_mismatches(make_subject, load, layout_rows):
    subject, number = make_subject(owns_home=False)
    if layout_rows == "housing":
        load(
            Department.HOUSING, ["公民身份号码", "姓名", "是否有住房", "住房面积"], [[number, subject.name, "是", "80"]]
        )
        do_run_crosscheck(actor=None, department=Department.HOUSING)
        assert live(Kind.MISMATCH).get().field == "owns_home"
    else:
        load(
            Department.MILITARY,
            ["公民身份号码", "姓名", "入伍时间", "退伍时间"],
            [[number, subject.name, "1970-12-01", "1976-03-01"]],
        )
        do_run_crosscheck(actor=None, department=Department.MILITARY)
        item = live(Kind.MISMATCH).get()
        assert (item.field, item.registry_value, item.dataset_value) == ("service_end", "1975-12-01", "1976-03-01")


def test_a_finished_run_notifies_the_supervisors_of_its_division(make_subject, city_supervisor, caseworker):
    from notifications.models import Notification

    make_subject(ethnicity="")
    run = do_run_crosscheck(actor=None, division_code="4401")
    notification = Notification.objects.get(event="crosscheck.finished")
    assert notification.recipient == city_supervisor
    assert notification.context == {"name": f"#{run.pk}", "problems": 1}
    assert notification.link == f"/crosscheck/runs/{run.pk}/"
