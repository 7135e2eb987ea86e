"""Memberships with dates, the three separate administrators, and staff accounts placed in a division."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from accounts.models import InitialPasswordLink
from audit.models import AuditEvent
from core.errors import Conflict
from core.national_id import blind_index
from jurisdictions import scope
from jurisdictions.actions import (
    do_create_staff,
    do_deactivate_staff,
    do_end_membership,
    do_grant_membership,
)
from jurisdictions.models import Division, Membership, Role, StaffProfile
from tests.conftest import CITY, COUNTY_A, COUNTY_B, OTHER_PROVINCE

STAFF_ID = "11010519491231002X"


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def link(token: str) -> str:
    return f"http://testserver/accounts/welcome/{token}/"


def test_granting_a_membership_grants_the_roles_permissions_on_the_division(make_user: Callable[..., Any]) -> None:
    user = make_user("approver", Role.APPROVER, COUNTY_A)
    assert scope.division_grants(user) == {
        COUNTY_A: frozenset({"view_jurisdiction", "approve_cases", "reveal_id_number"})
    }


def test_the_three_administrators_hold_separate_permissions(make_user: Callable[..., Any]) -> None:
    system = make_user("sys", Role.SYSADMIN, COUNTY_A)
    security = make_user("sec", Role.ADMIN, COUNTY_A)
    audit = make_user("aud", Role.AUDITOR, COUNTY_A)
    assert scope.division_grants(system)[COUNTY_A] == {"view_jurisdiction", "administer", "manage_staff"}
    assert scope.division_grants(security)[COUNTY_A] == {"view_jurisdiction", "grant_roles"}
    assert scope.division_grants(audit)[COUNTY_A] == {"view_jurisdiction", "audit"}


def test_granting_twice_changes_nothing_and_audits_once(make_user: Callable[..., Any]) -> None:
    user = make_user("caseworker", Role.CASEWORKER, COUNTY_A)
    do_grant_membership(user, division=division(COUNTY_A), role=Role.CASEWORKER, actor=None)
    assert Membership.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(event_type="membership.granted", data__user="caseworker").count() == 1


def test_ending_stops_access_today_keeps_the_row_and_records_the_administrator(
    make_user: Callable[..., Any],
) -> None:
    security = make_user("security", Role.ADMIN, CITY)
    user = make_user("both", Role.CASEWORKER, COUNTY_A)
    second = do_grant_membership(user, division=division(COUNTY_B), role=Role.CASEWORKER, actor=security)
    assert scope.can_see(user, COUNTY_B)
    do_end_membership(second, actor=security)
    assert not scope.can_see(user, COUNTY_B)
    assert scope.can_see(user, COUNTY_A)
    second.refresh_from_db()
    assert second.ends_on is not None and second.ended_by == security
    event = AuditEvent.objects.get(event_type="membership.ended")
    assert event.actor_username == "security" and event.division_code == COUNTY_B
    assert event.data["user"] == "both" and event.data["role"] == "caseworker"


def test_ending_a_membership_twice_is_refused(make_user: Callable[..., Any]) -> None:
    user = make_user("caseworker", Role.CASEWORKER, COUNTY_A)
    membership = Membership.objects.get(user=user)
    do_end_membership(membership, actor=None)
    with pytest.raises(Conflict):
        do_end_membership(membership, actor=None)


def test_a_future_start_gives_nothing_until_that_day(make_user: Callable[..., Any]) -> None:
    user = make_user("newcomer")
    with freeze_time("2026-05-01 09:00:00+08:00"):
        do_grant_membership(
            user, division=division(COUNTY_A), role=Role.CASEWORKER, starts_on=dt.date(2026, 5, 4), actor=None
        )
        assert not scope.can_see(user, COUNTY_A)
    with freeze_time("2026-05-04 00:01:00+08:00"):
        assert scope.can_see(user, COUNTY_A)  # same user object: the cached grants were for another day


def test_an_end_date_stops_access_from_that_day_without_any_job(make_user: Callable[..., Any]) -> None:
    user = make_user("temporary")
    with freeze_time("2026-05-01 09:00:00+08:00"):
        do_grant_membership(
            user, division=division(COUNTY_A), role=Role.CASEWORKER, ends_on=dt.date(2026, 5, 10), actor=None
        )
        assert scope.can_see(user, COUNTY_A)
    with freeze_time("2026-05-09 23:59:00+08:00"):
        assert scope.can_see(user, COUNTY_A)
    with freeze_time("2026-05-10 00:00:01+08:00"):
        assert not scope.can_see(user, COUNTY_A)
        assert user not in scope.users_with_perm_at("handle_cases", COUNTY_A)


def test_users_with_a_permission_are_those_with_memberships_in_force(make_user: Callable[..., Any]) -> None:
    current = make_user("current", Role.APPROVER, COUNTY_A)
    ended = make_user("ended", Role.APPROVER, COUNTY_A)
    do_end_membership(Membership.objects.get(user=ended), actor=None)
    liaison = make_user("liaison", Role.LIAISON, CITY, department="housing")
    assert scope.users_with_perm_at("approve_cases", COUNTY_A) == [current]
    assert scope.users_with_perm_at("verify_housing", COUNTY_A) == [liaison]


@pytest.mark.parametrize("second", [Role.SYSADMIN, Role.AUDITOR])
def test_nobody_holds_two_administrative_roles_in_overlapping_scope(make_user: Callable[..., Any], second: str) -> None:
    user = make_user("admin", Role.ADMIN, CITY)
    with pytest.raises(ValidationError) as raised:
        do_grant_membership(user, division=division(COUNTY_A), role=second, actor=None)
    assert "三员分立" in str(raised.value.message_dict["role"])
    assert Membership.objects.filter(user=user).count() == 1


def test_two_administrative_roles_are_allowed_in_separate_subtrees_or_periods(make_user: Callable[..., Any]) -> None:
    user = make_user("admin", Role.ADMIN, COUNTY_A)
    do_grant_membership(user, division=division(OTHER_PROVINCE), role=Role.AUDITOR, actor=None)
    with freeze_time("2026-05-01 09:00:00+08:00"):
        later = make_user("later")
        do_grant_membership(
            later, division=division(COUNTY_A), role=Role.ADMIN, ends_on=dt.date(2026, 6, 1), actor=None
        )
        do_grant_membership(
            later, division=division(COUNTY_A), role=Role.SYSADMIN, starts_on=dt.date(2026, 6, 1), actor=None
        )
    assert Membership.objects.filter(user=later).count() == 2


def test_business_roles_combine_freely_with_an_administrative_one(make_user: Callable[..., Any]) -> None:
    user = make_user("admin", Role.ADMIN, COUNTY_A)
    do_grant_membership(user, division=division(COUNTY_A), role=Role.SUPERVISOR, actor=None)
    assert Membership.objects.filter(user=user).count() == 2


def test_the_last_security_administrator_of_a_province_cannot_be_ended(make_user: Callable[..., Any]) -> None:
    only = make_user("only", Role.ADMIN, COUNTY_A)
    membership = Membership.objects.get(user=only)
    with pytest.raises(Conflict, match="广东省"):
        do_end_membership(membership, actor=None)
    with pytest.raises(Conflict, match="广东省"):
        do_deactivate_staff(only, actor=None)
    make_user("another", Role.ADMIN, COUNTY_B)
    do_end_membership(membership, actor=None)
    assert not scope.can_see(only, COUNTY_A)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "janitor"}, "role"),
        ({"role": Role.LIAISON}, "department"),
        ({"role": Role.CASEWORKER, "ends_on": dt.date(2000, 1, 1)}, "ends_on"),
    ],
)
def test_bad_membership_input_names_the_field_and_saves_nothing(
    make_user: Callable[..., Any], kwargs: dict[str, Any], field: str
) -> None:
    user = make_user("someone")
    with pytest.raises(ValidationError) as raised:
        do_grant_membership(user, division=division(COUNTY_A), actor=None, **kwargs)
    assert field in raised.value.message_dict
    assert not Membership.objects.filter(user=user).exists()


def test_an_administrator_cannot_backdate_a_membership(make_user: Callable[..., Any]) -> None:
    security = make_user("security", Role.ADMIN, COUNTY_A)
    user = make_user("someone")
    with pytest.raises(ValidationError) as raised:
        do_grant_membership(
            user, division=division(COUNTY_A), role=Role.CASEWORKER, starts_on=dt.date(2020, 1, 1), actor=security
        )
    assert "starts_on" in raised.value.message_dict


def test_a_deactivated_account_gets_no_membership(make_user: Callable[..., Any]) -> None:
    user = make_user("gone", Role.CASEWORKER, COUNTY_A)
    do_deactivate_staff(user, actor=None)
    with pytest.raises(ValidationError) as raised:
        do_grant_membership(user, division=division(COUNTY_A), role=Role.APPROVER, actor=None)
    assert "user" in raised.value.message_dict


def test_a_liaison_membership_keeps_its_department(make_user: Callable[..., Any]) -> None:
    user = make_user("liaison", Role.LIAISON, COUNTY_A, department="housing")
    assert Membership.objects.get(user=user).department == "housing"
    assert scope.has_perm_at(user, "verify_housing", COUNTY_A)


def test_a_department_is_ignored_for_roles_other_than_liaison(make_user: Callable[..., Any]) -> None:
    user = make_user("approver", Role.APPROVER, COUNTY_A, department="housing")
    assert Membership.objects.get(user=user).department == ""


def test_creating_staff_places_the_account_and_issues_a_one_time_link(make_user: Callable[..., Any]) -> None:
    system = make_user("system", Role.SYSADMIN, COUNTY_A)
    user, url, texted = do_create_staff(
        division=division(COUNTY_A),
        username="zhang",
        full_name="张三",
        phone="138 0013 8000",
        staff_id_number=STAFF_ID,
        actor=system,
        link_for=link,
    )
    assert url.startswith("http://testserver/accounts/welcome/") and texted is True  # a phone is on file
    assert StaffProfile.objects.get(user=user).division_id == COUNTY_A
    assert user.phone == "13800138000" and user.must_change_password and not user.has_usable_password()
    assert user.id_number_hmac == blind_index(STAFF_ID)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert not InitialPasswordLink.objects.filter(token_hash=token).exists()  # only its hash is stored
    events = AuditEvent.objects.filter(object_id=str(user.pk), object_type="accounts.user")
    assert {e.event_type for e in events} == {"user.created", "user.initial_link_issued"}
    assert all(e.division_code == COUNTY_A and e.actor_username == "system" for e in events)
    assert STAFF_ID not in str([e.data for e in events]) and token not in str([e.data for e in events])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"username": ""}, "username"),
        ({"username": "has space"}, "username"),
        ({"staff_id_number": "110105194912310021"}, "staff_id_number"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_bad_staff_input_names_the_field_and_saves_nothing(fields: dict[str, str], field: str, db: Any) -> None:
    values = {"username": "zhang", "full_name": "张三", "phone": "", "staff_id_number": STAFF_ID} | fields
    with pytest.raises(ValidationError) as raised:
        do_create_staff(division=division(COUNTY_A), actor=None, link_for=link, **values)
    assert field in raised.value.message_dict
    assert not StaffProfile.objects.exists()


def test_a_username_is_taken_whatever_its_case(make_user: Callable[..., Any]) -> None:
    make_user("Zhang")
    with pytest.raises(ValidationError) as raised:
        do_create_staff(division=division(COUNTY_A), username="zhang", full_name="张三", actor=None, link_for=link)
    assert "username" in raised.value.message_dict
