"""The working-day calendar: every statutory limit at its boundary day on the real 2026 calendar (the
chinese-calendar package: 春节 15–23 February with 调休 Saturdays 14 and 28 February; 国庆节 1–7
October with 调休 Sunday 20 September and Saturday 10 October), a year beyond the package's data
provisional and recomputed once loaded, administrators' overrides audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from audit.models import AuditEvent
from policies import calendar
from policies.actions_calendar import do_clear_calendar_day, do_load_holiday_calendar, do_set_calendar_day
from policies.models import CalendarDay, CalendarYear

from ..cases.test_views import logged_in

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def write_calendar(tmp_path: Path) -> Callable[..., Path]:
    def write(*lines: str, header: str = "date,working,name") -> Path:
        path = tmp_path / "calendar.csv"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def recomputed() -> Iterator[list[frozenset[int]]]:
    """A registered recompute callback (as the petitions register theirs): the years it was called with."""
    calls: list[frozenset[int]] = []
    saved = calendar.recompute_callbacks()

    def callback(years: frozenset[int]) -> int:
        calls.append(years)
        return 1

    calendar.register_recompute("test", callback)
    yield calls
    calendar._RECOMPUTE.clear()
    calendar._RECOMPUTE.update(saved)


# --- The package's years -------------------------------------------------------------------------


def test_the_package_knows_the_holidays_and_the_adjusted_working_days():
    assert not calendar.is_working_day(D(2026, 10, 1))  # 国庆节, a Thursday
    assert calendar.is_working_day(D(2026, 10, 10))  # 调休 Saturday
    assert calendar.is_working_day(D(2026, 9, 20))  # 调休 Sunday
    assert not calendar.is_working_day(D(2026, 9, 19))  # a plain Saturday
    assert calendar.is_working_day(D(2026, 9, 18))  # a plain Friday
    assert not calendar.is_provisional(D(2026, 12, 31))
    assert calendar.is_provisional(D(2027, 1, 1))  # beyond the package's data
    assert 2004 in calendar.package_years() and 2026 in calendar.package_years()


def test_fifteen_days_that_end_on_a_holiday_move_to_the_next_working_day():
    # Acceptance within 15 days (Art. 22): 16 Sep + 15 = 1 Oct (国庆节) → Thu 8 Oct.
    assert calendar.calendar_limit(D(2026, 9, 16), 15) == calendar.Limit(D(2026, 10, 8), False)
    # The day before: 15 Sep + 15 = Wed 30 Sep, a working day, kept.
    assert calendar.calendar_limit(D(2026, 9, 15), 15) == calendar.Limit(D(2026, 9, 30), False)


def test_sixty_days_that_end_on_an_adjusted_saturday_end_there():
    # Handling within 60 days (Art. 31): 11 Aug + 60 = Sat 10 Oct, a 调休 working day.
    assert calendar.calendar_limit(D(2026, 8, 11), 60) == calendar.Limit(D(2026, 10, 10), False)
    # One day later it ends on Sunday 11 Oct → Monday 12 Oct.
    assert calendar.calendar_limit(D(2026, 8, 12), 60) == calendar.Limit(D(2026, 10, 12), False)


def test_thirty_days_across_the_spring_festival():
    # An extension of 30 days (Art. 34): 16 Jan + 30 = Sun 15 Feb, the first day of 春节 → Tue 24 Feb.
    assert calendar.calendar_limit(D(2026, 1, 16), 30) == calendar.Limit(D(2026, 2, 24), False)
    # 15 Jan + 30 = Sat 14 Feb, a 调休 working day: kept.
    assert calendar.calendar_limit(D(2026, 1, 15), 30) == calendar.Limit(D(2026, 2, 14), False)


def test_the_rule_to_move_to_a_working_day_can_be_switched_off(settings: Any):
    settings.LAUREL_CALENDAR_ROLL_TO_WORKING_DAY = False
    assert calendar.calendar_limit(D(2026, 9, 16), 15) == calendar.Limit(D(2026, 10, 1), False)


def test_five_working_days_count_the_adjusted_sunday():
    # The objection window (5 working days) from Wed 16 Sep: 17, 18, Sun 20 (调休), 21, 22.
    assert calendar.working_limit(D(2026, 9, 16), 5) == calendar.Limit(D(2026, 9, 22), False)
    # From Thu 17 Sep: 18, 20, 21, 22, 23.
    assert calendar.working_limit(D(2026, 9, 17), 5) == calendar.Limit(D(2026, 9, 23), False)


def test_five_working_days_count_the_adjusted_saturday_and_skip_the_holiday():
    # From Wed 11 Feb: 12, 13, Sat 14 (调休), then 春节 15–23, 24, 25.
    assert calendar.working_limit(D(2026, 2, 11), 5) == calendar.Limit(D(2026, 2, 25), False)
    assert calendar.add_working_days(D(2026, 2, 11), 3) == D(2026, 2, 14)
    assert calendar.next_working_day(D(2026, 2, 15)) == D(2026, 2, 24)


# --- A year beyond the package -------------------------------------------------------------------


def test_a_limit_reaching_into_a_year_not_loaded_is_provisional_on_weekends_alone():
    # 20 Dec 2026 + 15 = Mon 4 Jan 2027: weekends only, 元旦 not known yet.
    assert calendar.calendar_limit(D(2026, 12, 20), 15) == calendar.Limit(D(2027, 1, 4), True)
    assert calendar.calendar_limit(D(2026, 12, 1), 15) == calendar.Limit(D(2026, 12, 16), False)
    assert calendar.working_limit(D(2026, 12, 30), 5) == calendar.Limit(D(2027, 1, 6), True)


def test_an_administrator_entered_day_of_a_later_year_applies_and_stays_provisional(recomputed):
    do_set_calendar_day(D(2027, 1, 4), is_working=False, name="暂定假日", actor=None)
    assert calendar.calendar_limit(D(2026, 12, 20), 15) == calendar.Limit(D(2027, 1, 5), True)
    assert recomputed == [frozenset({2027})]


def test_loading_a_later_year_makes_its_limits_final_and_calls_the_recompute_registry(
    write_calendar: Callable[..., Path], recomputed: list[frozenset[int]]
):
    path = write_calendar("2027-01-01,否,元旦", "2027-01-04,no,元旦补休", "2027-01-09,是,调休上班")
    call_command("load_holiday_calendar", "2027", str(path), verbosity=0)
    assert recomputed == [frozenset({2027})]
    assert CalendarYear.objects.get(year=2027).days == 3
    assert calendar.calendar_limit(D(2026, 12, 20), 15) == calendar.Limit(D(2027, 1, 5), False)
    assert calendar.is_working_day(D(2027, 1, 9))
    event = AuditEvent.objects.get(event_type="calendar.year_loaded")
    assert event.data["days"] == 3 and event.data["recomputed"]["test"] == 1


def test_the_recompute_callbacks_see_the_loaded_year(write_calendar: Callable[..., Path]):
    seen: list[calendar.Limit] = []
    saved = calendar.recompute_callbacks()

    def callback(years: frozenset[int]) -> int:
        seen.append(calendar.calendar_limit(D(2026, 12, 20), 15))
        return 1

    calendar.register_recompute("limits", callback)
    try:
        do_load_holiday_calendar(2027, write_calendar("2027-01-04,否,元旦补休"), actor=None)
    finally:
        calendar._RECOMPUTE.clear()
        calendar._RECOMPUTE.update(saved)
    assert seen == [calendar.Limit(D(2027, 1, 5), False)]


def test_loading_a_year_replaces_the_days_entered_for_it(write_calendar: Callable[..., Path]):
    do_set_calendar_day(D(2027, 2, 1), is_working=False, name="暂定", actor=None)
    result = do_load_holiday_calendar(2027, write_calendar("2027-01-01,否,元旦"), actor=None)
    assert result.replaced == 1 and not result.errors
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2027, 1, 1)]
    assert calendar.is_working_day(D(2027, 2, 1))


def test_a_file_with_bad_rows_loads_nothing_and_names_every_row(
    write_calendar: Callable[..., Path], recomputed: list[frozenset[int]]
):
    path = write_calendar(
        "2027-01-01,否,元旦", "2027-13-01,否,x", "2028-01-01,否,元旦", "2027-02-01,也许,x", "2027-01-01,是,重复"
    )
    result = do_load_holiday_calendar(2027, path, actor=None)
    assert [line for line, _reason in result.errors] == [3, 4, 5, 6]
    assert "2028-01-01" in result.errors[1][1] and "2027" in result.errors[1][1]
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists() and recomputed == []
    with pytest.raises(CommandError, match="4"):
        call_command("load_holiday_calendar", "2027", str(path), verbosity=0)


def test_a_file_with_the_wrong_header_is_refused(write_calendar: Callable[..., Path]):
    result = do_load_holiday_calendar(2027, write_calendar("2027-01-01,否,元旦", header="day,off,name"), actor=None)
    assert result.errors and result.errors[0][0] == 1 and not CalendarDay.objects.exists()


def test_a_missing_file_is_a_command_error(tmp_path: Path):
    with pytest.raises(CommandError):
        call_command("load_holiday_calendar", "2027", str(tmp_path / "none.csv"), verbosity=0)


# --- Overrides -----------------------------------------------------------------------------------


def test_an_override_of_a_package_day_is_audited_with_the_day_before(make_user: Callable[..., User]):
    admin = make_user("admin", "sysadmin")
    do_set_calendar_day(D(2026, 10, 8), is_working=False, name="国庆节延长", actor=admin)
    assert not calendar.is_working_day(D(2026, 10, 8))
    assert calendar.calendar_limit(D(2026, 9, 16), 15) == calendar.Limit(D(2026, 10, 9), False)
    event = AuditEvent.objects.get(event_type="calendar.changed")
    assert event.actor == admin and event.data["before"] == {"is_working": True, "name": ""}
    do_clear_calendar_day(D(2026, 10, 8), actor=admin)
    assert calendar.is_working_day(D(2026, 10, 8))
    assert AuditEvent.objects.filter(event_type="calendar.changed", data__removed=True).count() == 1


def test_the_calendar_page_lists_the_package_days_and_saves_an_override(make_user: Callable[..., User]):
    admin = make_user("admin", "sysadmin")
    web = logged_in(Client(), admin)
    home = web.get("/", follow=True).content.decode()
    assert 'id="nav-calendar"' in home and 'href="/policies/calendar/"' in home
    page = web.get("/policies/calendar/?year=2026").content.decode()
    assert "国庆节" in page and "国庆节调休上班" in page and "calendar-provisional" not in page
    later = web.get("/policies/calendar/?year=2027").content.decode()
    assert "calendar-provisional" in later and "暂按" in later
    response = web.post("/policies/calendar/", {"date": "2026-10-08", "is_working": "0", "name": "延长"})
    assert response.status_code == 302 and response["Location"] == "/policies/calendar/?year=2026"
    assert CalendarDay.objects.get(date=D(2026, 10, 8)).source == "entered"
    assert AuditEvent.objects.filter(event_type="calendar.changed", actor=admin).exists()
    bad = web.post("/policies/calendar/", {"date": "2026-02-30", "is_working": "0"})
    assert bad.status_code == 200 and CalendarDay.objects.count() == 1


def test_only_administrators_reach_the_calendar_page(caseworker: User, supervisor: User, client: Any):
    for user in (caseworker, supervisor):
        web = logged_in(Client(), user)
        assert 'id="nav-calendar"' not in web.get("/", follow=True).content.decode()
        assert web.get("/policies/calendar/").status_code == 403
        assert web.post("/policies/calendar/", {"date": "2026-10-08", "is_working": "0"}).status_code == 403
    assert client.get("/policies/calendar/").status_code == 302  # to the sign-in page
    assert not CalendarDay.objects.exists()


def test_the_migration_keeps_the_entered_days_the_package_does_not_already_say():
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("cases.migrations.0007_calendar_moves_to_policies")
    old_rows = [
        SimpleNamespace(date=D(2026, 10, 1), is_working=False, name="国庆节"),  # the package says so too
        SimpleNamespace(date=D(2026, 10, 9), is_working=False, name="本地假日"),  # an administrator's day
        SimpleNamespace(date=D(2027, 1, 1), is_working=False, name="元旦"),  # a year beyond the package
    ]
    old = SimpleNamespace(objects=SimpleNamespace(all=lambda: old_rows))
    apps = SimpleNamespace(get_model=lambda app, name: old if app == "cases" else CalendarDay)
    migration.copy_days(apps, None)
    copied = list(CalendarDay.objects.values_list("date", "source"))
    assert copied == [(D(2026, 10, 9), "entered"), (D(2027, 1, 1), "entered")]
