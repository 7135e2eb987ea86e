"""Names of event types and roles as auditors read them (unknown values are shown as stored)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "user.created": _("Account created"),
    "user.password_set": _("Password set"),
    "membership.granted": _("Membership granted"),
    "membership.revoked": _("Membership revoked"),
    "case.filed": _("Case filed"),
    "case.transition": _("Case status changed"),
    "case.verified": _("Department verification recorded"),
    "case.applied": _("Decision applied to the register"),
    "case.escalated": _("Case escalated"),
    "case.refused": _("Action refused"),
    "task.assigned": _("Task assigned"),
    "task.claimed": _("Task claimed"),
    "task.released": _("Task released"),
    "task.reassigned": _("Task reassigned"),
    "subject.registered": _("Person registered"),
    "subject.updated": _("Personal data changed"),
    "subject.duplicate_flagged": _("Possible duplicate flagged"),
    "subject.benefit_added": _("Benefit added"),
    "subject.benefit_ended": _("Benefit ended"),
    "subject.id_revealed": _("ID number revealed"),
    "subject.exported": _("People exported"),
    "subject.imported": _("People imported"),
    "letter.issued": _("Letter issued"),
    "letter.downloaded": _("Letter downloaded"),
    "sla.rule_changed": _("Time-limit rule changed"),
    "calendar.changed": _("Working calendar changed"),
    "settings.changed": _("Settings changed"),
    "audit.exported": _("Audit events exported"),
}

ROLE_LABELS = {
    "caseworker": _("Caseworker"),
    "liaison": _("Department liaison"),
    "approver": _("Approver"),
    "supervisor": _("Supervisor"),
    "auditor": _("Auditor"),
    "admin": _("Administrator"),
}


def event_label(event_type: str) -> str:
    return str(EVENT_LABELS.get(event_type, event_type))


def role_label(roles: str) -> str:
    """``"approver,caseworker"`` → "Approver, Caseworker" (translated)."""
    return ", ".join(str(ROLE_LABELS.get(role, role)) for role in roles.split(",") if role)
