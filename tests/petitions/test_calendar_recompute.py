"""Loading a year or overriding a day refreshes the due dates of the open grievances it touches
(``policies.calendar.register_recompute``): the limits are computed on read, the case's ``due_at`` follows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case
from petitions import actions
from petitions.deadlines import deadlines_of
from petitions.models import Petition
from policies import calendar
from policies.actions_calendar import do_set_calendar_day

pytestmark = pytest.mark.django_db
D = dt.date


def due_day(case: Case) -> dt.date:
    due = Case.objects.get(pk=case.pk).due_at
    assert due is not None
    return timezone.localtime(due).date()


def test_the_petitions_register_their_recompute():
    assert calendar.recompute_callbacks()["petitions"] == actions.recompute_due_dates


def test_loading_2027_moves_a_provisional_due_date_off_the_new_holiday(register, _today, tmp_path: Path):
    # Accepted Thu 5 Nov 2026: 60 days end Mon 4 Jan 2027, a plain weekday while 2027 is not loaded (暂按).
    _today.move_to(dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC))
    handling = register(accept_now=True)
    # Received Sun 20 Dec 2026: its 15 days to accept end the same Monday.
    _today.move_to(dt.datetime(2026, 12, 20, 2, 0, tzinfo=dt.UTC))
    waiting = register(request="补发证件")
    assert deadlines_of(Petition.objects.get(case=handling)).handle_by == calendar.Limit(D(2027, 1, 4), True)
    assert deadlines_of(Petition.objects.get(case=waiting)).accept_by == calendar.Limit(D(2027, 1, 4), True)
    assert due_day(handling) == due_day(waiting) == D(2027, 1, 4)

    path = tmp_path / "2027.csv"
    path.write_text("date,working,name\n2027-01-01,否,元旦\n2027-01-04,否,元旦补休\n", encoding="utf-8")
    call_command("load_holiday_calendar", "2027", str(path), verbosity=0)

    assert due_day(handling) == due_day(waiting) == D(2027, 1, 5)
    assert deadlines_of(Petition.objects.get(case=handling)).handle_by == calendar.Limit(D(2027, 1, 5), False)
    assert deadlines_of(Petition.objects.get(case=waiting)).accept_by == calendar.Limit(D(2027, 1, 5), False)


def test_an_override_of_a_day_moves_the_due_date_and_is_counted(register, _today):
    _today.move_to(dt.datetime(2026, 12, 20, 2, 0, tzinfo=dt.UTC))
    case = register()
    do_set_calendar_day(D(2027, 1, 4), is_working=False, name="暂定假日", actor=None)
    assert due_day(case) == D(2027, 1, 5)
    assert AuditEvent.objects.get(event_type="calendar.changed").data["recomputed"]["petitions"] == 1
    # Still provisional: 2027 is not loaded, only a day entered.
    assert deadlines_of(Petition.objects.get(case=case)).accept_by == calendar.Limit(D(2027, 1, 5), True)
    # A day of another year touches nothing.
    do_set_calendar_day(D(2028, 1, 4), is_working=False, name="暂定假日", actor=None)
    assert due_day(case) == D(2027, 1, 5)


def test_the_daily_scan_finds_the_notices_due_that_day(register, caseworker, _today):
    from petitions.queries import notices_due

    waiting = register()  # received Fri 5 June 2026: accept by Mon 22 June
    handling = register(request="补发证件", accept_now=True)  # handle by Tue 4 Aug
    paused = register(request="另一事项", accept_now=True)
    actions.do_pause_clock(paused, actor=caseworker, reason="鉴定")
    assert [row[0] for row in notices_due(D(2026, 6, 22))] == [waiting.pk]
    assert [row[0] for row in notices_due(D(2026, 8, 4))] == [handling.pk]
    assert list(notices_due(D(2026, 6, 21))) == []
