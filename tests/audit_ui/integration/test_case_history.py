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
from subjects import ids

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
    assert transitions[0]["from"] == "已提交"
    assert transitions[-1]["to"] == case.get_status_display()
    everyone = {row["actor_link"] for row in response.context["rows"]}
    assert everyone >= {"caseworker", "liaison_ps", "liaison_ca", "approver"}  # the departments' checks too
    assert all(row["occurred_at"] for row in transitions)
    decided = [row for row in transitions if row["actor_link"] == "approver"]
    assert decided and all(row["role"] == "审批人" for row in decided)
    assert any(row["task"] == "县级审批" for row in decided)


def test_an_auditor_of_another_province_cannot_open_that_case(
    web_as: Callable[[User], Client], auditor_other_province: User, file_case: Callable[..., Case]
) -> None:
    case = file_case()
    assert web_as(auditor_other_province).get(f"/audit/objects/cases.case/{case.pk}/").status_code == 404


def test_an_event_row_names_the_case_the_people_and_the_division_in_words(
    web_as: Callable[[User], Client], auditor: User, file_case: Callable[..., Case], caseworker: User
) -> None:
    caseworker.first_name = "张经办"
    caseworker.save(update_fields=["first_name"])
    case = file_case()
    response = web_as(auditor).get(f"/audit/objects/cases.case/{case.pk}/")
    filed = next(row for row in response.context["rows"] if row["event_type"] == "case.filed")
    assert filed["event"] == "立案"
    assert filed["actor"] == "张经办"
    assert filed["object"] == f"案件 {case.number}"
    assert filed["division"] == case.division.name
    page = response.content.decode()
    assert f"案件 {case.number}" in page
    assert "<details>" in page and "case.filed" in page.split("<details>", 1)[1]  # raw data folded away


def test_the_auditor_finds_a_case_by_its_number_and_its_person_by_the_full_id_number_sent_by_post(
    web_as: Callable[[User], Client], auditor: User, file_case: Callable[..., Case], subject: Any
) -> None:
    case = file_case()
    other = file_case()
    client = web_as(auditor)
    rows = client.get("/audit/", {"case": case.number}).context["rows"]
    assert rows and {row["object"] for row in rows} == {f"案件 {case.number}"}
    assert client.get("/audit/", {"id_number": "x"}).context["by_person"] is False  # no ID number in a URL
    response = client.post("/audit/", {"id_number": ids.decrypt(subject.id_number_encrypted)})
    assert response.status_code == 200
    objects = {row["object"] for row in response.context["rows"]}
    assert {f"案件 {case.number}", f"案件 {other.number}"} <= objects
    assert any(o.startswith("服务对象") for o in objects)


def test_the_auditor_finds_what_a_person_did_by_their_full_name(
    web_as: Callable[[User], Client], auditor: User, file_case: Callable[..., Case], caseworker: User
) -> None:
    caseworker.first_name = "张经办"
    caseworker.save(update_fields=["first_name"])
    file_case()
    rows = web_as(auditor).get("/audit/", {"actor": "张经办"}).context["rows"]
    assert rows and {row["actor"] for row in rows} == {"张经办"}


def test_the_case_page_links_its_auditors_to_the_cases_audit_trail(
    web_as: Callable[[User], Client],
    make_user: Callable[..., User],
    caseworker: User,
    file_case: Callable[..., Case],
) -> None:
    case = file_case()
    link = f'href="/audit/objects/cases.case/{case.pk}/"'
    county_auditor = make_user("auditor_county", "auditor")
    assert link in web_as(county_auditor).get(f"/cases/{case.pk}/").content.decode()
    assert link not in web_as(caseworker).get(f"/cases/{case.pk}/").content.decode()
