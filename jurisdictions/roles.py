"""What each role may do, as jurisdiction permissions granted on the membership's division."""

from __future__ import annotations

from .models import Department, Role

VIEW = "view_jurisdiction"

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CASEWORKER: (VIEW, "handle_cases", "reveal_id_number"),
    Role.LIAISON: (VIEW,),  # plus the department's own verify_* permission
    Role.APPROVER: (VIEW, "approve_cases", "reveal_id_number"),
    Role.SUPERVISOR: (VIEW, "supervise"),
    Role.AUDITOR: (VIEW, "audit"),
    Role.ADMIN: (VIEW, "administer"),
}


def verify_permission(department: str) -> str:
    """The codename that lets a liaison verify for ``department``."""
    return f"verify_{Department(department).value}"


def permissions_for(role: str, department: str = "") -> tuple[str, ...]:
    """Codenames (in the jurisdictions app) granted on the division for one membership."""
    codenames = ROLE_PERMISSIONS[Role(role)]
    if role == Role.LIAISON:
        codenames = (*codenames, verify_permission(department))
    return codenames
