"""Sign-in, sign-out and failed sign-in are audited, scoped to the user's jurisdiction."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


def test_signing_in_and_out_records_both_events_in_the_users_county(client: Client, caseworker: User) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "caseworker", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 302
    login = AuditEvent.objects.get(event_type="auth.login")
    assert (login.actor_id, login.division_code, login.data["ip"]) == (caseworker.pk, COUNTY_A, "10.0.0.7")
    assert login.actor_role == "caseworker"
    client.post(reverse("accounts:logout"))
    logout = AuditEvent.objects.get(event_type="auth.logout")
    assert logout.actor_id == caseworker.pk
    assert logout.seq > login.seq


def test_a_failed_sign_in_records_the_attempted_username_without_an_actor(client: Client, caseworker: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "caseworker", "password": "wrong-password-here"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type="auth.login_failed")
    assert event.actor_id is None
    assert event.data["username"] == "caseworker"
    assert event.data["known_user"] is True
    assert event.division_code == COUNTY_A
    assert "wrong-password-here" not in str(event.data)


def test_a_failed_sign_in_for_an_unknown_name_is_recorded_nationally_and_the_page_says_the_same(
    client: Client, caseworker: User
) -> None:
    unknown = client.post(reverse("accounts:login"), {"username": "nobody-here", "password": "wrong-password-here"})
    known = client.post(reverse("accounts:login"), {"username": "caseworker", "password": "wrong-password-here"})
    event = AuditEvent.objects.filter(event_type="auth.login_failed").earliest("id")
    assert (event.data["username"], event.division_code, event.chain) == ("nobody-here", "", "CN")
    assert unknown.context["form"].errors == known.context["form"].errors
