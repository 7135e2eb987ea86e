"""Working days with holidays and 调休, stage due dates, the paused clock, escalation, and the admin pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AuditEvent
from cases import actions, sla
from cases.models import Case, SlaRule
from policies.models import CalendarDay

from .conftest import open_task
from .test_views import logged_in

pytestmark = pytest.mark.django_db


def test_weekends_are_skipped():
    assert sla.add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)  # Friday → Monday


def test_the_spring_festival_is_skipped_and_the_adjusted_saturday_counts():
    # The policy base's calendar (the chinese-calendar package's 2026): nothing to load.
    # Fri 13 Feb + 1 working day: Sat 14 Feb is a 调休 working day.
    assert sla.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    # Sat 14 Feb + 1: the holiday runs 15–23 Feb, so Tue 24 Feb.
    assert sla.add_working_days(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)
    assert sla.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 24)) == 2


def test_stage_due_dates_follow_the_rules(file_case, caseworker):
    actions.do_set_sla_rule(kind="benefit_claim", stage="submitted", working_days=2, actor=caseworker)
    with freeze_time("2026-03-02 10:00:00+08:00"):  # a Monday
        case = file_case()
    assert sla.local_date(case.due_at) == dt.date(2026, 3, 4)
    assert AuditEvent.objects.filter(event_type="sla.rule_changed").get().data["to"] == 2


def test_the_clock_pauses_while_returned_and_resumes_with_the_days_left(file_case, walk, caseworker):
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = walk.intake(file_case())  # verification due 10 working days later: 16 March
        assert sla.local_date(case.due_at) == dt.date(2026, 3, 16)
    with freeze_time("2026-03-04 10:00:00+08:00"):
        walk.verify(case, "disputed", department="public_security")
        walk.verify(case, department="civil_affairs")
        case.refresh_from_db()
        assert case.paused_at is not None and case.sla_remaining_days == 8
        assert sla.flag(case) == ""
    with freeze_time("2026-04-01 10:00:00+08:00"):  # four weeks returned: not overdue
        assert not Case.objects.filter(pk=case.pk, due_at__lt=timezone.now(), paused_at__isnull=True).exists()
        case = actions.do_resubmit_case(open_task(case, "correct"), actor=caseworker, note="补正")
        assert case.due_at is not None
        # 8 working days after 1 April: Mon 6 April is the 清明节 holiday (the package's 2026).
        assert sla.local_date(case.due_at) == dt.date(2026, 4, 14)


def test_overdue_cases_are_flagged_and_escalated_once(file_case, city_supervisor):
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = file_case()
    with freeze_time("2026-03-04 10:00:00+08:00"):
        assert sla.flag(Case.objects.get(pk=case.pk)) == "approaching"
    with freeze_time("2026-03-20 10:00:00+08:00"):
        assert sla.flag(Case.objects.get(pk=case.pk)) == "overdue"
        call_command("escalate_overdue_cases", verbosity=0)
        call_command("escalate_overdue_cases", verbosity=0)
    [event] = AuditEvent.objects.filter(event_type="case.escalated", object_id=str(case.pk))
    assert event.data["to"] == ["city_supervisor"]
    assert Case.objects.get(pk=case.pk).escalated_at is not None


def test_the_security_administrator_cannot_edit_time_limits(client, make_user):
    logged_in(client, make_user("security", "admin"))
    assert client.get("/cases/settings/sla/").status_code == 403


def test_administrators_edit_rules_and_calendar_and_it_is_audited(client, make_user):
    # Settings belong to the system administrator (the security administrator grants roles).
    admin = make_user("admin", "sysadmin")
    logged_in(client, admin)
    assert client.get("/cases/settings/sla/").status_code == 200
    response = client.post("/cases/settings/sla/", {"kind": "grievance", "stage": "verifying", "working_days": "7"})
    assert response.status_code == 302
    assert SlaRule.objects.get(kind="grievance", stage="verifying").working_days == 7
    # The calendar moved to the policy base; the old address leads there.
    assert client.get("/cases/settings/calendar/?year=2027")["Location"] == "/policies/calendar/?year=2027"
    response = client.post("/policies/calendar/", {"date": "2027-01-01", "is_working": "0", "name": "元旦"})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2027, 1, 1)).is_working is False
    assert "元旦" in client.get("/policies/calendar/?year=2027").content.decode()
    client.post("/policies/calendar/", {"remove": "2027-01-01", "year": "2027"})
    assert not CalendarDay.objects.filter(date=dt.date(2027, 1, 1)).exists()
    types = list(AuditEvent.objects.filter(actor=admin).values_list("event_type", flat=True))
    assert types.count("calendar.changed") == 2 and "sla.rule_changed" in types


def test_others_cannot_edit_time_limits(client, caseworker):
    logged_in(client, caseworker)
    assert client.get("/cases/settings/sla/").status_code == 403
    assert client.get("/cases/settings/calendar/").status_code == 403
    assert client.post("/policies/calendar/", {"date": "2027-01-01", "is_working": "0"}).status_code == 403
