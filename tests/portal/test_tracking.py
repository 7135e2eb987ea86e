"""A person follows their own case on the public pages: a 查询码, a one-time SMS code, plain words."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from audit.models import AuditEvent
from cases.models import Case
from notifications.models import Delivery
from portal.models import TrackingCode

pytestmark = pytest.mark.django_db

LOOKUP, OPEN = reverse("portal:lookup"), reverse("portal:open")


def code_of(case: Case) -> str:
    assert case.query_code
    return case.query_code


def ask_code(client: Client, ref: str, last6: str) -> Any:
    return client.post(LOOKUP, {"case": ref, "id_last6": last6})


def open_case(client: Client, ref: str, last6: str, code: str) -> Any:
    return client.post(OPEN, {"case": ref, "id_last6": last6, "sms_code": code})


def test_every_case_gets_a_query_code_that_is_texted_to_the_person_sealed_until_sent(case: Case, texts) -> None:
    assert case.query_code and len(case.query_code) == 10
    row = Delivery.objects.get(dedupe_key=f"case.registered:{case.pk}")
    assert case.query_code not in str(row.context)  # sealed in the outbox
    received = [m for m in texts() if case.query_code in m["text"]]
    assert len(received) == 1 and case.number in received[0]["text"]
    row.refresh_from_db()
    assert "sealed" not in row.context  # wiped once sent


def test_the_person_sees_their_case_after_the_texted_code(
    client: Client, case: Case, person_id: str, last_code: Callable[[], str], caseworker
) -> None:
    answer = ask_code(client, code_of(case), person_id[-6:])
    assert answer.status_code == 200
    assert "验证码" in answer.content.decode() or "code" in answer.content.decode()
    page = open_case(client, code_of(case).lower(), person_id[-6:], last_code())
    html = page.content.decode()
    assert page.status_code == 200
    assert case.number in html
    assert "天河区" in html  # the handling bureau
    assert caseworker.username not in html  # never staff names
    assert AuditEvent.objects.filter(event_type="portal.case_viewed", object_id=str(case.pk)).count() == 1


def test_the_case_number_works_as_well_as_the_query_code(
    client: Client, case: Case, person_id: str, last_code: Callable[[], str]
) -> None:
    ask_code(client, case.number, person_id[-6:])
    assert open_case(client, case.number, person_id[-6:], last_code()).status_code == 200


def test_a_wrong_id_suffix_and_an_unknown_case_get_the_same_answer_and_no_text(
    client: Client, case: Case, person_id: str, texts
) -> None:
    before = len(texts())
    suffix = "000000" if person_id[-6:] != "000000" else "111111"
    wrong_suffix = ask_code(client, code_of(case), suffix)
    no_case = ask_code(client, "NOSUCHCASE", suffix)
    assert wrong_suffix.status_code == no_case.status_code == 200

    def strip(html: str) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        return html.replace(code_of(case), "").replace("NOSUCHCASE", "")

    assert strip(wrong_suffix.content.decode()) == strip(no_case.content.decode())
    assert len(texts()) == before
    assert not TrackingCode.objects.exists()


def test_a_malformed_id_suffix_is_a_clear_field_error(client: Client, case: Case) -> None:
    page = ask_code(client, code_of(case), "12ab")
    assert page.status_code == 400
    assert "身份证号码后六位" in page.content.decode() or "last six" in page.content.decode()


def test_the_code_works_once(client: Client, case: Case, person_id: str, last_code: Callable[[], str]) -> None:
    ask_code(client, code_of(case), person_id[-6:])
    code = last_code()
    assert open_case(client, code_of(case), person_id[-6:], code).status_code == 200
    assert open_case(client, code_of(case), person_id[-6:], code).status_code == 400


def test_the_code_expires_after_five_minutes(
    client: Client, case: Case, person_id: str, last_code: Callable[[], str]
) -> None:
    with freeze_time("2026-12-07 09:00:00+08:00") as frozen:
        ask_code(client, code_of(case), person_id[-6:])
        code = last_code()
        frozen.tick(dt.timedelta(minutes=5, seconds=1))
        assert open_case(client, code_of(case), person_id[-6:], code).status_code == 400


def test_five_wrong_codes_lock_the_case_for_fifteen_minutes(
    client: Client, case: Case, person_id: str, last_code: Callable[[], str]
) -> None:
    with freeze_time("2026-12-07 09:00:00+08:00") as frozen:
        ask_code(client, code_of(case), person_id[-6:])
        code = last_code()
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert open_case(client, code_of(case), person_id[-6:], wrong).status_code == 400
        # Locked: even the right code is refused, for the case number too.
        assert open_case(client, code_of(case), person_id[-6:], code).status_code == 429
        assert open_case(client, case.number, person_id[-6:], code).status_code == 429
        assert ask_code(client, case.number, person_id[-6:]).status_code == 429
        frozen.tick(dt.timedelta(minutes=16))
        ask_code(client, code_of(case), person_id[-6:])
        assert open_case(client, code_of(case), person_id[-6:], last_code()).status_code == 200


def test_guessing_references_locks_the_guessed_reference_like_a_real_one(client: Client, db: None) -> None:
    for _ in range(5):
        assert open_case(client, "GUESS12345", "123456", "123456").status_code == 400
    assert open_case(client, "GUESS12345", "123456", "123456").status_code == 429


def test_a_closed_case_is_rated_once_from_the_public_page(
    client: Client, case: Case, person_id: str, last_code: Callable[[], str], closed
) -> None:
    closed(case)
    ask_code(client, code_of(case), person_id[-6:])
    page = open_case(client, code_of(case), person_id[-6:], last_code())
    token = page.context["token"]
    thanks = client.post(reverse("portal:rate"), {"token": token, "score": "2", "comment": "办理太慢"})
    assert thanks.status_code == 200
    assert case.ratings.get().score == 2
    again = client.post(reverse("portal:rate"), {"token": token, "score": "5"})
    assert again.status_code == 400
    assert case.ratings.count() == 1
    assert AuditEvent.objects.filter(event_type="case.rated", object_id=str(case.pk)).count() == 1


def test_an_open_case_offers_no_rating_and_refuses_one(
    client: Client, case: Case, person_id: str, last_code: Callable[[], str]
) -> None:
    ask_code(client, code_of(case), person_id[-6:])
    page = open_case(client, code_of(case), person_id[-6:], last_code())
    assert reverse("portal:rate") not in page.content.decode()
    refused = client.post(reverse("portal:rate"), {"token": page.context["token"], "score": "5"})
    assert refused.status_code == 400
    assert not case.ratings.exists()


def test_an_issued_notice_downloads_with_the_pass_and_is_recorded(
    client: Client, case: Case, person_id: str, last_code: Callable[[], str], letterhead, issue, closed
) -> None:
    case = closed(case)
    letter = issue(case, kind="rejection")
    ask_code(client, code_of(case), person_id[-6:])
    page = open_case(client, code_of(case), person_id[-6:], last_code())
    link = reverse("portal:download", args=[page.context["token"], letter.pk])
    assert link in page.content.decode()
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(event_type="portal.letter_downloaded", object_id=str(case.pk)).exists()


def test_a_forged_or_expired_pass_opens_nothing(client: Client, case: Case) -> None:
    assert client.get(reverse("portal:download", args=["forged", 1])).status_code == 404
    with freeze_time("2026-12-07 09:00:00+08:00") as frozen:
        from portal import tokens

        token = tokens.issue(case.pk)
        frozen.tick(dt.timedelta(minutes=31))
        assert client.post(reverse("portal:rate"), {"token": token, "score": "5"}).status_code == 404
