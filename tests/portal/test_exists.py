"""Another department asks yes/no questions of the register and sees nothing else (PIPL Art. 34)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from crosscheck.actions import do_issue_feed_token
from subjects.models import Benefit, Subject

pytestmark = pytest.mark.django_db

URL = "/api/v1/exists/"


def feed_client(department: str) -> APIClient:
    _, key = do_issue_feed_token(name=f"{department} system", department=department, actor=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Feed {key}")
    return client


@pytest.fixture
def receiving(person: Subject) -> Subject:
    import datetime as dt

    Benefit.objects.create(
        subject=person,
        benefit_type="state_subsidy",
        amount=Decimal("350.00"),
        start=dt.date(2025, 1, 1),
        provenance="caseworker_entry",
    )
    return person


def test_civil_affairs_learns_registration_and_benefit_types_only(receiving: Subject, person_id: str) -> None:
    answer = feed_client("civil_affairs").post(URL, {"id_number": person_id, "purpose": "低保复核"}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"registered": True, "receives": ["state_subsidy"]}


def test_an_unregistered_person_is_no_and_nothing_more(db: None, settings: Any) -> None:
    from tests.portal.conftest import new_id

    answer = feed_client("civil_affairs").post(URL, {"id_number": new_id(), "purpose": "低保复核"}, format="json")
    assert answer.json() == {"registered": False, "receives": []}


def test_a_department_whose_agreement_covers_only_registration_gets_no_benefit_list(
    receiving: Subject, person_id: str
) -> None:
    answer = feed_client("medical_insurance").post(URL, {"id_number": person_id, "purpose": "医保优待"}, format="json")
    assert answer.json() == {"registered": True}


def test_a_department_without_an_agreement_is_refused(receiving: Subject, person_id: str, settings: Any) -> None:
    settings.LAUREL_EXISTS_AGREEMENTS = {"civil_affairs": ["registered"]}
    answer = feed_client("housing").post(URL, {"id_number": person_id, "purpose": "住房优待"}, format="json")
    assert answer.status_code == 403


def test_each_question_is_recorded_with_department_and_purpose_never_the_number(
    receiving: Subject, person_id: str
) -> None:
    feed_client("civil_affairs").post(URL, {"id_number": person_id, "purpose": "低保复核"}, format="json")
    event = AuditEvent.objects.get(event_type="subject.existence_checked")
    assert event.data["department"] == "civil_affairs" and event.data["purpose"] == "低保复核"
    assert event.object_id == str(receiving.pk)
    assert person_id not in str(event.data)


def test_bad_input_names_the_field(db: None) -> None:
    client = feed_client("civil_affairs")
    assert "id_number" in client.post(URL, {"id_number": "123", "purpose": "x"}, format="json").json()
    assert "purpose" in client.post(URL, {"id_number": "110101199003077777"}, format="json").json()


def test_only_a_department_token_is_accepted(api_as, caseworker, person_id: str) -> None:
    assert APIClient().post(URL, {"id_number": person_id, "purpose": "x"}, format="json").status_code == 401
    # A member of staff's token is not a department's: staff use the register's own pages.
    assert api_as(caseworker).post(URL, {"id_number": person_id, "purpose": "x"}, format="json").status_code == 401


def test_a_token_asking_too_often_is_slowed_down(receiving: Subject, person_id: str, settings: Any) -> None:
    settings.LAUREL_EXISTS_RATE = "3/h"
    client = feed_client("civil_affairs")
    codes = [client.post(URL, {"id_number": person_id, "purpose": "核对"}, format="json").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
