"""Memberships and the guardian grants derived from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audit.models import AuditEvent
from jurisdictions import scope
from jurisdictions.actions import do_grant_membership, do_revoke_membership
from jurisdictions.models import Division, DivisionUserObjectPermission, Membership, Role
from tests.conftest import COUNTY_A, COUNTY_B


def test_granting_a_membership_grants_the_roles_permissions_on_the_division(make_user: Callable[..., Any]) -> None:
    user = make_user("approver", Role.APPROVER, COUNTY_A)
    codenames = set(
        DivisionUserObjectPermission.objects.filter(user=user, content_object_id=COUNTY_A).values_list(
            "permission__codename", flat=True
        )
    )
    assert codenames == {"view_jurisdiction", "approve_cases", "reveal_id_number"}


def test_granting_twice_changes_nothing_and_audits_once(make_user: Callable[..., Any]) -> None:
    user = make_user("caseworker", Role.CASEWORKER, COUNTY_A)
    do_grant_membership(user, division=Division.objects.get(code=COUNTY_A), role=Role.CASEWORKER, actor=None)
    assert Membership.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(event_type="membership.granted", data__user="caseworker").count() == 1


def test_revoking_removes_exactly_that_memberships_grants(make_user: Callable[..., Any]) -> None:
    user = make_user("both", Role.CASEWORKER, COUNTY_A)
    second = do_grant_membership(user, division=Division.objects.get(code=COUNTY_B), role=Role.CASEWORKER, actor=None)
    assert scope.can_see(user, COUNTY_B)
    do_revoke_membership(second, actor=None)
    assert not scope.can_see(user, COUNTY_B)
    assert scope.can_see(user, COUNTY_A)
    event = AuditEvent.objects.get(event_type="membership.revoked")
    assert event.data == {"user": "both", "role": "caseworker", "department": ""}
    assert event.division_code == COUNTY_B


def test_a_liaison_membership_keeps_its_department(make_user: Callable[..., Any]) -> None:
    user = make_user("liaison", Role.LIAISON, COUNTY_A, department="housing")
    membership = Membership.objects.get(user=user)
    assert membership.department == "housing"
    assert scope.has_perm_at(user, "verify_housing", COUNTY_A)


def test_a_department_is_ignored_for_roles_other_than_liaison(make_user: Callable[..., Any]) -> None:
    user = make_user("approver", Role.APPROVER, COUNTY_A, department="housing")
    assert Membership.objects.get(user=user).department == ""
