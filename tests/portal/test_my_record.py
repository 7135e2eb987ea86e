"""A person asks who read their record, and declares a change that arrives as a case."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case, Kind, Status
from subjects.models import PersonRead, Subject

pytestmark = pytest.mark.django_db

CODE, LOG, DECLARE = "/api/v1/public/track/code/", "/api/v1/public/access-log/", "/api/v1/public/declarations/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def person_code(client: APIClient, person_id: str, last_code: Callable[[], str]) -> str:
    assert client.post(CODE, {"id_number": person_id}, format="json").status_code == 202
    return last_code()


def test_staff_reads_of_the_person_are_recorded_once_per_request(
    person: Subject, caseworker: User, api_as, client: Client
) -> None:
    api_as(caseworker).get(f"/api/v1/subjects/{person.pk}/")
    client.force_login(caseworker)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=caseworker, name="phone", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    client.get(reverse("subjects:detail", args=[person.pk]))
    assert sorted(PersonRead.objects.filter(subject=person).values_list("via", flat=True)) == ["api", "page"]


def test_the_person_learns_which_bodies_and_roles_read_their_record_never_names(
    person: Subject, caseworker: User, api_as, api_client: APIClient, person_id: str, last_code: Callable[[], str]
) -> None:
    caseworker.first_name = "小明"
    caseworker.save()
    api_as(caseworker).get(f"/api/v1/subjects/{person.pk}/")
    code = person_code(api_client, person_id, last_code)
    answer = api_client.post(LOG, {"id_number": person_id, "sms_code": code}, format="json")
    assert answer.status_code == 200
    lines = answer.json()
    assert any(line["body"] == "天河区" and line["role"] == "经办人" for line in lines), lines
    assert "caseworker" not in answer.content.decode() and "小明" not in answer.content.decode()


def test_an_unknown_id_number_gets_the_same_202_and_no_text(api_client: APIClient, texts, db: None) -> None:
    from tests.portal.conftest import new_id

    before = len(texts())
    assert api_client.post(CODE, {"id_number": new_id()}, format="json").status_code == 202
    assert len(texts()) == before


def test_a_malformed_id_number_is_named(api_client: APIClient, db: None) -> None:
    answer = api_client.post(CODE, {"id_number": "12345"}, format="json")
    assert answer.status_code == 400 and "id_number" in answer.json()


def test_a_declared_new_phone_arrives_as_a_correction_case_and_changes_nothing_yet(
    person: Subject, api_client: APIClient, person_id: str, last_code: Callable[[], str]
) -> None:
    code = person_code(api_client, person_id, last_code)
    answer = api_client.post(
        DECLARE,
        {
            "id_number": person_id,
            "sms_code": code,
            "change": "phone",
            "value": "13800001111",
            "details": "换了新号码",
            "files": [SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")],
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(number=answer.json()["case"])
    assert case.kind == Kind.DATA_CORRECTION and case.status == Status.SUBMITTED
    assert case.corrections == {"phone": "13800001111"}
    assert case.division_id.startswith("440106")  # the person's county queue
    assert case.attachments.count() == 1
    person.refresh_from_db()
    assert person.phone != "13800001111"


def test_a_family_member_declares_a_death_on_the_page(
    person: Subject, client: Client, person_id: str, last_code: Callable[[], str]
) -> None:
    client.post(reverse("portal:person"), {"id_number": person_id, "purpose": "declare"})
    page = client.post(
        reverse("portal:person_open"), {"id_number": person_id, "purpose": "declare", "sms_code": last_code()}
    )
    assert page.status_code == 200
    token = page.context["form"].initial["token"]
    done = client.post(
        reverse("portal:declare"),
        {
            "token": token,
            "change": "death",
            "details": "2026年12月1日病故，有死亡证明",
            "declarant": "赵小红",
            "relation": "女儿",
        },
    )
    assert done.status_code == 200
    case = done.context["case"]
    assert case.corrections == {"status": "deceased"} and case.agent_name == "赵小红"


def test_a_declaration_without_details_is_refused_with_the_field_named(
    person: Subject, client: Client, person_id: str, last_code: Callable[[], str]
) -> None:
    client.post(reverse("portal:person"), {"id_number": person_id, "purpose": "declare"})
    page = client.post(
        reverse("portal:person_open"), {"id_number": person_id, "purpose": "declare", "sms_code": last_code()}
    )
    token = page.context["form"].initial["token"]
    refused = client.post(reverse("portal:declare"), {"token": token, "change": "address", "value": "", "details": ""})
    assert refused.status_code == 400
    assert not Case.objects.filter(kind=Kind.DATA_CORRECTION).exists()


def test_the_public_door_account_cannot_sign_in(
    person: Subject, api_client: APIClient, person_id: str, last_code: Callable[[], str]
) -> None:
    code = person_code(api_client, person_id, last_code)
    api_client.post(
        DECLARE,
        {"id_number": person_id, "sms_code": code, "change": "address", "value": "天河路2号", "details": "搬家"},
        format="multipart",
    )
    assert User.objects.get(username="public-door").is_active is False


def test_an_export_that_includes_the_person_is_recorded_as_a_read(person: Subject, caseworker: User) -> None:
    from tests.portal.test_proxies import staff_client

    response = staff_client(caseworker).get(reverse("subjects:export"))
    assert response.status_code == 200
    b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert PersonRead.objects.filter(subject=person, via="export").count() == 1
