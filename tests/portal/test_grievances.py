"""A grievance registered under the 信访工作条例 is followed on the public page like any case."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases.models import Case
from letters.models import Letter
from letters.tasks import render_letter
from petitions import actions
from subjects.models import Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def grievance(person: Subject, caseworker: User, letterhead: object) -> Case:
    case = actions.do_register_petition(
        person, actor=caseworker, channel="visit", request="补发优待证", facts="申领后未收到", reasons="符合条件"
    )
    return actions.do_accept(case, actor=caseworker)


def test_the_registration_text_carries_the_query_code_of_a_grievance(grievance: Case, texts) -> None:
    assert grievance.query_code
    assert any(grievance.query_code in m["text"] for m in texts())


def test_the_acceptance_notice_prints_the_query_code_and_is_downloadable_with_its_step(
    grievance: Case, client: Client, person_id: str, last_code: Callable[[], str]
) -> None:
    letter = Letter.objects.get(case=grievance, kind=actions.ACCEPTANCE)
    render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.snapshot["petition"]["query_code"] == grievance.query_code
    client.post(reverse("portal:lookup"), {"case": grievance.query_code, "id_last6": person_id[-6:]})
    page = client.post(
        reverse("portal:open"), {"case": grievance.query_code, "id_last6": person_id[-6:], "sms_code": last_code()}
    )
    html = page.content.decode()
    assert "受理" in html
    assert reverse("portal:download", args=[page.context["token"], letter.pk]) in html
    assert page.context["view"].due_on is not None  # the 60-day limit
