"""What transfers registers with the apps below it (called from ``TransfersConfig.ready()``): the two
sides' steps (``core.steps``: listed in ``/api/v1/tasks/``, the inbox and the workbench counts of the
side's approvers, escalated by the SLA scan when overdue), the person's page (button and panel), the
names of its events on the person's history and on a moved case's timeline."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import panels, steps
from jurisdictions import scope

from . import nodes
from .models import OPEN_STATUSES, Transfer

EVENT_LABELS = {
    "transfer.proposed": _("Transfer to another county proposed"),
    "transfer.released": _("Transfer approved by the sending county"),
    "transfer.accepted": _("Transfer accepted by the receiving county"),
    "transfer.refused": _("Transfer refused"),
    "transfer.case_moved": _("Case moved with the person's file to another county"),
    "transfer.escalated": _("Overdue transfer step escalated to the supervisors"),
}


def _step_title(params: dict[str, Any]) -> str:
    return f"{params.get('transfer', '')}：{params.get('from', '')} → {params.get('to', '')}"


def _step_url(task: Any) -> str:
    return reverse("transfers:detail", args=[task.process.artifact_object_id])


def _register_steps() -> None:
    from .sla import on_overdue

    for node in (nodes.RELEASE, nodes.ACCEPT):
        steps.register(
            steps.StepKind(
                name=node,
                codename=nodes.PERMISSIONS[node],
                label=nodes.LABELS[node],
                title=_step_title,
                url=_step_url,
                overdue=on_overdue,
            )
        )


def subject_button(user: Any, *, subject: Any) -> dict[str, Any] | None:
    if not scope.has_perm_at(user, nodes.PROPOSE_PERMISSION, subject.division_id):
        return None
    if Transfer.objects.filter(subject=subject, status__in=OPEN_STATUSES).exists():
        return None
    return {"subject": subject}


def subject_transfers(user: Any, *, subject: Any) -> dict[str, Any] | None:
    transfers = list(
        Transfer.objects.filter(subject=subject).select_related("division", "to_division").order_by("-created_at")[:20]
    )
    return {"transfers": transfers} if transfers else None


def register() -> None:
    from cases import extensions as case_extensions
    from subjects import extensions as subject_extensions

    _register_steps()  # each side's step is a task in its approvers' lists (no panel of its own)
    panels.register(
        panels.SUBJECT_ACTIONS,
        panels.Panel("propose-transfer", "transfers/panels/subject_button.html", subject_button, order=120),
    )
    panels.register(
        panels.SUBJECT,
        panels.Panel("transfers", "transfers/panels/subject_transfers.html", subject_transfers, order=40),
    )
    subject_extensions.register_history_labels(EVENT_LABELS)
    _register_notifications()
    case_extensions.register_event_labels(EVENT_LABELS)


def _register_notifications() -> None:
    from notifications.events import EventSpec, register_event

    from .actions import DECIDED_EVENT, WAITING_EVENT
    from .sla import ESCALATED_EVENT, OVERDUE_EVENT, words

    register_event(
        WAITING_EVENT,
        EventSpec(
            label=_("A transfer between jurisdictions waits for your approval"),
            title=_("Transfer %(transfer)s waits for you"),
            body=_("Transfer %(transfer)s from %(from)s to %(to)s waits for an approver of your county."),
        ),
    )
    register_event(
        DECIDED_EVENT,
        EventSpec(
            label=_("A transfer you proposed was decided"),
            title=_("Transfer %(transfer)s: %(status)s"),
            body=_("The transfer %(transfer)s you proposed is now: %(status)s."),
        ),
    )
    register_event(
        OVERDUE_EVENT,
        EventSpec(
            label=_("A transfer step of mine is overdue"),
            title=_("Overdue: transfer %(transfer)s"),
            body=_("The step “%(step)s” of transfer %(transfer)s was due on %(due)s and is overdue."),
            email=True,
            format=words,
        ),
    )
    register_event(
        ESCALATED_EVENT,
        EventSpec(
            label=_("An overdue transfer was escalated to me"),
            title=_("Escalated to you: overdue transfer %(transfer)s"),
            body=_(
                "Transfer %(transfer)s from %(from)s to %(to)s has been overdue since %(due)s at the step "
                "“%(step)s” and is escalated to you."
            ),
            email=True,
            format=words,
        ),
    )
