"""A transfer's two sides have time limits (working days per step); the SLA scan counts an overdue
side's step, tells its approvers and escalates it once to the supervisors of that side."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import User
from audit.models import AuditEvent
from cases.actions.sla import scan_steps
from notifications.models import Notification
from subjects.models import Subject
from tests.conftest import CITY, COUNTY_A
from transfers import actions, nodes
from transfers.models import Transfer
from transfers.sla import do_escalate_transfer

from .conftest import BEIJING

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-16 10:00:00+08:00"


@pytest.fixture(autouse=True)
def _short_limits(settings: Any) -> None:
    settings.LAUREL_TRANSFER_SLA_DAYS = {nodes.RELEASE: 3, nodes.ACCEPT: 5}
    settings.LAUREL_CASE_SLA_WARN_DAYS = 1


@pytest.fixture
def supervisors(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "county_a": make_user("sup_county_a", "supervisor", COUNTY_A),
        "city": make_user("sup_guangzhou", "supervisor", CITY),
        "beijing": make_user("sup_beijing", "supervisor", "11"),
    }


def _propose(subject: Subject, actor: User) -> Transfer:
    return actions.do_propose_transfer(
        subject, to=BEIJING, reason="户籍迁往北京市东城区", effective_month="2026-04", actor=actor
    )


def _notified(event: str) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def test_each_side_is_due_its_own_configured_working_days(
    make_subject: Callable[..., Subject], caseworker: User, approver_a: User
) -> None:
    with freeze_time(MONDAY):
        transfer = _propose(make_subject(COUNTY_A), caseworker)
    assert transfer.due_at is not None
    assert timezone.localtime(transfer.due_at).date() == dt.date(2026, 3, 19)  # 3 working days: Thursday
    with freeze_time("2026-03-18 09:00:00+08:00"):
        released = actions.do_release_transfer(transfer, actor=approver_a)
    assert released.due_at is not None
    assert timezone.localtime(released.due_at).date() == dt.date(2026, 3, 25)  # 5 working days after Wednesday


def test_an_overdue_release_is_escalated_once_to_the_sending_countys_supervisors(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    approver_beijing: User,
    supervisors: dict[str, User],
) -> None:
    with freeze_time(MONDAY):
        transfer = _propose(make_subject(COUNTY_A), caseworker)
    with freeze_time("2026-03-20 09:00:00+08:00"):  # Friday: the release was due by Thursday night
        counts = scan_steps(timezone.now())
        again = scan_steps(timezone.now())
    assert (counts["steps_overdue"], counts["steps_announced"]) == (1, 1)
    assert (again["steps_overdue"], again["steps_announced"]) == (1, 0)  # once per due date
    transfer.refresh_from_db()
    assert transfer.escalated_at is not None
    assert _notified("transfer.overdue") == {"approver_a"}
    assert _notified("transfer.escalated") == {"sup_county_a", "sup_guangzhou"}
    assert Notification.objects.filter(event="transfer.escalated").count() == 2  # once each, not per scan
    event = AuditEvent.objects.get(event_type="transfer.escalated")
    assert event.division_code == COUNTY_A
    assert event.data["step"] == nodes.RELEASE and event.data["to"] == ["sup_county_a", "sup_guangzhou"]


def test_after_release_the_receiving_sides_own_overdue_step_escalates_to_its_supervisors(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    approver_beijing: User,
    supervisors: dict[str, User],
) -> None:
    with freeze_time(MONDAY):
        transfer = _propose(make_subject(COUNTY_A), caseworker)
    with freeze_time("2026-03-20 09:00:00+08:00"):
        scan_steps(timezone.now())  # the sending side's step escalated
    with freeze_time("2026-03-20 10:00:00+08:00"):
        released = actions.do_release_transfer(transfer, actor=approver_a)
    assert released.escalated_at is None  # a new step: a new clock
    with freeze_time("2026-03-30 09:00:00+08:00"):  # due Friday 27th
        counts = scan_steps(timezone.now())
    assert counts["steps_announced"] == 1
    beijing_escalation = Notification.objects.filter(event="transfer.escalated", division_code=BEIJING)
    assert set(beijing_escalation.values_list("recipient__username", flat=True)) == {"sup_beijing"}
    assert "approver_bj" in _notified("transfer.overdue")
    assert {n.link for n in beijing_escalation} == {f"/transfers/{transfer.pk}/"}


def test_a_step_not_yet_overdue_or_already_decided_is_not_escalated(
    make_subject: Callable[..., Subject], caseworker: User, approver_a: User, supervisors: dict[str, User]
) -> None:
    with freeze_time(MONDAY):
        transfer = _propose(make_subject(COUNTY_A), caseworker)
        assert do_escalate_transfer(transfer).escalated_at is None
    with freeze_time("2026-03-18 09:00:00+08:00"):
        actions.do_refuse_transfer(transfer, actor=approver_a, reasons="户籍未迁出")
    with freeze_time("2026-04-20 09:00:00+08:00"):
        counts = scan_steps(timezone.now())
    assert counts["steps_overdue"] == 0
    assert not Notification.objects.filter(event="transfer.escalated").exists()


def test_the_transfer_page_shows_the_escalation(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    supervisors: dict[str, User],
    web_as: Callable[[User], Any],
) -> None:
    with freeze_time(MONDAY):
        transfer = _propose(make_subject(COUNTY_A), caseworker)
    with freeze_time("2026-03-20 09:00:00+08:00"):
        scan_steps(timezone.now())
        page = web_as(approver_a).get(f"/transfers/{transfer.pk}/").content.decode()
    assert "已超期" in page
    assert "已于 2026-03-20 上报督办" in page
