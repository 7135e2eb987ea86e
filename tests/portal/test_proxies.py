"""代办: staff record a helper's authorisation; the helper then acts for the person, shown as such."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from cases.models import Case
from subjects.actions.proxies import do_end_proxy, do_record_proxy, proxy_in_force
from subjects.models import ProxyAuthorisation, Subject

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CODE, DECLARE = "/api/v1/public/track/code/", "/api/v1/public/declarations/"


def signed_form() -> SimpleUploadedFile:
    return SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf")


def authorise(person: Subject, caseworker: User, **kw: object) -> ProxyAuthorisation:
    values: dict[str, object] = {
        "proxy_name": "赵小红",
        "relation": "女儿",
        "scope": ["declare", "track"],
        "valid_from": dt.date(2026, 1, 1),
        "valid_until": dt.date(2027, 12, 31),
        "signed_form": signed_form(),
    }
    values.update(kw)
    return do_record_proxy(person, actor=caseworker, **values)  # type: ignore[arg-type]


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a_caseworker_records_an_authorisation_from_the_person_page(person: Subject, caseworker: User) -> None:
    client = staff_client(caseworker)
    page = client.get(reverse("subjects:detail", args=[person.pk]))
    assert reverse("subjects:add_proxy", args=[person.pk]) in page.content.decode()
    done = client.post(
        reverse("subjects:add_proxy", args=[person.pk]),
        {
            "proxy_name": "赵小红",
            "relation": "女儿",
            "scope": ["declare"],
            "valid_from": "2026-12-01",
            "valid_until": "2027-11-30",
            "signed_form": signed_form(),
        },
    )
    assert done.status_code == 302
    proxy = ProxyAuthorisation.objects.get(subject=person)
    assert proxy_in_force(person, name="赵小红", scope="declare") == proxy
    assert AuditEvent.objects.filter(event_type="subject.proxy_recorded", object_id=str(person.pk)).exists()
    assert client.get(reverse("subjects:proxy_form", args=[proxy.pk])).status_code == 200


def test_an_outsider_neither_records_nor_downloads(person: Subject, caseworker: User, caseworker_b: User) -> None:
    proxy = authorise(person, caseworker)
    outsider = staff_client(caseworker_b)
    assert outsider.get(reverse("subjects:add_proxy", args=[person.pk])).status_code == 404
    assert outsider.get(reverse("subjects:proxy_form", args=[proxy.pk])).status_code == 404


def test_bad_authorisations_are_refused_by_field(person: Subject, caseworker: User) -> None:
    with pytest.raises(ValidationError) as refused:
        authorise(
            person,
            caseworker,
            relation="",
            scope=[],
            valid_until=dt.date(2025, 1, 1),
            signed_form=SimpleUploadedFile("form.exe", b"MZ\x90\x00", content_type="application/pdf"),
        )
    assert {"relation", "scope", "valid_until", "signed_form"} <= set(refused.value.message_dict)
    assert not ProxyAuthorisation.objects.exists()


@freeze_time("2026-12-07 10:00:00+08:00")
def test_an_authorised_helper_declares_for_the_person_and_the_case_shows_it(
    person: Subject, caseworker: User, api_client: APIClient, person_id: str, last_code: Callable[[], str]
) -> None:
    authorise(person, caseworker)
    api_client.post(CODE, {"id_number": person_id}, format="json")
    answer = api_client.post(
        DECLARE,
        {
            "id_number": person_id,
            "sms_code": last_code(),
            "change": "address",
            "value": "天河路9号",
            "details": "老人搬到女儿家",
            "declarant": "赵小红",
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(number=answer.json()["case"])
    assert (case.agent_name, case.agent_relation) == ("赵小红", "女儿")
    page = staff_client(caseworker).get(reverse("cases:detail", args=[case.pk]))
    assert "赵小红" in page.content.decode()


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a_helper_without_an_authorisation_in_force_is_refused(
    person: Subject, caseworker: User, api_client: APIClient, person_id: str, last_code: Callable[[], str]
) -> None:
    proxy = authorise(person, caseworker)
    do_end_proxy(proxy, actor=caseworker, reason="家属撤回授权")
    api_client.post(CODE, {"id_number": person_id}, format="json")
    answer = api_client.post(
        DECLARE,
        {
            "id_number": person_id,
            "sms_code": last_code(),
            "change": "phone",
            "value": "13800002222",
            "details": "换号",
            "declarant": "赵小红",
        },
        format="multipart",
    )
    assert answer.status_code == 400 and "declarant" in answer.json()
    assert not Case.objects.filter(kind="data_correction").exists()
