"""What each role may do, as jurisdiction permissions granted on the membership's division."""

from __future__ import annotations

from django.db.models import Q

from .models import Role
from .perms import (
    ADMINISTER,
    APPROVE_CASES,
    AUDIT,
    GRANT_ROLES,
    HANDLE_CASES,
    MANAGE_STAFF,
    REVEAL_ID_NUMBER,
    SUPERVISE,
    VERIFY_PREFIX,
    VIEW,
    verify_permission,
)

__all__ = ["ROLE_PERMISSIONS", "VIEW", "memberships_granting_q", "permissions_for", "verify_permission"]

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CASEWORKER: (VIEW, HANDLE_CASES, REVEAL_ID_NUMBER),
    Role.LIAISON: (VIEW,),  # plus the department's own verify_* permission
    Role.APPROVER: (VIEW, APPROVE_CASES, REVEAL_ID_NUMBER),
    Role.SUPERVISOR: (VIEW, SUPERVISE),
    Role.AUDITOR: (VIEW, AUDIT),  # the audit administrator: reads the trail, changes nothing
    Role.ADMIN: (VIEW, GRANT_ROLES),  # the security administrator
    Role.SYSADMIN: (VIEW, ADMINISTER, MANAGE_STAFF),  # the system administrator
}


def permissions_for(role: str, department: str = "") -> tuple[str, ...]:
    """Codenames (in the jurisdictions app) granted on the division for one membership."""
    codenames = ROLE_PERMISSIONS[Role(role)]
    if role == Role.LIAISON:
        codenames = (*codenames, verify_permission(department))
    return codenames


def memberships_granting_q(codename: str, *, prefix: str = "") -> Q:
    """A filter over memberships whose role grants ``codename`` (the inverse of :func:`permissions_for`)."""
    if codename.startswith(VERIFY_PREFIX):
        department = codename.removeprefix(VERIFY_PREFIX)
        return Q(**{f"{prefix}role": Role.LIAISON, f"{prefix}department": department})
    roles = sorted(role for role, codenames in ROLE_PERMISSIONS.items() if codename in codenames)
    return Q(**{f"{prefix}role__in": roles})
