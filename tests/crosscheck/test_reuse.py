"""A re-run where nothing changed reuses the last result; any change to what the checks read runs them again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from audit.models import AuditEvent
from crosscheck.actions import do_run_crosscheck
from crosscheck.models import Discrepancy, DiscrepancyStatus, Kind
from jurisdictions.models import Department
from subjects.actions import do_end_benefit, do_update_subject

from .conftest import AS_OF, DEATHS, HUKOU, hukou_row

PS = Department.PUBLIC_SECURITY

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the input-change journal is PostgreSQL's")


@pytest.fixture
def dead_with_pension(make_subject, add_benefit, load):
    subject, number = make_subject(name="张三")
    benefit = add_benefit(subject, "state_pension", "1000.00", start=dt.date(2020, 1, 1))
    load(PS, DEATHS, [[number, subject.name, "2026-01-20"]])
    return subject, number, benefit


def test_a_rerun_with_nothing_changed_reuses_the_last_result(dead_with_pension):
    first = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    item = Discrepancy.objects.get()
    second = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert first.reused_from is None and second.reused_from == first
    assert (second.found, second.counts, second.county_counts) == (first.found, first.counts, first.county_counts)
    assert (second.opened, second.closed) == (0, 0)
    assert Discrepancy.objects.get().last_run_id == item.last_run_id == first.pk
    event = AuditEvent.objects.filter(event_type="crosscheck.run").latest("seq")
    assert event.data["reused_from"] == first.pk and event.data["found"] == 1
    # A third run with nothing changed still stands on the first run's result, through the second.
    assert do_run_crosscheck(actor=None, department=PS, as_of=AS_OF).reused_from == second


def test_a_change_to_the_register_runs_the_checks_again(dead_with_pension):
    subject, _number, _benefit = dead_with_pension
    do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    do_update_subject(subject, changes={"status": "deceased"}, provenance="caseworker_entry", actor=None)
    run = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert run.reused_from is None
    assert Discrepancy.objects.get(status="open").registry_value == "deceased"


def test_an_ended_benefit_runs_the_checks_again(dead_with_pension):
    _subject, _number, benefit = dead_with_pension
    do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    do_end_benefit(benefit, end=dt.date(2026, 1, 31), reason="死亡", actor=None, provenance="caseworker_entry")
    run = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert run.reused_from is None and run.closed == 1 and run.opened == 1
    assert Discrepancy.objects.get(status="open").kind == Kind.DECEASED_ON_FILE


def test_a_correction_that_did_not_hold_is_reopened(dead_with_pension):
    do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    Discrepancy.objects.update(status=DiscrepancyStatus.CORRECTED)
    run = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert run.reused_from is None
    assert Discrepancy.objects.get().status == DiscrepancyStatus.OPEN


def test_another_month_or_a_new_batch_is_another_run(dead_with_pension, load):
    subject, number, _benefit = dead_with_pension
    june = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    july = do_run_crosscheck(actor=None, department=PS, as_of=dt.date(2026, 7, 1))
    assert july.reused_from is None and Discrepancy.objects.get().months_overpaid == 6
    # Back to June: the July run rewrote the figures, so June's result cannot simply stand.
    again = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert again.reused_from is None and Discrepancy.objects.get().months_overpaid == 5
    assert june.reused_from is None
    assert do_run_crosscheck(actor=None, department=PS, as_of=AS_OF).reused_from == again
    load(PS, HUKOU, [hukou_row(subject, number, name="张叁")])
    assert do_run_crosscheck(actor=None, department=PS, as_of=AS_OF).reused_from is None


def test_reuse_can_be_switched_off(dead_with_pension, settings):
    settings.LAUREL_CROSSCHECK_REUSE_DAYS = 0
    do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert do_run_crosscheck(actor=None, department=PS, as_of=AS_OF).reused_from is None


@pytest.fixture
def divisions_after_a_flush(transactional_db):
    """A transactional test may start from a database another one flushed: the division tree again."""
    from django.core.management import call_command

    call_command("load_divisions", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_across_transactions_a_committed_change_is_seen_and_nothing_else(divisions_after_a_flush, dead_with_pension):
    subject, _number, _benefit = dead_with_pension
    first = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert do_run_crosscheck(actor=None, department=PS, as_of=AS_OF).reused_from == first
    do_update_subject(subject, changes={"name": "张叁"}, provenance="caseworker_entry", actor=None)
    third = do_run_crosscheck(actor=None, department=PS, as_of=AS_OF)
    assert third.reused_from is None
    assert do_run_crosscheck(actor=None, department=PS, as_of=AS_OF).reused_from == third
