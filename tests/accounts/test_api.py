"""Token sign-in (``/api/v1/me/`` is tested in tests/jurisdictions/test_me.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from rest_framework.test import APIClient

from jurisdictions.models import Role
from tests.accounts.conftest import code_for
from tests.conftest import COUNTY_A

PASSWORD = "correct-horse-battery"


def test_a_caseworker_gets_a_token_and_uses_it(caseworker: Any) -> None:
    response = APIClient().post("/api/v1/auth/token/", {"username": "caseworker", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    from audit.models import AuditEvent

    assert AuditEvent.objects.get(event_type="auth.token_issued").actor == caseworker
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").json()["username"] == "caseworker"


def test_bad_credentials_do_not_reveal_whether_the_user_exists(caseworker: Any) -> None:
    wrong_password = APIClient().post("/api/v1/auth/token/", {"username": "caseworker", "password": "x"}, format="json")
    unknown = APIClient().post("/api/v1/auth/token/", {"username": "ghost", "password": "x"}, format="json")
    assert wrong_password.status_code == unknown.status_code == 400
    assert wrong_password.json() == unknown.json()


def test_missing_fields_are_400_with_field_messages(db: Any) -> None:
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_an_approver_needs_a_valid_otp_for_a_token(
    make_user: Callable[..., Any], totp_device: Callable[[Any], TOTPDevice]
) -> None:
    device = totp_device(make_user("approver", Role.APPROVER, COUNTY_A))
    url, creds = "/api/v1/auth/token/", {"username": "approver", "password": PASSWORD}
    with freeze_time(timezone.now()) as frozen:
        without = APIClient().post(url, creds, format="json")
        assert without.status_code == 400 and "otp" in without.json()
        wrong = APIClient().post(url, {**creds, "otp": "12345"}, format="json")
        assert wrong.status_code == 400 and "otp" in wrong.json()
        frozen.tick(timedelta(seconds=2))  # django-otp throttles retries after a failure
        right = APIClient().post(url, {**creds, "otp": code_for(device)}, format="json")
        assert right.status_code == 200 and right.json()["token"]


def test_token_sign_in_locks_out_after_repeated_failures(caseworker: Any) -> None:
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "caseworker", "password": "x"}, format="json")
    locked = client.post("/api/v1/auth/token/", {"username": "caseworker", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
