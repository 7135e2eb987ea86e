"""Scope: a membership covers its subtree; everything else is invisible (404) or forbidden (403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from jurisdictions import scope
from jurisdictions.models import Role
from tests.conftest import CITY, COUNTY_A, COUNTY_B

TOWNSHIP_IN_A = "440106001"


def test_caseworker_sees_own_county_and_its_townships(caseworker: Any) -> None:
    assert scope.can_see(caseworker, COUNTY_A)
    assert scope.can_see(caseworker, TOWNSHIP_IN_A)


def test_caseworker_cannot_see_the_neighbouring_county_or_the_city(caseworker: Any) -> None:
    assert not scope.can_see(caseworker, COUNTY_B)
    assert not scope.can_see(caseworker, CITY)


def test_city_supervisor_sees_both_counties(supervisor: Any) -> None:
    assert scope.can_see(supervisor, COUNTY_A)
    assert scope.can_see(supervisor, COUNTY_B)
    assert not scope.can_see(supervisor, "110105")


def test_national_membership_sees_everything(make_user: Callable[..., Any]) -> None:
    ministry = make_user("ministry", Role.SUPERVISOR, "CN")
    assert scope.can_see(ministry, "110105")
    assert scope.scope_q(ministry) == Q()


def test_user_without_membership_matches_nothing(make_user: Callable[..., Any]) -> None:
    nobody = make_user("nobody")
    assert not scope.can_see(nobody, COUNTY_A)
    assert scope.scope_q(nobody) == Q(pk__in=[])


def test_scope_filter_uses_the_denormalised_column_of_each_level(make_user: Callable[..., Any]) -> None:
    user = make_user("multi", Role.CASEWORKER, COUNTY_A)
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division

    do_grant_membership(user, division=Division.objects.get(code=TOWNSHIP_IN_A), role=Role.AUDITOR, actor=None)
    do_grant_membership(user, division=Division.objects.get(code="11"), role=Role.AUDITOR, actor=None)
    q = scope.scope_q(user, prefix="subject__")
    assert q.connector == Q.OR
    assert sorted(str(child) for child in q.children) == sorted(
        [
            "('pk__in', [])",
            "('subject__county_code', '440106')",
            "('subject__division_id', '440106001')",
            "('subject__province_code', '11')",
        ]
    )


def test_permissions_follow_the_role_not_just_visibility(caseworker: Any, make_user: Callable[..., Any]) -> None:
    approver = make_user("approver", Role.APPROVER, COUNTY_A)
    assert scope.has_perm_at(caseworker, "handle_cases", TOWNSHIP_IN_A)
    assert not scope.has_perm_at(caseworker, "approve_cases", COUNTY_A)
    assert scope.has_perm_at(approver, "approve_cases", COUNTY_A)


def test_liaison_may_verify_only_for_their_department(make_user: Callable[..., Any]) -> None:
    liaison = make_user("liaison_ps", Role.LIAISON, COUNTY_A, department="public_security")
    assert scope.has_perm_at(liaison, "verify_public_security", COUNTY_A)
    assert not scope.has_perm_at(liaison, "verify_civil_affairs", COUNTY_A)
    assert not scope.has_perm_at(liaison, "verify_public_security", COUNTY_B)


def test_require_perm_is_404_outside_and_403_inside(caseworker: Any) -> None:
    with pytest.raises(Http404):
        scope.require_perm(caseworker, "handle_cases", COUNTY_B)
    with pytest.raises(PermissionDenied):
        scope.require_perm(caseworker, "approve_cases", COUNTY_A)
    scope.require_perm(caseworker, "handle_cases", COUNTY_A)


def test_access_division_allows_ancestors_but_not_siblings(caseworker_b: Any) -> None:
    assert scope.access_division(caseworker_b, CITY).name == "广州市"
    assert scope.access_division(caseworker_b, "440100").code == CITY
    with pytest.raises(Http404):
        scope.access_division(caseworker_b, COUNTY_A)
    with pytest.raises(Http404):
        scope.access_division(caseworker_b, "not-a-code")


def test_model_backend_answers_object_permissions_through_the_hierarchy(caseworker: Any) -> None:
    from jurisdictions.models import Division

    township = Division.objects.get(code=TOWNSHIP_IN_A)
    assert caseworker.has_perm("jurisdictions.handle_cases", township)
    assert not caseworker.has_perm("jurisdictions.handle_cases", Division.objects.get(code=COUNTY_B))
    # Model-wide permissions are not granted by a jurisdiction membership.
    assert not caseworker.has_perm("jurisdictions.handle_cases")
    assert not caseworker.has_perm("auth.add_user", township)


def test_grants_are_loaded_once_per_user_object(caseworker: Any, django_assert_num_queries: Any) -> None:
    scope.forget_grants(caseworker)
    with django_assert_num_queries(1):
        for _ in range(5):
            scope.can_see(caseworker, COUNTY_A)
            scope.has_perm_at(caseworker, "handle_cases", TOWNSHIP_IN_A)


def test_a_per_object_exception_grant_is_honoured_for_that_object_only(make_user: Callable[..., Any]) -> None:
    from guardian.shortcuts import assign_perm

    helper, first, second = make_user("helper"), make_user("first"), make_user("second")
    assign_perm("accounts.change_user", helper, first)
    assert helper.has_perm("accounts.change_user", first)
    assert not helper.has_perm("accounts.change_user", second)
    assert not helper.has_perm("accounts.change_user")  # no model-wide grant follows from it


def test_holders_of_a_permission_here_include_those_granted_above(
    caseworker: Any, caseworker_b: Any, supervisor: Any, make_user: Callable[..., Any]
) -> None:
    from jurisdictions.perms import HANDLE_CASES

    inactive = make_user("gone", Role.SUPERVISOR, CITY)
    type(inactive).objects.filter(pk=inactive.pk).update(is_active=False)
    assert scope.users_with_perm_at(HANDLE_CASES, TOWNSHIP_IN_A) == [caseworker]
    assert scope.supervisors_of(TOWNSHIP_IN_A) == [supervisor]  # the city's, covering the county; not the inactive
    assert scope.supervisors_of(COUNTY_B) == [supervisor]
    assert scope.supervisors_of("110105") == []
