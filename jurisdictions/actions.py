"""Writes to memberships and their grants. Each action: one transaction, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db import transaction

from accounts.actions import do_end_api_tokens
from audit.log import record

from . import scope
from .models import Division, DivisionUserObjectPermission, Membership, Role
from .roles import permissions_for


def _lock_user(user: Any) -> None:
    # Serialise concurrent membership changes of one user, so grant syncs cannot interleave.
    type(user).objects.select_for_update().filter(pk=user.pk).exists()


def _sync_grants(user: Any) -> None:
    """Make the user's guardian grants on divisions exactly those implied by their memberships."""
    wanted: set[tuple[str, str]] = set()
    for membership in Membership.objects.filter(user=user):
        for codename in permissions_for(membership.role, membership.department):
            wanted.add((membership.division_id, codename))
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(content_type__app_label="jurisdictions", codename__in={c for _, c in wanted})
    }
    existing = {
        (row.content_object_id, row.permission.codename): row.pk
        for row in DivisionUserObjectPermission.objects.filter(user=user).select_related("permission")
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    DivisionUserObjectPermission.objects.filter(pk__in=stale).delete()
    DivisionUserObjectPermission.objects.bulk_create(
        [
            DivisionUserObjectPermission(user=user, content_object_id=code, permission=permissions[codename])
            for code, codename in sorted(wanted - existing.keys())
        ]
    )
    scope.forget_grants(user)
    if stale or wanted - existing.keys():
        # A change of role ends the user's API tokens at once (they carry the old role's assurance).
        do_end_api_tokens(user, reason="role_changed", actor=None)


@transaction.atomic
def do_grant_membership(
    user: Any, *, division: Division, role: str, department: str = "", actor: Any | None
) -> Membership:
    """Give ``user`` ``role`` over ``division``'s subtree (idempotent)."""
    role = Role(role)
    _lock_user(user)
    membership, created = Membership.objects.get_or_create(
        user=user, division=division, role=role, department=department if role == Role.LIAISON else ""
    )
    if created:
        _sync_grants(user)
        record(
            event_type="membership.granted",
            actor=actor,
            obj=membership,
            division_code=division.code,
            data={"user": user.username, "role": role.value, "department": membership.department},
        )
    return membership


@transaction.atomic
def do_revoke_membership(membership: Membership, *, actor: Any | None) -> None:
    user, division_code = membership.user, membership.division_id
    _lock_user(user)
    data = {"user": user.username, "role": membership.role, "department": membership.department}
    pk = membership.pk
    membership.delete()
    _sync_grants(user)
    record(
        event_type="membership.revoked",
        actor=actor,
        object_type="jurisdictions.membership",
        object_id=str(pk),
        division_code=division_code,
        data=data,
    )
