"""API: a case's letters and a letter's PDF (audited); outsiders get 404."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from audit.models import AuditEvent
from letters.models import Letter


@pytest.fixture
def letter(letterhead: Any, file_case: Callable[..., Any], issue: Callable[..., Letter]) -> Letter:
    return issue(file_case(), "acknowledgement")


def test_a_case_lists_its_letters(api_as: Callable[..., Any], letter: Letter, caseworker: Any) -> None:
    response = api_as(caseworker).get(f"/api/v1/cases/{letter.case_id}/letters/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["number"] == letter.number and row["sha256"] == letter.sha256
    assert row["status"] == "issued" and row["pdf"].endswith(f"/api/v1/letters/{letter.pk}/pdf")


def test_the_pdf_is_served_and_the_download_audited(
    api_as: Callable[..., Any], letter: Letter, caseworker: Any
) -> None:
    response = api_as(caseworker).get(f"/api/v1/letters/{letter.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == letter.sha256
    event = AuditEvent.objects.get(event_type="letter.downloaded", object_id=str(letter.pk))
    assert event.data["via"] == "api" and event.actor_username == "caseworker"


def test_an_outsider_gets_404_from_the_api(api_as: Callable[..., Any], letter: Letter, caseworker_b: Any) -> None:
    client = api_as(caseworker_b)
    assert client.get(f"/api/v1/cases/{letter.case_id}/letters/").status_code == 404
    assert client.get(f"/api/v1/letters/{letter.pk}/").status_code == 404
    assert client.get(f"/api/v1/letters/{letter.pk}/pdf").status_code == 404
    assert not AuditEvent.objects.filter(event_type="letter.downloaded").exists()


def test_a_pending_letter_has_no_pdf_yet(
    api_as: Callable[..., Any], letterhead: Any, file_case: Callable[..., Any], caseworker: Any
) -> None:
    from letters.actions import do_request_letter

    pending = do_request_letter(file_case(), kind="acknowledgement", actor=caseworker)
    response = api_as(caseworker).get(f"/api/v1/letters/{pending.pk}/pdf")
    assert response.status_code == 409 and response.json()["status"] == "pending"
