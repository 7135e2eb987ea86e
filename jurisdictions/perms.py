"""Jurisdiction permission codenames: granted per membership on a division, they cover its subtree.

The one spelling of each codename (``jurisdictions.models.Division.Meta.permissions`` declares
them; ``jurisdictions.roles`` grants them; ``jurisdictions.scope`` checks them). A liaison's
codename is per department: :func:`verify_permission`.
"""

from __future__ import annotations

from .models import Department

VIEW = "view_jurisdiction"
HANDLE_CASES = "handle_cases"
APPROVE_CASES = "approve_cases"
SUPERVISE = "supervise"
AUDIT = "audit"
ADMINISTER = "administer"  # the system administrator: settings such as SLA rules, calendars, deliveries
MANAGE_STAFF = "manage_staff"  # the system administrator: create, deactivate, unlock accounts
GRANT_ROLES = "grant_roles"  # the security administrator: memberships and per-case exceptions
REVEAL_ID_NUMBER = "reveal_id_number"
VERIFY_PREFIX = "verify_"


def verify_permission(department: str) -> str:
    """The codename that lets a liaison verify for ``department``."""
    return f"{VERIFY_PREFIX}{Department(department).value}"
