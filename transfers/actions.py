"""Writes of a transfer between jurisdictions: propose, release (the sending side), accept or refuse.

Each action runs in one transaction (``@audited``), locks the transfer (and the person when proposing),
completes its side's step headlessly (``core.steps``: a viewflow task listed in ``/api/v1/tasks/``, the
inbox and the workbench counts of that side's approvers), opens the next side's, and records the event
twice: on the person (their history, at the side where they are on file) and on the transfer at the
other side (so that both counties' audit trails show it). Callers authorise (``transfers.queries``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Actor
from audit.log import audited, record
from benefits.actions import do_change_paying_county
from benefits.models import Entitlement
from cases.actions import do_release_task
from cases.models import OPEN_STATUSES as OPEN_CASE_STATUSES
from cases.models import Case
from cases.sla import due_after, local_date
from core import steps
from core.errors import Conflict
from core.validators import no_invisible_characters
from jurisdictions import scope
from jurisdictions.models import Division
from notifications.outbox import notify
from subjects.actions import do_update_subject
from subjects.models import Provenance, Subject

from . import nodes
from .models import OPEN_STATUSES, CaseChoice, Side, Status, Transfer

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Notification events (texts registered in ``transfers.registrations``).
WAITING_EVENT = "transfer.waiting"  # a side's step reached its approvers
DECIDED_EVENT = "transfer.decided"  # accepted or refused: the proposer is told


def working_days(step: str) -> int:
    """A side's time limit, in working days: ``LAUREL_TRANSFER_SLA_DAYS[step]``, else
    ``LAUREL_TRANSFER_WORKING_DAYS`` (default 10)."""
    default = int(getattr(settings, "LAUREL_TRANSFER_WORKING_DAYS", 10))
    return int(getattr(settings, "LAUREL_TRANSFER_SLA_DAYS", {}).get(step, default))


def parse_month(raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw.replace(day=1)
    match = MONTH_RE.match(str(raw or "").strip())
    if match is None:
        raise ValidationError(
            {"effective_month": _("Give the month the paying county changes as YYYY-MM (for example 2026-03).")}
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def open_cases_of(subject: Subject) -> list[Case]:
    return list(Case.objects.filter(subject=subject, status__in=OPEN_CASE_STATUSES).order_by("created_at", "id"))


def _case_choices(subject: Subject, given: dict[str, Any] | None) -> dict[str, str]:
    """Every open case of the person with the sending county's choice (by case number or id; default: stays)."""
    cases = open_cases_of(subject)
    by_key = {c.number: c for c in cases} | {str(c.pk): c for c in cases}
    choices = {str(c.pk): CaseChoice.STAY.value for c in cases}
    for key, choice in (given or {}).items():
        case = by_key.get(str(key))
        if case is None:
            raise ValidationError(
                {"cases": _("Case %(case)s is not an open case of this person.") % {"case": str(key)[:40]}}
            )
        if choice not in CaseChoice.values:
            raise ValidationError(
                {
                    "cases": _("Case %(case)s: choose whether it finishes where it is or moves with the file.")
                    % {"case": case.number}
                }
            )
        choices[str(case.pk)] = choice
    return choices


def _destination(subject: Subject, to: Any) -> Division:
    code = str(to or "").strip()
    if not code:
        raise ValidationError({"to": _("Give the division code of the destination county.")})
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ValidationError({"to": _("There is no division with code %(code)s.") % {"code": code[:12]}})
    if len(code) not in (6, 9):
        raise ValidationError(
            {
                "to": _("%(name)s is not a county or a township: give the destination county's six-digit code.")
                % {"name": division.name}
            }
        )
    if code[:6] == subject.county_code:
        raise ValidationError(
            {"to": _("The person is already on file in this county: a transfer goes to another county.")}
        )
    return division


def _reason(raw: Any, field: str, message: str) -> str:
    text = str(raw or "").strip()
    if not text:
        raise ValidationError({field: message})
    try:
        no_invisible_characters(text)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return text[:2000]


def _events(transfer: Transfer, event: str, *, actor: Actor | None, **data: Any) -> None:
    """The event on the person (their history, where they are on file) and on the transfer at the other side."""
    facts = {
        "transfer": transfer.number,
        "from": transfer.division_id,
        "to": transfer.to_division_id,
        "effective_month": f"{transfer.effective_month:%Y-%m}",
        **data,
    }
    subject = Subject.objects.get(pk=transfer.subject_id)
    record(event_type=f"transfer.{event}", actor=actor, obj=subject, data=facts)
    other = transfer.to_division_id if subject.county_code == transfer.county_code else transfer.division_id
    record(
        event_type=f"transfer.{event}",
        actor=actor,
        object_type="transfers.transfer",
        object_id=str(transfer.pk),
        division_code=other,
        data=facts,
    )


def _announce_step(transfer: Transfer, node: str, *, actor: Actor | None) -> None:
    """Tell the approvers of the side whose turn it is (in the outbox, with this transaction)."""
    code = transfer.division_id if node == nodes.RELEASE else transfer.to_division_id
    recipients = [
        u for u in scope.users_with_perm_at(nodes.PERMISSIONS[node], code) if u.pk != getattr(actor, "pk", None)
    ]
    notify(
        event=WAITING_EVENT,
        recipients=recipients,
        context={"transfer": transfer.number, "from": transfer.division.name, "to": transfer.to_division.name},
        dedupe_key=f"{WAITING_EVENT}:{transfer.pk}:{node}",
        division_code=code,
        link=f"/transfers/{transfer.pk}/",
    )


def _announce_decision(transfer: Transfer) -> None:
    notify(
        event=DECIDED_EVENT,
        recipients=[transfer.proposed_by],
        context={"transfer": transfer.number, "status": str(Status(transfer.status).label)},
        dedupe_key=f"{DECIDED_EVENT}:{transfer.pk}",
        division_code=transfer.division_id,
        link=f"/transfers/{transfer.pk}/",
    )


def _lock(transfer: Transfer) -> Transfer:
    return Transfer.objects.select_for_update().select_related("to_division", "division").get(pk=transfer.pk)


def step_params(transfer: Transfer) -> dict[str, Any]:
    """What a side's step shows in the task lists (``core.steps`` title): no personal details."""
    return {"transfer": transfer.number, "from": transfer.division.name, "to": transfer.to_division.name}


def _open_step(transfer: Transfer, node: str) -> None:
    """The side's step (``core.steps``): listed for that side's approvers, due with the transfer."""
    code = transfer.division_id if node == nodes.RELEASE else transfer.to_division_id
    due = local_date(transfer.due_at) if transfer.due_at else None
    steps.open_step(node, transfer, division=code, due=due, params=step_params(transfer))


def _run(transfer: Transfer, node: str, actor: Actor) -> None:
    """Complete the side's open step headlessly (the transfer's status, saved first, is authoritative)."""
    if steps.close_step(transfer, node, actor=actor) == 0:
        raise Conflict(_("This step of the transfer is not open."), current_status=transfer.status)


def _require_status(transfer: Transfer, *statuses: str) -> None:
    if transfer.status not in statuses:
        raise Conflict(
            _("The transfer is “%(status)s”: this cannot be done now.") % {"status": Status(transfer.status).label},
            current_status=transfer.status,
        )


@audited
def do_propose_transfer(
    subject: Subject,
    *,
    to: Any,
    reason: Any,
    effective_month: Any,
    actor: Actor,
    cases: dict[str, Any] | None = None,
) -> Transfer:
    """The sending county proposes to move the person's file to ``to`` (a county or a township code).

    400 (nothing changed): an unknown division, one that is not a county or a township, the person's
    own county, no reason, a malformed month or one before this month, a second open transfer.
    """
    locked = Subject.objects.select_for_update().get(pk=subject.pk)
    errors: dict[str, Any] = {}
    division: Division | None = None
    month: dt.date | None = None
    text = ""
    choices: dict[str, str] = {}
    try:
        division = _destination(locked, to)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        text = _reason(reason, "reason", _("Give the reason for the transfer (e.g. the new hukou)."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        month = parse_month(effective_month)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        choices = _case_choices(locked, cases)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if month is not None and month < timezone.localdate().replace(day=1):
        errors["effective_month"] = [_("The paying county cannot change in a month that has passed.")]
    if errors:
        raise ValidationError(errors)
    assert division is not None and month is not None
    existing = Transfer.objects.filter(subject=locked, status__in=OPEN_STATUSES).first()
    if existing is not None:
        raise ValidationError(
            {
                "subject": _(
                    "This person already has an open transfer (%(number)s): it must be accepted or refused first."
                )
                % {"number": existing.number}
            }
        )
    transfer = Transfer(
        subject=locked,
        division_id=locked.division_id,
        to_division=division,
        reason=text,
        effective_month=month,
        case_choices=choices,
        proposed_by_id=getattr(actor, "pk", None),
        due_at=due_after(timezone.now(), working_days(nodes.RELEASE)),
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ValidationError(
            {"subject": _("This person already has an open transfer: it must be accepted or refused first.")}
        ) from None
    _open_step(transfer, nodes.RELEASE)
    _events(transfer, "proposed", actor=actor, reason=text)
    _announce_step(transfer, nodes.RELEASE, actor=actor)
    return transfer


@audited
def do_release_transfer(transfer: Transfer, *, actor: Actor, cases: dict[str, Any] | None = None) -> Transfer:
    """The sending county's approver lets the file go (``cases``: change the choices made at the proposal)."""
    locked = _lock(transfer)
    _require_status(locked, Status.PROPOSED)
    if cases:
        choices = dict(locked.case_choices)
        choices.update(_case_choices(locked.subject, cases))
        locked.case_choices = {k: v for k, v in choices.items() if k in _case_choices(locked.subject, None)}
    locked.release()
    locked.released_by_id = getattr(actor, "pk", None)
    locked.released_at = timezone.now()
    locked.due_at = due_after(locked.released_at, working_days(nodes.ACCEPT))
    locked.escalated_at = None  # the receiving side's step has its own clock and escalation
    locked.save()
    _run(locked, nodes.RELEASE, actor)
    _open_step(locked, nodes.ACCEPT)
    _events(locked, "released", actor=actor)
    _announce_step(locked, nodes.ACCEPT, actor=actor)
    return locked


@audited
def do_refuse_transfer(transfer: Transfer, *, actor: Actor, reasons: Any) -> Transfer:
    """Either side refuses, whichever's turn it is (reasons required); nothing moves."""
    text = _reason(reasons, "reasons", _("Give the reasons for the refusal."))
    locked = _lock(transfer)
    _require_status(locked, *OPEN_STATUSES)
    side, node = (Side.OUT, nodes.RELEASE) if locked.status == Status.PROPOSED else (Side.IN, nodes.ACCEPT)
    locked.refuse()
    locked.refused_by_side = side
    locked.refusal_reasons = text
    locked.decided_by_id = getattr(actor, "pk", None)
    locked.decided_at = timezone.now()
    locked.due_at = None
    locked.save()
    _run(locked, node, actor)
    _events(locked, "refused", actor=actor, side=side.value, reasons=text)
    _announce_decision(locked)
    return locked


@audited
def do_accept_transfer(transfer: Transfer, *, actor: Actor) -> Transfer:
    """The receiving county takes the person on: the file, the benefits (paying county from the stated
    month) and the open cases chosen to move (each keeps its number) go to the destination."""
    locked = _lock(transfer)
    _require_status(locked, Status.RELEASED)
    locked.accept()
    locked.decided_by_id = getattr(actor, "pk", None)
    locked.decided_at = timezone.now()
    locked.due_at = None
    locked.save()
    _run(locked, nodes.ACCEPT, actor)
    destination = locked.to_division
    do_update_subject(
        locked.subject,
        changes={"division": destination},
        provenance=Provenance.CASEWORKER_ENTRY,
        actor=actor,
        source_ref=locked.number,
    )
    for entitlement in Entitlement.objects.filter(subject_id=locked.subject_id).order_by("id"):
        do_change_paying_county(
            entitlement, to=destination, month=locked.effective_month, actor=actor, source_ref=locked.number
        )
    moved = []
    for case_id, choice in sorted(locked.case_choices.items()):
        if choice == CaseChoice.MOVE:
            case = Case.objects.filter(pk=int(case_id), status__in=OPEN_CASE_STATUSES).first()
            if case is not None:
                moved.append(_move_case(case, destination, locked, actor))
    _events(locked, "accepted", actor=actor, cases_moved=moved)
    _announce_decision(locked)
    return locked


def _move_case(case: Case, destination: Division, transfer: Transfer, actor: Actor) -> str:
    """An open case moves with the file: same number, the destination's queues (claimed tasks released)."""
    for task in Task.objects.filter(process_id=case.process_id, status=STATUS.ASSIGNED) if case.process_id else []:
        do_release_task(task, actor=actor)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    old = locked.division_id
    locked.division = destination
    locked.save()
    data = {"transfer": transfer.number, "from": old, "to": destination.code}
    record(event_type="transfer.case_moved", actor=actor, obj=locked, data=data)
    record(
        event_type="transfer.case_moved",
        actor=actor,
        object_type="transfers.transfer",
        object_id=str(transfer.pk),
        division_code=old,
        data={"case": locked.number, **data},
    )
    return locked.number
