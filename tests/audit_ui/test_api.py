"""``GET /api/v1/audit/events/``: auditors and supervisors, scoped, filtered, oldest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from audit.log import record
from audit.models import AuditEvent
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/events/"
ApiAs = Callable[[User], APIClient]


@pytest.fixture
def history(caseworker: User) -> list[AuditEvent]:
    def transition(to: str, division: str = COUNTY_A, actor: User | None = caseworker) -> AuditEvent:
        return record(
            event_type="case.transition",
            actor=actor,
            division_code=division,
            data={"to": to},
            object_type="cases.case",
            object_id="41",
        )

    return [
        transition("submitted"),
        transition("approved"),
        record(event_type="subject.updated", actor=caseworker, division_code=COUNTY_A, object_type="subjects.subject"),
        transition("submitted", division="110101", actor=None),
    ]


def test_an_auditor_lists_a_cases_events_oldest_first(api_as: ApiAs, auditor: User, history: list[AuditEvent]) -> None:
    response = api_as(auditor).get(URL, {"object_type": "cases.case", "object_id": "41"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [history[0].pk, history[1].pk]  # not 北京's case 41
    assert results[1]["actor"] == "caseworker"
    assert results[1]["data"] == {"to": "approved"}
    assert results[1]["prev_hash"] == results[0]["hash"]


def test_a_supervisor_filters_by_actor_and_dates(api_as: ApiAs, supervisor: User, history: list[AuditEvent]) -> None:
    today = timezone.localdate()
    client = api_as(supervisor)
    response = client.get(URL, {"actor": "caseworker", "from": str(today), "to": str(today)})
    assert [r["id"] for r in response.json()["results"]] == [e.pk for e in history[:3]]
    tomorrow = str(today + timedelta(days=1))
    assert client.get(URL, {"from": tomorrow}).json()["results"] == []


def test_an_auditor_of_another_province_sees_nothing(
    api_as: ApiAs, auditor_other_province: User, history: list[AuditEvent]
) -> None:
    results = api_as(auditor_other_province).get(URL, {"object_type": "cases.case"}).json()["results"]
    assert [r["id"] for r in results] == [history[3].pk]


def test_a_caseworker_is_forbidden(api_as: ApiAs, caseworker: User, history: list[AuditEvent]) -> None:
    assert api_as(caseworker).get(URL).status_code == 403


def test_anonymous_callers_are_refused(history: list[AuditEvent]) -> None:
    assert APIClient().get(URL).status_code in (401, 403)


def test_bad_filters_get_400_with_field_messages(api_as: ApiAs, auditor: User) -> None:
    response = api_as(auditor).get(URL, {"from": "yesterday", "division": "4"})
    assert response.status_code == 400
    assert set(response.json()) == {"from", "division"}


def test_results_are_cursor_paginated(api_as: ApiAs, auditor: User, caseworker: User) -> None:
    for n in range(105):
        record(event_type="test.bulk", actor=caseworker, division_code=COUNTY_A, data={"n": n})
    client = api_as(auditor)
    first = client.get(URL, {"event_type": "test.bulk"}).json()
    assert len(first["results"]) == 100
    second = client.get(first["next"]).json()
    assert [r["data"]["n"] for r in second["results"]] == [100, 101, 102, 103, 104]
