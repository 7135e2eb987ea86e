"""SLA scan: reminders count working days only; overdue steps escalate to the supervisor once."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from freezegun import freeze_time

from accounts.models import User
from audit.models import AuditEvent
from cases.actions import scan_sla
from cases.models import Case
from cases.notify import CaseEvent
from notifications.models import Notification
from policies.models import CalendarDay


def _due(case: Case, day: datetime.date) -> Case:
    due = datetime.datetime.combine(
        day, datetime.time(23, 59, 59), tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
    Case.objects.filter(pk=case.pk).update(due_at=due)
    case.refresh_from_db()
    return case


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


MONDAY = datetime.date(2026, 3, 9)
FRIDAY = datetime.date(2026, 3, 6)
THURSDAY = datetime.date(2026, 3, 5)


def test_a_reminder_counts_working_days_not_weekend_days(
    file_case: Callable[..., Case], caseworker: User, settings: Any
) -> None:
    settings.LAUREL_CASE_SLA_WARN_DAYS = 1
    case = _due(file_case(), MONDAY)
    with freeze_time(_at(THURSDAY)):  # Fri and Mon: two working days left
        assert scan_sla(_at(THURSDAY))["approaching"] == 0
    with freeze_time(_at(FRIDAY)):  # Saturday and Sunday do not count: one working day left
        assert scan_sla(_at(FRIDAY))["approaching"] == 1
        scan_sla(_at(FRIDAY))
    [item] = Notification.objects.filter(recipient=caseworker, event=CaseEvent.SLA_APPROACHING)
    assert item.context["days"] == 1 and item.context["case"] == case.number


def test_a_public_holiday_does_not_count_either(
    file_case: Callable[..., Case], caseworker: User, settings: Any
) -> None:
    settings.LAUREL_CASE_SLA_WARN_DAYS = 1
    CalendarDay.objects.create(date=FRIDAY, is_working=False, name="holiday")
    _due(file_case(), MONDAY)
    with freeze_time(_at(THURSDAY)):
        assert scan_sla(_at(THURSDAY))["approaching"] == 1


def test_the_warning_window_is_configurable(file_case: Callable[..., Case], settings: Any) -> None:
    settings.LAUREL_CASE_SLA_WARN_DAYS = 2
    _due(file_case(), MONDAY)
    with freeze_time(_at(THURSDAY)):
        assert scan_sla(_at(THURSDAY))["approaching"] == 1


def test_an_overdue_step_is_announced_and_escalated_to_the_supervisor_once(
    file_case: Callable[..., Case], caseworker: User, city_supervisor: User
) -> None:
    case = _due(file_case(), THURSDAY)
    with freeze_time(_at(FRIDAY)):
        counts = scan_sla(_at(FRIDAY))
        again = scan_sla(_at(FRIDAY))
    assert counts == {"approaching": 0, "overdue": 1, "escalated": 1}
    assert again["escalated"] == 0
    assert Notification.objects.filter(recipient=caseworker, event=CaseEvent.SLA_OVERDUE).count() == 1
    [escalation] = Notification.objects.filter(recipient=city_supervisor, event=CaseEvent.CASE_ESCALATED)
    assert escalation.context["case"] == case.number
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert AuditEvent.objects.filter(event_type="case.escalated", object_id=str(case.pk)).count() == 1


def test_a_paused_case_is_not_reminded(file_case: Callable[..., Case]) -> None:
    case = _due(file_case(), THURSDAY)
    Case.objects.filter(pk=case.pk).update(paused_at=_at(THURSDAY))
    with freeze_time(_at(FRIDAY)):
        assert scan_sla(_at(FRIDAY)) == {"approaching": 0, "overdue": 0, "escalated": 0}
