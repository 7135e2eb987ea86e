"""API tokens: they expire, are listed and revoked, carry their two-factor assurance, and end on
a change of role, password or device, sign-out, deactivation or an administrator's revoke."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.actions import do_issue_api_token, do_issue_enrolment_code, do_set_password
from accounts.models import ApiToken
from audit.models import AuditEvent
from jurisdictions.actions import do_end_membership, do_grant_membership
from jurisdictions.models import Division, Membership, Role
from tests.accounts.conftest import code_for
from tests.conftest import COUNTY_A, COUNTY_B

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
TOKEN_URL = "/api/v1/auth/token/"


def sign_in(username: str, **extra: Any) -> Any:
    return APIClient().post(TOKEN_URL, {"username": username, "password": PASSWORD, **extra}, format="json")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_each_sign_in_gets_its_own_token_with_an_expiry(caseworker: Any) -> None:
    with freeze_time("2026-12-01 08:00:00"):
        first = sign_in("caseworker", name="nightly export").json()
        second = sign_in("caseworker").json()
        assert client_with(first["token"]).get("/api/v1/me/").status_code == 200
    assert set(first) == {"token", "expiry"}
    assert first["token"] != second["token"]
    assert at(first["expiry"]) == dt.datetime(2026, 12, 1, 18, tzinfo=dt.UTC)  # ten hours (the default)
    assert ApiToken.objects.filter(user=caseworker).count() == 2
    issued = AuditEvent.objects.filter(event_type="auth.token_issued").first()
    assert issued is not None and issued.data["name"] == "nightly export"


def test_privileged_roles_get_short_lived_tokens_only_with_a_code(
    make_user: Callable[..., Any], totp_device: Callable[[Any], TOTPDevice]
) -> None:
    device = totp_device(make_user("approver", Role.APPROVER, COUNTY_A))
    with freeze_time("2026-12-01 08:00:00"):
        response = sign_in("approver", otp=code_for(device))
    assert response.status_code == 200
    assert at(response.json()["expiry"]) == dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)  # two hours
    assert ApiToken.objects.get().two_factor


def test_an_expired_token_is_401_telling_the_client_to_sign_in_again(caseworker: Any) -> None:
    with freeze_time("2026-12-01 08:00:00") as frozen:
        token = sign_in("caseworker").json()["token"]
        frozen.tick(dt.timedelta(hours=10, seconds=1))
        response = client_with(token).get("/api/v1/me/")
    assert response.status_code == 401
    assert "重新登录" in response.json()["detail"]


def test_an_old_permanent_token_gets_a_clear_401(caseworker: Any) -> None:
    response = client_with("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b").get("/api/v1/me/")
    assert response.status_code == 401
    assert "永久" in response.json()["detail"] and "/api/v1/auth/token/" in response.json()["detail"]


def test_one_lists_ones_own_tokens_with_last_use_recorded_once_a_minute(caseworker: Any, make_user: Any) -> None:
    make_user("other", Role.CASEWORKER, COUNTY_A)
    with freeze_time("2026-12-01 08:00:00") as frozen:
        token = sign_in("caseworker").json()["token"]
        sign_in("other")
        client = client_with(token)
        [row] = client.get("/api/v1/auth/tokens/").json()
        assert set(row) == {"id", "name", "created", "expiry", "last_used", "two_factor", "current"}
        assert row["current"] and at(row["last_used"]) == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
        frozen.tick(dt.timedelta(seconds=30))
        client.get("/api/v1/me/")
        assert ApiToken.objects.get(user=caseworker).last_used == timezone.now() - dt.timedelta(seconds=30)
        frozen.tick(dt.timedelta(seconds=31))
        client.get("/api/v1/me/")
        assert ApiToken.objects.get(user=caseworker).last_used == timezone.now()


def test_revoking_a_token_ends_it_at_once_and_is_audited(caseworker: Any, make_user: Any) -> None:
    keep = sign_in("caseworker").json()["token"]
    revoke = sign_in("caseworker").json()["token"]
    other = make_user("other", Role.CASEWORKER, COUNTY_A)
    theirs, _ = do_issue_api_token(other, two_factor=False)
    client = client_with(keep)
    rows = client.get("/api/v1/auth/tokens/").json()
    target = next(row["id"] for row in rows if not row["current"])
    assert client.delete(f"/api/v1/auth/tokens/{theirs.ref}/").status_code == 404  # another's: not found
    assert client.delete(f"/api/v1/auth/tokens/{target}/").status_code == 204
    assert client_with(revoke).get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/").status_code == 200
    event = AuditEvent.objects.get(event_type="auth.token_revoked")
    assert event.data["tokens"] == [target] and event.data["reason"] == "revoked"


def test_a_token_issued_before_becoming_an_approver_cannot_approve(
    caseworker: Any, make_user: Callable[..., Any]
) -> None:
    token = sign_in("caseworker").json()["token"]  # no code needed as a caseworker
    do_grant_membership(caseworker, division=Division.objects.get(code=COUNTY_A), role=Role.APPROVER, actor=None)
    response = client_with(token).get("/api/v1/tasks/?scope=queue")
    assert response.status_code == 401
    assert AuditEvent.objects.filter(event_type="auth.token_revoked", data__reason="role_changed").exists()


def test_a_token_without_two_factor_is_refused_for_a_user_who_needs_it(make_user: Callable[..., Any]) -> None:
    approver = make_user("approver", Role.APPROVER, COUNTY_A)
    _, secret = do_issue_api_token(approver, two_factor=False)
    response = client_with(secret).get("/api/v1/me/")
    assert response.status_code == 401
    assert "双因素" in response.json()["detail"]


def test_ending_a_role_ends_the_tokens(make_user: Callable[..., Any]) -> None:
    user = make_user("both", Role.CASEWORKER, COUNTY_A)
    do_grant_membership(user, division=Division.objects.get(code=COUNTY_B), role=Role.CASEWORKER, actor=None)
    token = sign_in("both").json()["token"]
    do_end_membership(Membership.objects.get(user=user, division_id=COUNTY_B), actor=None)
    assert client_with(token).get("/api/v1/me/").status_code == 401


def test_a_new_password_ends_the_tokens(caseworker: Any) -> None:
    token = sign_in("caseworker").json()["token"]
    do_set_password(caseworker, password="another-horse-battery", actor=None)
    assert client_with(token).get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(event_type="auth.token_revoked", data__reason="password_changed").exists()


def test_deactivation_ends_the_tokens(caseworker: Any) -> None:
    token = sign_in("caseworker").json()["token"]
    caseworker.is_active = False
    caseworker.save()
    assert not ApiToken.objects.exists()
    assert client_with(token).get("/api/v1/me/").status_code == 401


def test_a_change_of_device_ends_the_tokens_but_a_verification_does_not(
    make_user: Callable[..., Any], totp_device: Callable[[Any], TOTPDevice]
) -> None:
    approver = make_user("approver", Role.APPROVER, COUNTY_A)
    device = totp_device(approver)
    token = sign_in("approver", otp=code_for(device)).json()["token"]
    with freeze_time(timezone.now() + dt.timedelta(seconds=60)):
        assert sign_in("approver", otp=code_for(device)).status_code == 200  # saves the device's counters
        assert client_with(token).get("/api/v1/me/").status_code == 200
    device.delete()
    assert client_with(token).get("/api/v1/me/").status_code == 401


def test_signing_out_ends_the_tokens(client: Client, caseworker: Any) -> None:
    token = sign_in("caseworker").json()["token"]
    client.force_login(caseworker)
    client.post("/accounts/logout/")
    assert client_with(token).get("/api/v1/me/").status_code == 401


def test_the_account_menu_leads_to_the_token_page_which_revokes(client: Client, caseworker: Any) -> None:
    token = sign_in("caseworker", name="报表脚本").json()["token"]
    client.force_login(caseworker)
    home = client.get("/").content.decode()
    assert 'href="/accounts/tokens/"' in home
    page = client.get("/accounts/tokens/").content.decode()
    assert "报表脚本" in page and "撤销" in page
    ref = ApiToken.objects.get().ref
    assert client.post("/accounts/tokens/", {"token": str(ref)}).status_code == 302
    assert client_with(token).get("/api/v1/me/").status_code == 401
    assert client.post("/accounts/tokens/", {"token": "not-a-uuid"}).status_code == 404


def test_the_token_page_needs_two_factor_first(client: Client, make_user: Callable[..., Any]) -> None:
    client.force_login(make_user("approver", Role.APPROVER, COUNTY_A))
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")


def test_a_security_administrator_issues_enrolment_codes_and_ends_tokens(
    client: Client, make_user: Callable[..., Any]
) -> None:
    admin = make_user("security_admin", Role.ADMIN, COUNTY_A)
    approver = make_user("approver", Role.APPROVER, COUNTY_A)
    make_user("approver_b", Role.APPROVER, COUNTY_B)
    TOTPDevice.objects.create(user=approver, name="phone", confirmed=True)
    _, secret = do_issue_api_token(approver, two_factor=True)
    client.force_login(admin)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.create(user=admin, name="p", confirmed=True).persistent_id
    session.save()
    assert 'href="/accounts/security/"' in client.get("/").content.decode()
    page = client.post("/accounts/security/", {"username": "approver", "action": "issue_code"}).content.decode()
    assert "注册码" in page and "仅显示一次" in page
    assert not TOTPDevice.objects.filter(user=approver).exists()  # the old phone is ended with its tokens
    assert client_with(secret).get("/api/v1/me/").status_code == 401
    outsider = client.post("/accounts/security/", {"username": "approver_b", "action": "issue_code"})
    assert "您的辖区内没有此用户" in outsider.content.decode()
    _, secret = do_issue_api_token(approver, two_factor=True)
    client.post("/accounts/security/", {"username": "approver", "action": "end_tokens"})
    assert not ApiToken.objects.filter(user=approver).exists()
    assert AuditEvent.objects.filter(event_type="auth.token_revoked", data__reason="admin_revoked").exists()


def test_the_security_page_is_not_found_for_others(client: Client, caseworker: Any) -> None:
    client.force_login(caseworker)
    assert client.get("/accounts/security/").status_code == 404
    assert 'href="/accounts/security/"' not in client.get("/").content.decode()


def test_the_enrolment_code_api_is_for_security_administrators_of_the_users_county(
    make_user: Callable[..., Any], api_as: Callable[[Any], APIClient]
) -> None:
    admin = make_user("security_admin", Role.ADMIN, COUNTY_A)
    caseworker = make_user("caseworker", Role.CASEWORKER, COUNTY_A)
    make_user("caseworker_b", Role.CASEWORKER, COUNTY_B)
    response = api_as(admin).post("/api/v1/auth/enrolment-codes/", {"username": "caseworker"}, format="json")
    assert response.status_code == 201
    assert len(response.json()["code"]) == 14 and response.json()["username"] == "caseworker"
    assert AuditEvent.objects.filter(event_type="auth.enrolment_code_issued").count() == 1
    outsider = api_as(admin).post("/api/v1/auth/enrolment-codes/", {"username": "caseworker_b"}, format="json")
    assert outsider.status_code == 404
    itself = api_as(caseworker).post("/api/v1/auth/enrolment-codes/", {"username": "caseworker"}, format="json")
    assert itself.status_code == 404


def test_an_enrolment_code_is_single_use_and_expires(make_user: Callable[..., Any]) -> None:
    from accounts.actions import find_enrolment_code

    user = make_user("approver", Role.APPROVER, COUNTY_A)
    with freeze_time("2026-12-01 08:00:00") as frozen:
        _, first = do_issue_enrolment_code(user, actor=None)
        _, second = do_issue_enrolment_code(user, actor=None)
        assert find_enrolment_code(user, first) is None  # replaced
        assert find_enrolment_code(user, second.replace("-", " ").lower()) is not None
        frozen.tick(dt.timedelta(hours=73))
        assert find_enrolment_code(user, second) is None  # expired


def test_the_operator_can_issue_the_first_enrolment_code_from_the_server(make_user: Callable[..., Any]) -> None:
    import io

    from django.core.management import call_command

    from accounts.actions import find_enrolment_code

    admin = make_user("root", is_superuser=True)
    out = io.StringIO()
    call_command("issue_enrolment_code", "root", stdout=out)
    assert find_enrolment_code(admin, out.getvalue().rsplit(" ", 1)[-1].strip()) is not None
