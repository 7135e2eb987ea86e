"""Labels for the case pages: audit event types, statuses and task nodes in the user's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from cases.models import Kind, Status, VerificationResultChoice
from cases.nodes import label as node_label
from core import labels
from subjects.models import BenefitType

register = template.Library()

EVENT_LABELS = {
    "case.filed": _("Case filed"),
    "case.transition": _("Status changed"),
    "case.verified": _("Verification recorded"),
    "case.applied": _("Database updated"),
    "case.county_approved": _("Approved at the county, sent to the province"),
    "case.refused": _("Action refused (maker-checker or recusal)"),
    "case.escalated": _("Escalated as overdue"),
    "case.rated": _("Handling rated by the person"),
    "task.claimed": _("Task claimed"),
    "task.released": _("Task released"),
    "task.reassigned": _("Task reassigned"),
    "attachment.added": _("Document attached"),
    "attachment.downloaded": _("Document downloaded"),
    "case.access_granted": _("Case shared as an exception"),
    "case.access_ended": _("Case exception ended"),
}


@register.filter
def event_label(event_type: str) -> Any:
    from cases.extensions import event_label as registered

    return EVENT_LABELS.get(event_type) or registered(event_type) or event_type


@register.filter
def status_label(value: str) -> Any:
    return labels.label(Status, value, default=value or "—")


@register.filter
def kind_label(value: str) -> Any:
    """``"grievance"`` → "信访诉求" (precomputed per language: ``core.labels``)."""
    return labels.label(Kind, value)


@register.filter
def task_label(node: Any) -> str:
    return node_label(node) if isinstance(node, str) and node else ""


@register.filter
def result_label(value: str) -> Any:
    try:
        return VerificationResultChoice(value).label
    except ValueError:
        return value


@register.filter
def benefit_label(value: str) -> Any:
    """``"dibao"`` → "最低生活保障" (the benefit type's name; an unknown value as stored)."""
    try:
        return BenefitType(value).label
    except ValueError:
        return value


@register.filter
def is_status_case(case: Any) -> bool:
    """A case that suspends, resumes or cancels a benefit paid by veterans' affairs."""
    from cases.models import BENEFIT_STATUS_KINDS

    return getattr(case, "kind", "") in BENEFIT_STATUS_KINDS


@register.filter
def benefit_reason_label(value: str) -> Any:
    """A suspension's or cancellation's reason by its name (``benefits.models``); unknown: as stored."""
    from benefits.models import CancelReason, SuspendReason

    for choices in (SuspendReason, CancelReason):
        if value in choices.values:
            return choices(value).label
    return value


@register.filter
def recovery_item(case: Any) -> Any:
    """The overpayment a recovery case decides (``benefits.RecoveryItem``), or None."""
    from benefits.models import RecoveryItem

    return RecoveryItem.objects.filter(pk=case.recovery_id or 0, subject_id=case.subject_id).first()


@register.filter
def recovery_plan_label(value: str) -> Any:
    """A recovery case's proposal by its name (``benefits.models.RecoveryPlan``); unknown: as stored."""
    from benefits.models import RecoveryPlan

    return RecoveryPlan(value).label if value in RecoveryPlan.values else (value or "—")


@register.filter
def status_case_benefit(case: Any) -> str:
    """The benefit a suspension, resumption or cancellation case is about: "type · amount · since"."""
    from subjects.models import Benefit

    benefit = Benefit.objects.filter(pk=case.benefit_id or 0, subject_id=case.subject_id).first()
    if benefit is None:
        return "—"
    return f"{benefit_label(benefit.benefit_type)} · {benefit.amount} · {benefit.start.isoformat()}"


@register.filter
def correction_rows(corrections: Any) -> list[tuple[Any, Any]]:
    """A data correction's fields by their names on the record, each with its proposed value
    (a choice by its name); a field the record does not know is shown as recorded."""
    from subjects.models import Subject

    rows: list[tuple[Any, Any]] = []
    for name, value in dict(corrections or {}).items():
        if name == "id_number":  # shown masked, like every ID number on a page
            from subjects.ids import mask

            rows.append((_("national ID number"), mask(str(value)) if len(str(value)) == 18 else "***"))
            continue
        try:
            field = Subject._meta.get_field(name)
        except Exception:
            rows.append((name, value))
            continue
        shown = dict(getattr(field, "choices", None) or {}).get(value, value)
        if value is True or value is False:
            shown = _("Yes") if value else _("No")
        rows.append((getattr(field, "verbose_name", name), shown))
    return rows


@register.filter
def person_visible_to(case: Any, user: Any) -> bool:
    """Whether ``user`` may open the case's person (not when the case is only shared with them)."""
    from jurisdictions import scope

    return scope.can_see(user, case.subject.division_id)


@register.filter
def person_field_label(name: str) -> str:
    """A person's field by its label ("phone" → 联系电话) in proposed corrections."""
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.text import capfirst

    from subjects.models import Subject

    try:
        field = Subject._meta.get_field("id_number_masked" if name == "id_number" else name)
    except FieldDoesNotExist:
        return name
    return str(capfirst(getattr(field, "verbose_name", name)))
