"""The rules of a case that suspends, resumes or cancels a benefit paid here (read only, no writes).

``cases`` (above ``benefits``) files these cases (kinds ``benefit_suspension``,
``benefit_resumption``, ``benefit_cancellation``), checks them here when they are filed and again
when they are applied, and asks here whether the province decides them (Art. 59 of the 军人抚恤优待条例:
a sentence, a warrant, expulsion; every cancellation). The writes are
``benefits.actions.do_apply_status_change``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import CancelReason, Entitlement, EntitlementStatus, FilingAction, SuspendReason

SUSPEND: str = FilingAction.SUSPEND.value
RESUME: str = FilingAction.RESUME.value
CANCEL: str = FilingAction.CANCEL.value

# Suspension reasons of Art. 59, decided by the province (the others by the county).
PROVINCE_SUSPEND_REASONS = (SuspendReason.IMPRISONMENT, SuspendReason.WANTED)
ARTICLE_59 = "第五十九条"
ARTICLE_58 = "第五十八条"

# Which states each change starts from.
FROM_STATES: dict[str, tuple[str, ...]] = {
    SUSPEND: (EntitlementStatus.ACTIVE,),
    RESUME: (EntitlementStatus.SUSPENDED,),
    CANCEL: (EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED),
}


def reasons_for(change: str) -> Any:
    """The reasons a case of ``change`` chooses from (none for a resumption)."""
    found: dict[str, Any] = {SUSPEND: SuspendReason, CANCEL: CancelReason}
    return found.get(change)


def check_reason(change: str, reason: str) -> None:
    """400 on ``benefit_reason`` when a suspension or cancellation names no reason of its list."""
    choices = reasons_for(change)
    if choices is None:
        return
    if reason not in choices.values:
        names = "、".join(str(label) for label in choices.labels)
        raise ValidationError({"benefit_reason": _("Choose the reason from the list: %(names)s.") % {"names": names}})


def entitlement_to_change(subject: Any, benefit_id: Any, change: str) -> Entitlement:
    """The benefit paid here that the case names, in a state the change starts from; else 400 on
    ``benefit_id`` saying why (not the person's, not paid by veterans' affairs, not active …)."""
    try:
        pk = int(benefit_id) if benefit_id not in (None, "") else 0
    except (TypeError, ValueError):
        pk = 0
    entitlement = (
        Entitlement.objects.filter(benefit_id=pk, subject=subject).select_related("benefit").first()
        if 0 < pk < 2**31
        else None
    )
    if entitlement is None:
        raise ValidationError(
            {"benefit_id": _("Choose one of the person's benefits paid by veterans' affairs (定期抚恤补助).")}
        )
    if entitlement.status not in FROM_STATES[change]:
        messages: dict[str, str] = {
            SUSPEND: _("This benefit is not being paid (it is %(status)s), so it cannot be suspended."),
            RESUME: _("This benefit is not suspended (it is %(status)s), so it cannot be resumed."),
            CANCEL: _("This benefit has already ended (it is %(status)s), so it cannot be cancelled."),
        }
        raise ValidationError({"benefit_id": messages[change] % {"status": entitlement.get_status_display()}})
    return entitlement


def decided_by_province(change: str, reason: str, entitlement: Entitlement) -> bool:
    """Art. 59: a suspension for a sentence or a warrant, the resumption after one, and every
    cancellation are decided by the province; the rest (problem data, an overdue confirmation) by the county."""
    if change == CANCEL:
        return True
    if change == SUSPEND:
        return reason in PROVINCE_SUSPEND_REASONS
    return entitlement.reason in PROVINCE_SUSPEND_REASONS


def article_of(change: str, reason: str) -> str:
    """The article a decision rests on: fraud, Art. 58; a sentence, a warrant, expulsion, Art. 59; the
    county's own reasons (problem data, an overdue confirmation) cite none here ("")."""
    if change == CANCEL and reason == CancelReason.FRAUD:
        return ARTICLE_58
    if change == CANCEL or reason in PROVINCE_SUSPEND_REASONS:
        return ARTICLE_59
    return ""
