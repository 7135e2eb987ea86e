"""Writes to staff accounts' placement and memberships. Each action: one transaction, audited.

Scope reads memberships directly (``jurisdictions.scope``), so an action only has to change
the rows and drop the acting process's cached grants of that user.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import actions as account_actions
from accounts.couriers import LinkBuilder
from accounts.models import Actor, staff_or_none
from audit.log import record
from core.errors import Conflict

from . import scope
from .models import (
    ADMINISTRATIVE_ROLES,
    NATION_CODE,
    Department,
    Division,
    Membership,
    Role,
    StaffProfile,
    ancestor_codes,
    in_force_q,
    periods_overlap,
)

SEPARATION_RULE = _("separation of the three administrators")


def _lock_user(user: Any) -> None:
    # Serialise concurrent membership changes of one user, so the rules below see a stable set.
    type(user).objects.select_for_update().filter(pk=user.pk).exists()


def _related_codes_q(code: str) -> Q:
    """Divisions whose subtree overlaps ``code``'s: its ancestors and its descendants."""
    if code == NATION_CODE:
        return Q()
    return Q(division_id__in=ancestor_codes(code)) | Q(division__code__startswith=code)


def separation_refusal(
    user: Any,
    *,
    division_code: str,
    role: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> str | None:
    """Why ``user`` may not hold ``role`` there and then (None when they may).

    Nobody holds two of the system, security and audit administrator roles over overlapping
    parts of the tree in overlapping periods (等保 2.0 level 3, separation of duties).
    """
    if role not in ADMINISTRATIVE_ROLES:
        return None
    others = Membership.objects.filter(
        _related_codes_q(division_code),
        user_id=user.pk,
        role__in=[r for r in ADMINISTRATIVE_ROLES if r != role],
    ).select_related("division")
    for other in others:
        if periods_overlap(starts_on, ends_on, other.starts_on, other.ends_on):
            return _(
                "%(name)s already holds the role %(other)s over %(division)s in an overlapping period; "
                "the same person cannot also be %(role)s there (rule: %(rule)s)."
            ) % {
                "name": user.get_full_name() or user.username,
                "other": other.get_role_display(),
                "division": other.division.name,
                "role": Role(role).label,
                "rule": SEPARATION_RULE,
            }
    return None


@transaction.atomic
def do_grant_membership(
    user: Any,
    *,
    division: Division,
    role: str,
    department: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    actor: Actor,
) -> Membership:
    """Give ``user`` ``role`` over ``division``'s subtree from ``starts_on`` (today) until ``ends_on`` (open).

    Granting an open-ended membership the user already holds changes nothing (idempotent).
    Bad input raises ``ValidationError`` on the field, with nothing saved: an unknown role,
    a liaison without a department, an end not after the start, a start in the past (allowed
    only without an actor: scripted set-up recording memberships that began earlier), a
    deactivated account, or a second administrative role (:func:`separation_refusal`).
    """
    today = timezone.localdate()
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError({"role": _("Choose a role from the list.")}) from None
    if role == Role.LIAISON:
        if department not in Department.values:
            raise ValidationError({"department": _("A department liaison needs a department.")})
    else:
        department = ""
    starts_on = starts_on or today
    if starts_on < today and actor is not None:
        # Only scripted set-up (no actor: the system) records memberships that began earlier.
        raise ValidationError({"starts_on": _("The start date cannot be in the past.")})
    if ends_on is not None and ends_on <= starts_on:
        raise ValidationError({"ends_on": _("The end date must be after the start date.")})
    _lock_user(user)
    if not type(user).objects.filter(pk=user.pk, is_active=True).exists():
        raise ValidationError({"user": _("This account is deactivated; reactivate it before granting roles.")})
    if ends_on is None:
        existing = Membership.objects.filter(
            user=user, division=division, role=role, department=department, ends_on__isnull=True
        ).first()
        if existing is not None and existing.starts_on <= starts_on:
            return existing
    refusal = separation_refusal(user, division_code=division.code, role=role, starts_on=starts_on, ends_on=ends_on)
    if refusal:
        raise ValidationError({"role": refusal})
    membership = Membership.objects.create(
        user=user,
        division=division,
        role=role,
        department=department,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_by=staff_or_none(actor),
    )
    scope.forget_grants(user)
    # A change of role ends the user's API tokens at once (they carry the old role's assurance).
    account_actions.do_end_api_tokens(user, reason="role_changed", actor=actor)
    record(
        event_type="membership.granted",
        actor=actor,
        obj=membership,
        division_code=division.code,
        data={
            "user": user.username,
            "role": role.value,
            "department": department,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )
    return membership


def _province_of(code: str) -> str:
    return NATION_CODE if code == NATION_CODE else code[:2]


def _is_last_security_administrator(
    membership: Membership, *, after: datetime.date, leaving_user: bool = False
) -> bool:
    """Whether no other active security administrator keeps the membership's province from ``after`` on."""
    if membership.role != Role.ADMIN or not membership.in_force():
        return False
    province = _province_of(membership.division_id)
    # The province's own security administrators (a national one does not staff a county office).
    where = Q(division_id=NATION_CODE) if province == NATION_CODE else Q(division__code__startswith=province)
    others = (
        Membership.objects.filter(where, in_force_q(timezone.localdate()), role=Role.ADMIN, user__is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=after))
        .exclude(pk=membership.pk)
    )
    if leaving_user:
        others = others.exclude(user_id=membership.user_id)
    return not others.exists()


def _last_admin_message(membership: Membership) -> str:
    province = Division.objects.filter(code=_province_of(membership.division_id)).first()
    return _("%(name)s is the last security administrator of %(province)s: grant the role to someone else first.") % {
        "name": membership.user.get_full_name() or membership.user.username,
        "province": province.name if province else membership.division_id,
    }


@transaction.atomic
def do_end_membership(membership: Membership, *, actor: Actor, ends_on: datetime.date | None = None) -> Membership:
    """End a membership on ``ends_on`` (today: access stops at once). The row stays, for the history.

    Refused (409) when it has ended already, or when it is the last security administrator of its
    province (someone must be able to grant roles).
    """
    today = timezone.localdate()
    locked = Membership.objects.select_for_update().select_related("user", "division").get(pk=membership.pk)
    _lock_user(locked.user)
    ends_on = ends_on or today
    if ends_on < today:
        raise ValidationError({"ends_on": _("The end date cannot be in the past.")})
    if locked.ends_on is not None and locked.ends_on <= ends_on:
        raise Conflict(_("This membership has ended already."))
    if _is_last_security_administrator(locked, after=ends_on):
        raise Conflict(_last_admin_message(locked))
    locked.ends_on = max(ends_on, locked.starts_on)
    locked.ended_by = staff_or_none(actor)
    locked.save(update_fields=["ends_on", "ended_by"])
    scope.forget_grants(membership.user)
    scope.forget_grants(locked.user)
    account_actions.do_end_api_tokens(locked.user, reason="role_changed", actor=actor)
    record(
        event_type="membership.ended",
        actor=actor,
        obj=locked,
        division_code=locked.division_id,
        data={
            "user": locked.user.username,
            "role": locked.role,
            "department": locked.department,
            "ends_on": locked.ends_on.isoformat(),
        },
    )
    membership.ends_on, membership.ended_by = locked.ends_on, locked.ended_by
    return locked


# --- staff accounts, placed in a division -------------------------------------------------------


@transaction.atomic
def do_create_staff(
    *,
    division: Division,
    username: str,
    full_name: str,
    phone: str = "",
    staff_id_number: str = "",
    actor: Actor,
    link_for: LinkBuilder,
) -> tuple[Any, str, bool]:
    """A new staff account at home in ``division``, with its one-time sign-in link: ``(user, url, texted)``.

    The account has no roles until a security administrator grants memberships.
    """
    name_error = {} if (full_name or "").strip() else {"full_name": [_("Enter the person's real name.")]}
    try:
        user = account_actions.do_create_staff_user(
            username,
            password=None,
            full_name=full_name,
            phone=phone,
            staff_id_number=staff_id_number,
            division_code=division.code,
            actor=actor,
        )
    except ValidationError as exc:
        raise ValidationError(name_error | exc.message_dict) from None
    if name_error:
        raise ValidationError(name_error)
    StaffProfile.objects.create(user=user, division=division, created_by=staff_or_none(actor))
    url, texted = account_actions.do_issue_initial_link(user, actor=actor, link_for=link_for)
    return user, url, texted


@transaction.atomic
def do_place_staff(user: Any, *, division: Division, actor: Actor) -> StaffProfile:
    """Record (or move) an existing account's home division."""
    profile, created = StaffProfile.objects.get_or_create(user=user, defaults={"division": division})
    if not created and profile.division_id != division.code:
        old = profile.division_id
        profile.division = division
        profile.save()
        record(event_type="staff.moved", actor=actor, obj=profile, data={"user": user.username, "from": old})
    elif created:
        record(event_type="staff.placed", actor=actor, obj=profile, data={"user": user.username})
    return profile


@transaction.atomic
def do_deactivate_staff(user: Any, *, actor: Actor) -> Any:
    """Switch the account off (never deleted). Refused (409) for the last security administrator of a province."""
    _lock_user(user)
    for membership in Membership.objects.filter(in_force_q(timezone.localdate()), user=user, role=Role.ADMIN):
        if _is_last_security_administrator(membership, after=timezone.localdate(), leaving_user=True):
            raise Conflict(_last_admin_message(membership))
    deactivated = account_actions.do_deactivate_user(user, actor=actor)
    scope.forget_grants(user)
    return deactivated
