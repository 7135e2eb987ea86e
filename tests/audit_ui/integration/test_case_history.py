"""Done-when check: an auditor reconstructs a real case's history from the workspace alone.

The case is driven through the cases app's own actions (the fixtures of ``tests/cases``,
imported by this folder's conftest).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from cases.models import Case

pytestmark = pytest.mark.django_db


def test_an_auditor_reads_who_moved_the_case_when_why_and_in_which_task(
    web_as: Callable[[User], Client], auditor: User, file_case: Callable[..., Case], walk: Any
) -> None:
    case = file_case()
    case = walk.intake(case)
    case = walk.verify_all(case)
    case = walk.decide(case, "approve")
    response = web_as(auditor).get(f"/audit/objects/cases.case/{case.pk}/")
    assert response.status_code == 200
    transitions = [row for row in response.context["rows"] if row["event_type"] == "case.transition"]
    assert transitions, "the case's status changes are on its timeline"
    # The chain of statuses is unbroken: each step starts where the previous one ended.
    for earlier, later in itertools.pairwise(transitions):
        assert later["from"] == earlier["to"]
    assert transitions[0]["from"] == "submitted"
    assert transitions[-1]["to"] == case.status
    everyone = {row["actor"] for row in response.context["rows"]}
    assert everyone >= {"caseworker", "liaison_ps", "liaison_ca", "approver"}  # the departments' checks too
    assert all(row["occurred_at"] for row in transitions)
    decided = [row for row in transitions if row["actor"] == "approver"]
    assert decided and all(row["role"] == "审批人" for row in decided)
    assert any(row["task"] == "approve" for row in decided)


def test_an_auditor_of_another_province_cannot_open_that_case(
    web_as: Callable[[User], Client], auditor_other_province: User, file_case: Callable[..., Case]
) -> None:
    case = file_case()
    assert web_as(auditor_other_province).get(f"/audit/objects/cases.case/{case.pk}/").status_code == 404
