"""The staff API: accounts (system administrator) and memberships (security administrator), scoped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from core.national_id import blind_index
from jurisdictions.models import Membership, Role, StaffProfile
from tests.conftest import COUNTY_A, COUNTY_B, OTHER_PROVINCE

from .conftest import STAFF_ID

Api = Callable[[Any], APIClient]


def new_staff(api: APIClient, **fields: Any) -> Any:
    body = {"division": COUNTY_A, "username": "zhang", "full_name": "张三", "staff_id_number": STAFF_ID} | fields
    return api.post("/api/v1/staff/", body, format="json")


def test_the_system_administrator_creates_an_account_and_gets_its_one_time_link(api_as: Api, sysadmin_a: Any) -> None:
    response = new_staff(api_as(sysadmin_a), phone="13800138000")
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "zhang" and body["division"] == COUNTY_A and body["staff_id_recorded"] is True
    assert "/accounts/welcome/" in body["initial_link"]
    assert STAFF_ID not in response.content.decode()
    assert User.objects.get(username="zhang").id_number_hmac == blind_index(STAFF_ID)
    assert AuditEvent.objects.filter(event_type="user.created", actor_username="sysadmin_a").exists()


def test_the_security_administrator_cannot_create_accounts(api_as: Api, security_a: Any) -> None:
    assert new_staff(api_as(security_a)).status_code == 403
    assert not User.objects.filter(username="zhang").exists()


def test_an_account_in_another_county_is_404(api_as: Api, sysadmin_a: Any) -> None:
    assert new_staff(api_as(sysadmin_a), division=COUNTY_B).status_code == 404
    assert not User.objects.filter(username="zhang").exists()


def test_bad_account_input_is_400_in_chinese_and_saves_nothing(api_as: Api, sysadmin_a: Any) -> None:
    response = new_staff(api_as(sysadmin_a), staff_id_number="110105194912310021", phone="123")
    assert response.status_code == 400
    body = response.json()
    assert "校验码" in body["staff_id_number"][0] and "手机号码" in body["phone"][0]
    assert not User.objects.filter(username="zhang").exists()


def test_a_county_administrator_cannot_see_or_change_another_countys_staff(
    api_as: Api, sysadmin_a: Any, security_a: Any, placed: Callable[..., Any]
) -> None:
    theirs = placed("theirs", Role.CASEWORKER, COUNTY_B)
    ours = placed("ours", Role.CASEWORKER, COUNTY_A)
    for admin in (sysadmin_a, security_a):
        api = api_as(admin)
        listed = {row["username"] for row in api.get("/api/v1/staff/").json()}
        assert "ours" in listed and "theirs" not in listed
        assert api.get(f"/api/v1/staff/{theirs.pk}/").status_code == 404
        assert api.patch(f"/api/v1/staff/{theirs.pk}/", {"is_active": False}, format="json").status_code == 404
        assert api.get(f"/api/v1/staff/{theirs.pk}/memberships/").status_code == 404
        posted = api.post(
            f"/api/v1/staff/{theirs.pk}/memberships/", {"division": COUNTY_B, "role": "approver"}, format="json"
        )
        assert posted.status_code == 404
        their_membership = Membership.objects.get(user=theirs)
        assert api.post(f"/api/v1/memberships/{their_membership.pk}/end/").status_code == 404
        assert api.get(f"/api/v1/staff/{ours.pk}/").status_code == 200
    assert User.objects.get(pk=theirs.pk).is_active


def test_staff_lists_are_for_administrators_only(api_as: Api, caseworker: Any) -> None:
    assert api_as(caseworker).get("/api/v1/staff/").status_code == 403


def test_the_system_administrator_deactivates_unlocks_and_reissues(
    api_as: Api, sysadmin_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", Role.CASEWORKER, COUNTY_A)
    api = api_as(sysadmin_a)
    response = api.patch(f"/api/v1/staff/{person.pk}/", {"is_active": False, "unlock": True}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert User.objects.filter(pk=person.pk).exists()  # never deleted
    response = api.patch(f"/api/v1/staff/{person.pk}/", {"is_active": True, "new_link": True}, format="json")
    assert response.json()["is_active"] is True and "/accounts/welcome/" in response.json()["initial_link"]
    recorded = set(AuditEvent.objects.filter(object_id=str(person.pk)).values_list("event_type", flat=True))
    assert {"user.deactivated", "user.unlocked", "user.reactivated", "user.initial_link_issued"} <= recorded


def test_the_security_administrator_cannot_change_accounts(
    api_as: Api, security_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", Role.CASEWORKER, COUNTY_A)
    assert (
        api_as(security_a).patch(f"/api/v1/staff/{person.pk}/", {"is_active": False}, format="json").status_code == 403
    )


def test_the_security_administrator_grants_and_ends_memberships(
    api_as: Api, security_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", None, COUNTY_A)
    api = api_as(security_a)
    response = api.post(
        f"/api/v1/staff/{person.pk}/memberships/", {"division": COUNTY_A, "role": "approver"}, format="json"
    )
    assert response.status_code == 201
    membership = response.json()
    assert membership["role"] == "approver" and membership["in_force"] is True
    assert [m["id"] for m in api.get(f"/api/v1/staff/{person.pk}/memberships/").json()] == [membership["id"]]
    ended = api.post(f"/api/v1/memberships/{membership['id']}/end/", {}, format="json")
    assert ended.status_code == 200 and ended.json()["in_force"] is False
    event = AuditEvent.objects.get(event_type="membership.ended")
    assert event.actor_username == "security_a"


def test_the_system_administrator_cannot_grant_memberships(
    api_as: Api, sysadmin_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", None, COUNTY_A)
    response = api_as(sysadmin_a).post(
        f"/api/v1/staff/{person.pk}/memberships/", {"division": COUNTY_A, "role": "caseworker"}, format="json"
    )
    assert response.status_code == 403


def test_a_membership_for_a_division_outside_the_administrators_scope_is_404(
    api_as: Api, security_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", None, COUNTY_A)
    for code in (COUNTY_B, OTHER_PROVINCE, "999999"):
        response = api_as(security_a).post(
            f"/api/v1/staff/{person.pk}/memberships/", {"division": code, "role": "caseworker"}, format="json"
        )
        assert response.status_code == 404
    assert not Membership.objects.filter(user=person).exists()


def test_a_second_administrative_role_is_400_naming_the_rule(
    api_as: Api, security_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", Role.AUDITOR, COUNTY_A)
    response = api_as(security_a).post(
        f"/api/v1/staff/{person.pk}/memberships/", {"division": COUNTY_A, "role": "sysadmin"}, format="json"
    )
    assert response.status_code == 400
    assert "三员分立" in response.json()["role"][0]
    assert Membership.objects.filter(user=person).count() == 1


def test_ending_the_last_security_administrator_of_a_province_is_refused(
    api_as: Api, security_a: Any, placed: Callable[..., Any]
) -> None:
    ministry = placed("ministry", Role.ADMIN, "CN")
    mine = Membership.objects.get(user=security_a)
    response = api_as(ministry).post(f"/api/v1/memberships/{mine.pk}/end/")
    assert response.status_code == 409
    assert "最后一名安全管理员" in response.json()["detail"]
    assert Membership.objects.get(pk=mine.pk).ends_on is None
    placed("colleague", Role.ADMIN, COUNTY_B)
    assert api_as(ministry).post(f"/api/v1/memberships/{mine.pk}/end/").status_code == 200


def test_the_last_security_administrator_cannot_be_deactivated(api_as: Api, sysadmin_a: Any, security_a: Any) -> None:
    response = api_as(sysadmin_a).patch(f"/api/v1/staff/{security_a.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 409
    assert User.objects.get(pk=security_a.pk).is_active


def test_administrators_never_change_their_own_roles(api_as: Api, security_a: Any) -> None:
    response = api_as(security_a).post(
        f"/api/v1/staff/{security_a.pk}/memberships/", {"division": COUNTY_A, "role": "supervisor"}, format="json"
    )
    assert response.status_code == 403


def test_bad_membership_input_is_400_in_chinese(api_as: Api, security_a: Any, placed: Callable[..., Any]) -> None:
    person = placed("person", None, COUNTY_A)
    response = api_as(security_a).post(
        f"/api/v1/staff/{person.pk}/memberships/",
        {"division": COUNTY_A, "role": "liaison", "starts_on": "2030-01-10", "ends_on": "2030-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "部门" in str(response.json())
    assert not Membership.objects.filter(user=person).exists()
    assert StaffProfile.objects.filter(user=person).exists()


def test_the_audit_administrator_reads_every_administrators_actions_and_changes_nothing(
    api_as: Api, sysadmin_a: Any, security_a: Any, placed: Callable[..., Any]
) -> None:
    auditor = placed("auditor_a", Role.AUDITOR, COUNTY_A)
    created = new_staff(api_as(sysadmin_a)).json()
    api_as(security_a).post(
        f"/api/v1/staff/{created['id']}/memberships/", {"division": COUNTY_A, "role": "caseworker"}, format="json"
    )
    rows = api_as(auditor).get("/api/v1/audit/events/").json()["results"]
    seen = {(row["event_type"], row["actor"]) for row in rows}
    assert {("user.created", "sysadmin_a"), ("membership.granted", "security_a")} <= seen
    assert api_as(auditor).get("/api/v1/staff/").status_code == 403
    assert new_staff(api_as(auditor), username="other").status_code == 403


def test_the_system_administrator_declares_and_removes_a_close_relative_through_the_api(
    api_as: Api, sysadmin_a: Any, security_a: Any, placed: Callable[..., Any]
) -> None:
    from accounts.models import DeclaredRelative

    person = placed("person", Role.APPROVER, COUNTY_A)
    api = api_as(sysadmin_a)
    url = f"/api/v1/staff/{person.pk}/relatives/"
    assert api.get(url).json() == []
    bad = api.post(url, {"relation": "", "id_number": "123"}, format="json")
    assert bad.status_code == 400 and "relation" in bad.json()
    bad = api.post(url, {"relation": "父亲", "id_number": "110105194912310021"}, format="json")
    assert bad.status_code == 400 and "校验码" in bad.json()["id_number"][0]
    assert not DeclaredRelative.objects.exists()

    created = api.post(url, {"relation": "父亲", "id_number": STAFF_ID}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["relation"] == "父亲" and body["recorded_by"] == "sysadmin_a"
    assert STAFF_ID not in created.content.decode() and blind_index(STAFF_ID) not in created.content.decode()
    assert DeclaredRelative.objects.get(user=person).id_number_hmac == blind_index(STAFF_ID)
    assert api.post(url, {"relation": "父亲", "id_number": STAFF_ID}, format="json").status_code == 400  # twice
    # The security administrator sees them but records none (the system administrator's work).
    assert [r["relation"] for r in api_as(security_a).get(url).json()] == ["父亲"]
    assert api_as(security_a).post(url, {"relation": "母亲", "id_number": STAFF_ID}, format="json").status_code == 403
    assert api_as(security_a).delete(f"{url}{body['id']}/").status_code == 403
    event = AuditEvent.objects.get(event_type="user.relative_declared")
    assert event.actor_username == "sysadmin_a" and STAFF_ID not in str(event.data)

    assert api.delete(f"{url}{body['id']}/").status_code == 204
    assert api.delete(f"{url}{body['id']}/").status_code == 404
    assert not DeclaredRelative.objects.exists()
    assert AuditEvent.objects.filter(event_type="user.relative_removed", actor_username="sysadmin_a").exists()


def test_another_countys_staff_relatives_are_404(
    api_as: Api, sysadmin_a: Any, sysadmin_b: Any, placed: Callable[..., Any]
) -> None:
    from accounts.actions import do_declare_relative

    theirs = placed("theirs", Role.APPROVER, COUNTY_B)
    relative = do_declare_relative(theirs, id_number=STAFF_ID, relation="配偶", actor=sysadmin_b)
    api = api_as(sysadmin_a)
    url = f"/api/v1/staff/{theirs.pk}/relatives/"
    assert api.get(url).status_code == 404
    assert api.post(url, {"relation": "父亲", "id_number": STAFF_ID}, format="json").status_code == 404
    assert api.delete(f"{url}{relative.pk}/").status_code == 404
    assert api_as(sysadmin_b).get(url).status_code == 200


def test_a_membership_not_yet_started_or_ended_gives_no_access(
    api_as: Api, security_a: Any, placed: Callable[..., Any]
) -> None:
    import datetime as dt

    from django.utils import timezone
    from freezegun import freeze_time

    from jurisdictions import scope

    def fresh(user: Any) -> Any:  # a new request's user object
        return User.objects.get(pk=user.pk)

    person = placed("person", None, COUNTY_A)
    day0 = timezone.localdate() + dt.timedelta(days=10)
    start, end = day0 + dt.timedelta(days=1), day0 + dt.timedelta(days=3)

    def at(day: dt.date) -> Any:
        return freeze_time(dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone()))

    with at(day0):
        granted = api_as(security_a).post(
            f"/api/v1/staff/{person.pk}/memberships/",
            {"division": COUNTY_A, "role": "caseworker", "starts_on": start.isoformat(), "ends_on": end.isoformat()},
            format="json",
        )
        assert granted.status_code == 201 and granted.json()["in_force"] is False
        assert not scope.can_see(fresh(person), COUNTY_A)  # not started yet
    with at(start):
        assert scope.can_see(fresh(person), COUNTY_A)
    with at(end):
        assert not scope.can_see(fresh(person), COUNTY_A)  # ended that day
