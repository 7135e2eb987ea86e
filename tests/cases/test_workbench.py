"""The workbench (工作台): each role finds its day's work on the home page, and nothing of another county."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import User
from audit.models import AuditEvent
from cases import actions
from cases.models import Case
from notifications.outbox import notify
from policies.models import CalendarDay
from subjects import ids
from subjects.actions import do_reveal_id_number
from subjects.models import Subject
from tests.conftest import COUNTY_A

from .conftest import open_task

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    """Signed in with two-factor verified (approvers and auditors need it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def workbench(user: User) -> str:
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def due(case: Case, at: dt.datetime) -> None:
    Case.objects.filter(pk=case.pk).update(due_at=at)


def at_noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


# --- the caseworker ---------------------------------------------------------------------------


def test_the_caseworkers_own_tasks_are_listed_overdue_first_with_the_team_queue_counted(
    caseworker: User, file_case: Callable[..., Case]
) -> None:
    later, overdue, unclaimed = file_case(), file_case(), file_case()
    for case in (later, overdue):
        actions.do_claim_task(open_task(case, "intake"), actor=caseworker)
    due(later, timezone.now() + dt.timedelta(days=5))
    due(overdue, timezone.now() - dt.timedelta(days=1))
    page = workbench(caseworker)
    mine = page.split('id="panel-my-tasks"')[1].split("</section>")[0]
    assert mine.index(overdue.number) < mine.index(later.number)
    assert "已超期" in mine
    assert unclaimed.number not in mine
    assert "团队待领：1 项任务" in mine


def test_cases_due_within_three_working_days_follow_the_working_day_calendar(
    caseworker: User, file_case: Callable[..., Case]
) -> None:
    with freeze_time("2026-03-06 09:00:00+08:00"):  # a Friday; Monday 9 March made a holiday
        CalendarDay.objects.create(date=dt.date(2026, 3, 9), is_working=False, name="测试假日")
        on_wednesday, on_thursday = file_case(), file_case()
        due(on_wednesday, at_noon(dt.date(2026, 3, 11)))  # Tue, Wed: the 2nd working day
        due(on_thursday, at_noon(dt.date(2026, 3, 13)))  # Friday next week: the 4th working day
        page = workbench(caseworker)
    soon = page.split('id="panel-due-soon"')[1].split("</section>")[0]
    assert on_wednesday.number in soon
    assert on_thursday.number not in soon


def test_a_returned_case_waits_for_the_caseworker(caseworker: User, file_case: Callable[..., Case], walk: Any) -> None:
    case = file_case()
    walk.intake(case)
    walk.verify(case, result="disputed")
    walk.verify(case, department="civil_affairs")
    page = workbench(caseworker)
    returned = page.split('id="panel-returned"')[1].split("</section>")[0]
    assert case.number in returned


def test_unread_notifications_are_on_the_workbench(caseworker: User) -> None:
    notify(
        event="import.finished",
        context={"name": "天河区名册", "ok": 3, "errors": 0},
        dedupe_key="test-import",
        recipients=[caseworker],
    )
    page = workbench(caseworker)
    unread = page.split('id="panel-notifications"')[1].split("</section>")[0]
    assert "天河区名册" in unread


def test_the_workbench_takes_a_modest_number_of_queries(
    caseworker: User, file_case: Callable[..., Case], django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        actions.do_claim_task(open_task(file_case(), "intake"), actor=caseworker)
    client = client_for(caseworker)
    client.get(reverse("home"))
    with django_assert_max_num_queries(30):
        client.get(reverse("home"))


# --- quick search -----------------------------------------------------------------------------


def test_the_quick_search_finds_people_and_their_cases_by_name(
    caseworker: User, subject: Subject, file_case: Callable[..., Case]
) -> None:
    case = file_case()
    response = client_for(caseworker).post(reverse("home"), {"q": subject.name})
    page = response.content.decode()
    assert reverse("subjects:detail", args=[subject.pk]) in page
    assert case.number in page.split('id="panel-cases"')[1]


def test_the_quick_search_finds_a_full_id_number_through_the_blind_index_and_records_the_look_up(
    caseworker: User, subject: Subject
) -> None:
    number = ids.decrypt(subject.id_number_encrypted)
    page = client_for(caseworker).post(reverse("home"), {"q": number}).content.decode()
    people = page.split('id="panel-people"')[1].split("</section>")[0]
    assert reverse("subjects:detail", args=[subject.pk]) in people
    assert number not in people
    event = AuditEvent.objects.get(event_type="subject.looked_up")
    assert (event.actor, event.object_id, event.data["where"]) == (caseworker, str(subject.pk), "workbench")
    assert number not in str(event.data)


def test_the_quick_search_form_is_posted_so_an_id_number_never_enters_a_url(caseworker: User) -> None:
    page = workbench(caseworker)
    form = page.split('id="quick-search"')[1].split("</form>")[0]
    assert 'method="post"' in form


def test_another_countys_caseworker_finds_nothing_of_county_a(
    caseworker_b: User, subject: Subject, file_case: Callable[..., Case]
) -> None:
    case = file_case()
    client = client_for(caseworker_b)
    for term in (subject.name, case.number, ids.decrypt(subject.id_number_encrypted)):
        page = client.post(reverse("home"), {"q": term}).content.decode().split('id="search-results"')[1]
        assert reverse("subjects:detail", args=[subject.pk]) not in page
        assert case.number not in page
    page = workbench(caseworker_b)
    assert case.number not in page and subject.name not in page
    looked_up = AuditEvent.objects.get(event_type="subject.looked_up")
    assert looked_up.data["found"] == 0 and looked_up.object_id == ""


# --- the other roles --------------------------------------------------------------------------


def test_the_approver_sees_the_decisions_waiting(approver: User, file_case: Callable[..., Case], walk: Any) -> None:
    case = file_case()
    assert case.number not in workbench(approver).split('id="panel-decisions"')[1].split("</section>")[0]
    walk.intake(case)
    walk.verify_all(case)
    decisions = workbench(approver).split('id="panel-decisions"')[1].split("</section>")[0]
    assert case.number in decisions
    assert reverse("cases:task", args=[open_task(case, "approve").pk]) in decisions


def test_the_liaison_sees_the_departments_queue_only(
    liaison_ps: User, file_case: Callable[..., Case], walk: Any
) -> None:
    case = file_case()
    page = workbench(liaison_ps)
    assert 'id="panel-decisions"' not in page and 'id="panel-my-tasks"' in page
    walk.intake(case)
    queue = workbench(liaison_ps).split('id="panel-department-queue"')[1].split("</section>")[0]
    assert case.number in queue
    assert "核查：公安" in queue


def test_the_supervisor_sees_overdue_counts_by_county_linking_to_that_countys_list(
    city_supervisor: User,
    make_subject: Callable[..., Subject],
    file_case: Callable[..., Case],
    make_user: Callable[..., User],
) -> None:
    caseworker_b = make_user("cw_b", "caseworker", "440104")
    a1, a2 = file_case(), file_case()
    b1 = file_case(subject_=make_subject("440104", name="李四"), actor=caseworker_b)
    for case in (a1, a2, b1):
        due(case, timezone.now() - dt.timedelta(days=2))
    page = workbench(city_supervisor)
    panel = page.split('id="panel-overdue"')[1].split("</section>")[0]
    link = reverse("cases:list") + "?overdue=on&amp;township=440106"
    assert link in panel
    assert "天河区" in panel and "越秀区" in panel
    listing = client_for(city_supervisor).get(link.replace("&amp;", "&")).content.decode()
    assert a1.number in listing and a2.number in listing
    assert b1.number not in listing


def test_the_auditor_sees_recent_sensitive_events_linking_to_the_audit_pages(
    make_user: Callable[..., User], caseworker: User, subject: Subject
) -> None:
    auditor = make_user("auditor", "auditor", COUNTY_A)
    do_reveal_id_number(subject, actor=caseworker, reason="核对身份")
    page = workbench(auditor)
    panel = page.split('id="panel-sensitive-events"')[1].split("</section>")[0]
    assert "查看完整身份证号码" in panel
    assert reverse("audit:timeline", args=["subjects.subject", subject.pk]) in panel
    assert reverse("audit:search") in panel
    assert 'id="panel-my-tasks"' not in page


def test_an_outsider_auditor_of_another_county_sees_no_sensitive_event_of_county_a(
    make_user: Callable[..., User], caseworker: User, subject: Subject
) -> None:
    auditor_b = make_user("auditor_b", "auditor", "440104")
    do_reveal_id_number(subject, actor=caseworker, reason="核对身份")
    panel = workbench(auditor_b).split('id="panel-sensitive-events"')[1].split("</section>")[0]
    assert reverse("audit:timeline", args=["subjects.subject", subject.pk]) not in panel


# --- filing from where the caseworker is ------------------------------------------------------


def test_new_case_from_the_workbench_and_the_case_list_leads_to_choosing_the_person(
    caseworker: User, subject: Subject
) -> None:
    chooser = reverse("cases:choose_subject")
    assert chooser in workbench(caseworker)
    client = client_for(caseworker)
    assert chooser in client.get(reverse("cases:list")).content.decode()
    by_name = client.get(chooser, {"name": subject.name}).content.decode()
    assert f"{reverse('cases:file')}?subject={subject.pk}" in by_name
    by_number = client.post(chooser, {"id_number": ids.decrypt(subject.id_number_encrypted)}).content.decode()
    assert f"{reverse('cases:file')}?subject={subject.pk}" in by_number
    assert AuditEvent.objects.filter(event_type="subject.looked_up", object_id=str(subject.pk)).exists()


def test_the_person_chooser_is_for_caseworkers_and_shows_no_one_of_another_county(
    caseworker_b: User, approver: User, subject: Subject
) -> None:
    chooser = reverse("cases:choose_subject")
    assert client_for(approver).get(chooser).status_code == 403
    page = client_for(caseworker_b).get(chooser, {"name": subject.name}).content.decode()
    assert reverse("subjects:detail", args=[subject.pk]) not in page
