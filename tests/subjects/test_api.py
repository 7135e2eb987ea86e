"""``/api/v1/subjects/``: masked everywhere, exact lookup by POST, reveal with reason, 400/403/404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from subjects import ids
from subjects.models import IdReveal, Subject
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import new_id

pytestmark = pytest.mark.django_db
BASE = "/api/v1/subjects/"


def full_number(subject: Subject) -> str:
    return ids.decrypt(subject.id_number_encrypted)


def test_list_is_scoped_masked_and_filtered(
    make_subject: Callable[..., Subject], subject_b: Subject, caseworker: Any, api_as: Callable[[Any], APIClient]
) -> None:
    officer = make_subject(name="孙䶮", category="retired_officer")
    make_subject(name="周", category="martyr_survivor")
    client = api_as(caseworker)
    response = client.get(BASE)
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert names == {"孙䶮", "周"}
    assert full_number(officer) not in response.content.decode()
    filtered = client.get(BASE, {"category": "retired_officer"}).json()["results"]
    assert [row["id_number_masked"] for row in filtered] == [officer.id_number_masked]


def test_create_validates_with_field_messages(caseworker: Any, api_as: Callable[[Any], APIClient]) -> None:
    client = api_as(caseworker)
    number = new_id()
    bad = number[:-1] + ("1" if number[-1] != "1" else "2")
    response = client.post(BASE, {"id_number": bad, "name": "甲", "category": "retired_soldier", "division": COUNTY_A})
    assert response.status_code == 400
    assert "校验码" in response.json()["id_number"][0]
    response = client.post(BASE, {"name": "甲"})
    assert response.status_code == 400
    assert set(response.json()) == {"id_number", "category", "division"}
    response = client.post(
        BASE, {"id_number": number, "name": "甲", "category": "retired_soldier", "division": COUNTY_A}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["id_number_masked"] == ids.mask(number)
    assert number not in response.content.decode()


def test_create_in_another_county_is_forbidden_and_duplicates_are_refused(
    subject_b: Subject, caseworker: Any, api_as: Callable[[Any], APIClient]
) -> None:
    client = api_as(caseworker)
    payload = {"id_number": new_id(COUNTY_B), "name": "乙", "category": "retired_soldier", "division": COUNTY_B}
    assert client.post(BASE, payload).status_code == 403
    payload = {"id_number": full_number(subject_b), "name": "乙", "category": "retired_soldier", "division": COUNTY_A}
    response = client.post(BASE, payload)
    assert response.status_code == 400
    assert response.json()["id_number"] == ["该人员已在越秀区登记。"]


def test_update_changes_fields_with_provenance(
    subject_a: Subject, caseworker: Any, api_as: Callable[[Any], APIClient]
) -> None:
    response = api_as(caseworker).patch(
        f"{BASE}{subject_a.pk}/", {"employment": "farming", "source": "self_declared"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["employment"] == "farming"
    assert response.json()["provenance"]["employment"]["source"] == "self_declared"
    bad = api_as(caseworker).patch(f"{BASE}{subject_a.pk}/", {"ethnicity": "99"}, format="json")
    assert bad.status_code == 400 and "ethnicity" in bad.json()
    bad = api_as(caseworker).patch(f"{BASE}{subject_a.pk}/", {"status": "x"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()


def test_lookup_is_exact_and_scoped(
    subject_a: Subject, subject_b: Subject, caseworker: Any, api_as: Callable[[Any], APIClient]
) -> None:
    client = api_as(caseworker)
    found = client.post(f"{BASE}lookup/", {"id_number": full_number(subject_a).lower()}).json()["results"]
    assert [row["id"] for row in found] == [subject_a.pk]
    assert client.post(f"{BASE}lookup/", {"id_number": full_number(subject_b)}).json()["results"] == []
    assert client.post(f"{BASE}lookup/", {}).status_code == 400


def test_reveal_needs_the_permission_and_a_reason_and_is_recorded(
    subject_a: Subject, caseworker: Any, supervisor: Any, api_as: Callable[[Any], APIClient]
) -> None:
    url = f"{BASE}{subject_a.pk}/reveal-id/"
    assert api_as(supervisor).post(url, {"reason": "看看"}).status_code == 403
    assert api_as(caseworker).post(url, {}).status_code == 400
    response = api_as(caseworker).post(url, {"reason": "核对"})
    assert response.status_code == 200
    assert response.json() == {"id_number": full_number(subject_a)}
    assert IdReveal.objects.get().reason == "核对"


def test_an_outsider_gets_404_on_every_subject_endpoint(
    subject_a: Subject, caseworker_b: Any, api_as: Callable[[Any], APIClient]
) -> None:
    client = api_as(caseworker_b)
    url = f"{BASE}{subject_a.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "x"}).status_code == 404
    assert client.put(url, {"name": "x"}).status_code == 404
    assert client.post(f"{url}reveal-id/", {"reason": "x"}).status_code == 404
    assert client.get(BASE).json()["results"] == []
    assert client.post(f"{BASE}lookup/", {"id_number": full_number(subject_a)}).json()["results"] == []


def test_anonymous_requests_are_refused(subject_a: Subject) -> None:
    assert APIClient().get(BASE).status_code in (401, 403)


def test_names_with_invisible_characters_are_refused_and_rare_cjk_is_kept(
    caseworker: Any, api_as: Callable[[Any], APIClient]
) -> None:
    client = api_as(caseworker)
    body = {"id_number": new_id(), "category": "retired_soldier", "division": COUNTY_A}
    response = client.post(BASE, {**body, "name": "王\u202e国建"}, format="json")
    assert response.status_code == 400
    assert "U+202E" in response.json()["name"][0]
    response = client.post(BASE, {**body, "name": "张\u200b𫖯"}, format="json")
    assert response.status_code == 400 and "U+200B" in response.json()["name"][0]
    response = client.post(BASE, {**body, "name": "张𫖯"}, format="json")
    assert response.status_code == 201, response.json()
    assert Subject.objects.get(pk=response.json()["id"]).name == "张𫖯"
