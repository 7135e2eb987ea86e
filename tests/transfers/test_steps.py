"""A transfer's two sides are steps (``core.steps``): each is in the task lists of that side's
approvers — ``/api/v1/tasks/``, the inbox, the workbench counts — and of nobody else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from cases import queries as case_queries
from core import panels
from subjects.models import Subject
from tests.conftest import COUNTY_A
from transfers import actions, nodes
from transfers.models import Transfer

from .conftest import BEIJING, SHIHEZI

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-16 10:00:00+08:00"


def _propose(subject: Subject, actor: User, to: str = BEIJING) -> Transfer:
    return actions.do_propose_transfer(subject, to=to, reason="户籍迁出", effective_month="2026-04", actor=actor)


def _steps(client: APIClient) -> list[dict[str, Any]]:
    rows = client.get("/api/v1/tasks/?scope=queue").json()
    return [r["step"] for r in rows if r["step"] is not None]


@freeze_time(MONDAY)
def test_the_sending_countys_approvers_find_the_release_in_their_task_lists(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    approver_beijing: User,
    outsider: User,
    api_as: Callable[[User], APIClient],
) -> None:
    transfer = _propose(make_subject(COUNTY_A), caseworker)
    [step] = _steps(api_as(approver_a))
    assert step["kind"] == nodes.RELEASE
    assert step["url"] == f"/transfers/{transfer.pk}/"
    assert step["division"] == COUNTY_A and step["due"] == "2026-03-30"
    assert step["title"].startswith(transfer.number) and "东城区" in step["title"]
    assert _steps(api_as(approver_beijing)) == []  # not the receiving side's turn yet
    assert _steps(api_as(outsider)) == []
    assert case_queries.nav_counts(approver_a)["queue"] == 1  # the workbench's count


@freeze_time(MONDAY)
def test_after_release_the_receiving_countys_approvers_have_the_acceptance_and_the_sender_has_nothing(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    approver_beijing: User,
    api_as: Callable[[User], APIClient],
) -> None:
    transfer = _propose(make_subject(COUNTY_A), caseworker)
    actions.do_release_transfer(transfer, actor=approver_a)
    assert _steps(api_as(approver_a)) == []
    [step] = _steps(api_as(approver_beijing))
    assert (step["kind"], step["division"]) == (nodes.ACCEPT, BEIJING)
    actions.do_accept_transfer(transfer, actor=approver_beijing)
    assert _steps(api_as(approver_beijing)) == []


@freeze_time(MONDAY)
def test_a_refusal_takes_the_step_off_the_lists(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    api_as: Callable[[User], APIClient],
) -> None:
    transfer = _propose(make_subject(COUNTY_A), caseworker)
    actions.do_refuse_transfer(transfer, actor=approver_a, reasons="户籍未迁出")
    assert _steps(api_as(approver_a)) == []


@freeze_time(MONDAY)
def test_a_transfer_to_the_corps_waits_for_the_shis_approvers(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    make_user: Callable[..., User],
    api_as: Callable[[User], APIClient],
) -> None:
    eighth_shi = make_user("approver_6608", "approver", "6608")
    first_shi = make_user("approver_6601", "approver", "6601")
    transfer = _propose(make_subject(COUNTY_A), caseworker, to=SHIHEZI)
    actions.do_release_transfer(transfer, actor=approver_a)
    assert [s["kind"] for s in _steps(api_as(eighth_shi))] == [nodes.ACCEPT]
    assert _steps(api_as(first_shi)) == []


@freeze_time(MONDAY)
def test_the_inbox_lists_the_step_with_a_link_to_the_transfer_page(
    make_subject: Callable[..., Subject],
    caseworker: User,
    approver_a: User,
    web_as: Callable[[User], Any],
) -> None:
    transfer = _propose(make_subject(COUNTY_A), caseworker)
    page = web_as(approver_a).get("/cases/inbox/?scope=queue").content.decode()
    assert f'href="/transfers/{transfer.pk}/"' in page
    assert transfer.number in page


def test_the_transfers_panel_of_the_workbench_and_the_inbox_is_gone() -> None:
    assert "transfers" not in {p.name for p in panels.panels(panels.INBOX)}
    assert "transfers" not in {p.name for p in panels.panels(panels.WORKBENCH)}
