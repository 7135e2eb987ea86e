"""What each role may do, as jurisdiction permissions granted on the membership's division."""

from __future__ import annotations

from .models import Role
from .perms import ADMINISTER, APPROVE_CASES, AUDIT, HANDLE_CASES, REVEAL_ID_NUMBER, SUPERVISE, VIEW, verify_permission

__all__ = ["ROLE_PERMISSIONS", "VIEW", "permissions_for", "verify_permission"]

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CASEWORKER: (VIEW, HANDLE_CASES, REVEAL_ID_NUMBER),
    Role.LIAISON: (VIEW,),  # plus the department's own verify_* permission
    Role.APPROVER: (VIEW, APPROVE_CASES, REVEAL_ID_NUMBER),
    Role.SUPERVISOR: (VIEW, SUPERVISE),
    Role.AUDITOR: (VIEW, AUDIT),
    Role.ADMIN: (VIEW, ADMINISTER),
}


def permissions_for(role: str, department: str = "") -> tuple[str, ...]:
    """Codenames (in the jurisdictions app) granted on the division for one membership."""
    codenames = ROLE_PERMISSIONS[Role(role)]
    if role == Role.LIAISON:
        codenames = (*codenames, verify_permission(department))
    return codenames
