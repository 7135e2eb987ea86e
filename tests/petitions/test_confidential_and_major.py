"""Confidential reports (检举、揭发, Art. 30) are hidden from the accused body; major matters go up (Art. 25)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Notification
from petitions.models import UpwardReport
from tests.conftest import CITY, COUNTY_A, PROVINCE

pytestmark = pytest.mark.django_db

TOWNSHIP = "440106001"  # 五山街道, under the county that registers the report


@pytest.fixture
def township_worker(make_user):
    return make_user("township_worker", "caseworker", TOWNSHIP)


@pytest.fixture
def villager(make_subject):
    return make_subject(TOWNSHIP, name="赵六")


@pytest.fixture
def report(register, villager):
    return register(subject_=villager, confidential=True, accused_division=TOWNSHIP, request="检举街道办挪用优抚金")


def test_nobody_of_the_accused_body_can_open_a_confidential_report(api_as, report, township_worker, caseworker):
    township = api_as(township_worker)
    assert township.get(f"/api/v1/cases/{report.pk}/").status_code == 404
    assert township.post(f"/api/v1/cases/{report.pk}/transitions/accept/", {}, format="json").status_code == 404
    assert report.pk not in [row["id"] for row in township.get("/api/v1/cases/").data["results"]]
    assert report.pk not in [row["case"]["id"] for row in township.get("/api/v1/tasks/?scope=queue").data]
    # The county that registered it works on it.
    assert api_as(caseworker).get(f"/api/v1/cases/{report.pk}/").data["petition"]["confidential"] is True


def test_the_accused_body_still_sees_its_other_matters(api_as, register, villager, township_worker):
    plain = register(subject_=villager, request="咨询优待证")
    assert api_as(township_worker).get(f"/api/v1/cases/{plain.pk}/").status_code == 200


def test_the_case_page_of_a_confidential_report_is_404_to_the_accused_body(client, report, township_worker):
    client.force_login(township_worker)
    assert client.get(f"/cases/{report.pk}/").status_code == 404


def test_a_confidential_report_names_the_accused_body_and_not_the_registrars_own(register, villager, caseworker):
    with pytest.raises(ValidationError) as exc:
        register(subject_=villager, confidential=True)
    assert "accused_division" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        register(subject_=villager, confidential=True, accused_division=COUNTY_A)
    assert "accused_division" in exc.value.message_dict


def test_a_major_matter_is_reported_to_every_level_above_at_once(register, make_user):
    city = make_user("city_supervisor", "supervisor", CITY)
    province = make_user("province_supervisor", "supervisor", PROVINCE)
    case = register(major=True)
    assert list(UpwardReport.objects.filter(petition__case=case).values_list("division_id", flat=True)) == [
        CITY,
        PROVINCE,
    ]
    told = set(Notification.objects.filter(event="petition.major").values_list("recipient_id", flat=True))
    assert {city.pk, province.pk} <= told
