"""Names of event types and roles as auditors read them (unknown values are shown as stored)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "auth.token_issued": _("API token issued"),
    "auth.token_revoked": _("API tokens ended"),
    "auth.enrolment_code_issued": _("Two-factor enrolment code issued"),
    "auth.totp_enrolment_started": _("Two-factor enrolment started"),
    "auth.totp_enrolled": _("Two-factor set up"),
    "user.created": _("Account created"),
    "user.updated": _("Account details changed"),
    "user.deactivated": _("Account deactivated"),
    "user.reactivated": _("Account reactivated"),
    "user.unlocked": _("Sign-in unlocked"),
    "user.initial_link_issued": _("One-time sign-in link issued"),
    "user.initial_link_used": _("One-time sign-in link used"),
    "user.password_set": _("Password set"),
    "user.password_changed": _("Password changed"),
    "user.relative_declared": _("Close relative declared"),
    "user.relative_removed": _("Close relative removed"),
    "staff.placed": _("Home division recorded"),
    "staff.moved": _("Home division changed"),
    "membership.granted": _("Membership granted"),
    "membership.revoked": _("Membership revoked"),
    "membership.ended": _("Membership ended"),
    "case.access_granted": _("Case shared as an exception"),
    "case.access_ended": _("Case exception ended"),
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
    "subject.import_opened": _("Import started"),
    "subject.import_batch": _("People imported"),
    "subject.generated": _("Synthetic people generated"),
    "subject.merged": _("Duplicate record merged into this one"),
    "subject.merged_away": _("Record merged into another"),
    "subject.id_keys_rotated": _("ID number keys rotated"),
    "attachment.added": _("Document attached"),
    "attachment.downloaded": _("Document downloaded"),
    "letter.requested": _("Letter requested"),
    "letter.issued": _("Letter issued"),
    "letter.downloaded": _("Letter downloaded"),
    "letter.superseded": _("Letter superseded"),
    "letter.dispatched": _("Letter dispatched"),
    "letter.letterhead_changed": _("Letterhead changed"),
    "notification.delivery_retried": _("Failed message sent again"),
    "notification.preferences_changed": _("Notification preferences changed"),
    "crosscheck.dataset_loaded": _("Department dataset loaded"),
    "crosscheck.run": _("Cross-check run"),
    "crosscheck.sent_down": _("Problem sent down as a case"),
    "crosscheck.overpayment_recorded": _("Overpayment recorded"),
    "crosscheck.duplicate_decided": _("Suspected duplicate decided"),
    "crosscheck.token_issued": _("Department feed token issued"),
    "crosscheck.token_revoked": _("Department feed token revoked"),
    "report.period_opened": _("Reporting period opened"),
    "report.compiled": _("Report compiled"),
    "report.edited": _("Report analysis edited"),
    "report.submitted": _("Report submitted"),
    "report.approved": _("Report approved"),
    "report.returned": _("Report returned"),
    "report.exported": _("Report table downloaded"),
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
    "auditor": _("Audit administrator"),
    "admin": _("Security administrator"),
    "sysadmin": _("System administrator"),
}


def event_label(event_type: str) -> str:
    return str(EVENT_LABELS.get(event_type, event_type))


def role_label(roles: str) -> str:
    """``"approver,caseworker"`` → "Approver, Caseworker" (translated)."""
    return ", ".join(str(ROLE_LABELS.get(role, role)) for role in roles.split(",") if role)
