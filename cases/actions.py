"""Every write to a case goes through here.

Each action runs in one transaction, locks the case row first (``select_for_update``; the
one serialisation point for a case, taken before viewflow's own process lock), applies a
model-local FSM transition, writes the audit event, and drives the viewflow task if the
action completes one. A lost race surfaces as ``core.errors.Conflict`` or django-fsm's
``TransitionNotAllowed``/``ConcurrentTransition`` (both answered with 409 by the API and
the pages) and rolls everything back. Actions trust their caller: authorisation happens
at the entry point (``cases.queries.access_*`` and ``cases.policy.require_may_act``).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.log import record
from core.errors import Conflict
from jurisdictions.models import Department
from letters.actions import do_request_letter
from notifications.case_events import notify_case_decided, notify_case_returned, notify_new_tasks, notify_task_assigned

from . import policy, sla
from .models import (
    OPEN_STATUSES,
    Attachment,
    BenefitChange,
    CalendarDay,
    Case,
    CaseCounter,
    Kind,
    SlaRule,
    Status,
    VerificationResult,
    VerificationResultChoice,
)
from .signals import case_applied

ACTIVE_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


class DuplicateCase(Exception):
    """The subject already has an open case of the same kind; the caller must link or continue."""

    def __init__(self, open_cases: list[Case]) -> None:
        super().__init__(_("This person already has an open case of this kind."))
        self.open_cases = open_cases


# --- helpers ----------------------------------------------------------------------------------


def _lock(case: Case | int) -> Case:
    pk = case if isinstance(case, int) else case.pk
    return Case.objects.select_for_update().select_related("subject").get(pk=pk)


def _node(task: Task) -> str:
    return task.flow_task.name


def _transition_event(case: Case, *, actor: Any, old: str, reason: str = "", task: Task | None = None, **extra: Any):
    data = {"from": old, "to": case.status, "reason": reason, "task": _node(task) if task else "", **extra}
    data.setdefault("evidence", "")
    return record(event_type="case.transition", actor=actor, obj=case, data=data)


def _fresh_task(task: Task, case: Case, expected_nodes: Iterable[str]) -> Task:
    """The task re-read under the case lock; 409 when it was completed or cancelled meanwhile."""
    task = Task.objects.select_related("process").get(pk=task.pk)
    if task.process_id != case.process_id or _node(task) not in set(expected_nodes):
        raise Conflict(_("This task does not belong to this step of the case."), current_status=case.status)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise Conflict(_("This task has already been completed or cancelled."), current_status=case.status)
    return task


def _run_task(task: Task, actor: Any) -> None:
    """Complete a human task headlessly and let the flow move on (STACK-NOTES: no permission checks here)."""
    with task.activation() as activation:
        if activation.task.status == STATUS.NEW:
            activation.assign(actor)
        activation.start(None)
        activation.execute()


def _require_owner_or_free(task: Task, actor: Any, case: Case) -> None:
    if task.owner_id is not None and task.owner_id != actor.pk:
        raise Conflict(_("Someone else has claimed this task."), current_status=case.status)


def _enter_stage(case: Case, stage: str, *, now: datetime.datetime, days: int | None = None) -> None:
    case.stage_started_at = now
    case.paused_at = None
    case.escalated_at = None
    case.due_at = sla.due_after(now, days if days is not None else sla.stage_days(case.kind, stage))


def number_case(county_code: str, year: int) -> str:
    """The next gap-free case number for a county and year (call inside the filing transaction)."""
    counter = CaseCounter.objects.select_for_update().filter(county_code=county_code, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(county_code=county_code, year=year, last=0)
        except IntegrityError:
            pass  # created concurrently: lock theirs
        counter = CaseCounter.objects.select_for_update().get(county_code=county_code, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{county_code}-{year}-{counter.last:06d}"


def open_cases_like(subject: Any, kind: str) -> list[Case]:
    return list(Case.objects.filter(subject=subject, kind=kind, status__in=OPEN_STATUSES).order_by("created_at"))


def correctable_fields() -> set[str]:
    """Fields of a person's record that a data-correction case may change (the ID number included)."""
    from subjects.models import Subject

    excluded = {"id", "division", "province_code", "city_code", "county_code", "provenance", "photo"}
    names = {f.name for f in Subject._meta.concrete_fields if f.editable and f.name not in excluded}
    return names | {"id_number", "division"}


def validate_kind_fields(kind: str, fields: dict[str, Any]) -> None:
    """Kind-specific rules for filing; raises ValidationError with a message per field."""
    errors: dict[str, str] = {}
    if kind == Kind.BENEFIT_CLAIM:
        if not fields.get("benefit_type"):
            errors["benefit_type"] = _("Say which benefit is claimed.")
        change = fields.get("benefit_change")
        if change not in BenefitChange.values:
            errors["benefit_change"] = _("Say whether the benefit is to be granted or ended.")
        elif change == BenefitChange.ADD:
            amount = fields.get("benefit_amount")
            if amount is None or decimal.Decimal(str(amount)) < 0:
                errors["benefit_amount"] = _("Give the monthly amount claimed (0 or more).")
        elif change == BenefitChange.END and not fields.get("benefit_id"):
            errors["benefit_id"] = _("Say which of the person's benefits is to end.")
    elif kind == Kind.DATA_CORRECTION:
        corrections = fields.get("corrections")
        if not isinstance(corrections, dict) or not corrections:
            errors["corrections"] = _("List the fields to correct with their proposed values.")
        else:
            unknown = sorted(set(corrections) - correctable_fields())
            if unknown:
                errors["corrections"] = _("These are not fields of a person's record: %(fields)s") % {
                    "fields": ", ".join(unknown)
                }
        if not fields.get("evidence"):
            errors["evidence"] = _("Describe the evidence for the correction.")
    elif kind == Kind.RECONSIDERATION:
        contested = fields.get("contested_case")
        if contested is None:
            errors["contested_case"] = _("Say which decided case is contested.")
        elif contested.status not in (Status.CLOSED, Status.REJECTED, Status.APPLIED):
            errors["contested_case"] = _("Only a decided case can be contested.")
    elif kind != Kind.GRIEVANCE:
        errors["kind"] = _("Unknown kind of case.")
    if errors:
        raise ValidationError(errors)


# --- filing -----------------------------------------------------------------------------------


KIND_FIELDS = (
    "benefit_type",
    "benefit_change",
    "benefit_amount",
    "benefit_start",
    "benefit_id",
    "corrections",
    "evidence",
    "contested_case",
)


@transaction.atomic
def do_file_case(
    subject: Any,
    *,
    kind: str,
    title: str,
    actor: Any,
    description: str = "",
    channel: str = "walk_in",
    departments: Iterable[str] = (),
    agent_name: str = "",
    agent_relation: str = "",
    agent_contact: str = "",
    duplicate_action: str = "",
    related_case: Case | None = None,
    **kind_fields: Any,
) -> Case:
    """File a case for ``subject`` and start its process (intake review by a caseworker).

    ``duplicate_action``: when the subject has an open case of the same kind, ``""`` raises
    :class:`DuplicateCase`; ``"link"`` links the new case to the open one; ``"continue"`` files
    it unlinked.
    """
    unknown = set(kind_fields) - set(KIND_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    departments = list(dict.fromkeys(departments))
    bad = [d for d in departments if d not in Department.values]
    if bad:
        raise ValidationError({"departments": _("Unknown department: %(codes)s") % {"codes": ", ".join(bad)}})
    if not title.strip():
        raise ValidationError({"title": _("Give the case a title.")})
    validate_kind_fields(kind, kind_fields)
    contested = kind_fields.get("contested_case")
    if kind == Kind.RECONSIDERATION and contested is not None:
        if contested.subject_id != subject.pk:
            raise ValidationError({"contested_case": _("The contested case is about another person.")})
        # A reconsideration asks again for what the contested case asked for.
        for field in ("benefit_type", "benefit_change", "benefit_amount", "benefit_start", "benefit_id"):
            kind_fields.setdefault(field, getattr(contested, field))
        kind_fields.setdefault("corrections", contested.corrections)
    duplicates = open_cases_like(subject, kind)
    if duplicates and duplicate_action not in ("link", "continue"):
        raise DuplicateCase(duplicates)
    if duplicates and duplicate_action == "link" and related_case is None:
        related_case = duplicates[0]

    division_id = subject.division_id
    county_code = division_id[:6]
    if len(county_code) < 6:
        raise ValidationError(
            {"subject": _("The person is not registered in a county, so no case number can be given.")}
        )
    now = timezone.now()
    case = Case(
        division_id=division_id,
        number=number_case(county_code, timezone.localtime(now).year),
        kind=kind,
        subject=subject,
        title=title.strip(),
        description=description,
        channel=channel,
        departments=departments,
        filed_by=actor,
        agent_name=agent_name,
        agent_relation=agent_relation,
        agent_contact=agent_contact,
        related_case=related_case,
        **{k: v for k, v in kind_fields.items() if v is not None},
    )
    _enter_stage(case, Status.SUBMITTED, now=now)
    case.save()
    record(
        event_type="case.filed",
        actor=actor,
        obj=case,
        data={
            "number": case.number,
            "kind": kind,
            "departments": departments,
            "channel": channel,
            "on_behalf": bool(agent_name),
            "linked_to": related_case.number if related_case else "",
        },
    )
    from workflows.flows import CaseFlow  # cases starts its process here, and only here

    process = CaseFlow.start.run(case=case)
    Case.objects.filter(pk=case.pk).update(process=process)
    case.process = process
    notify_new_tasks(case, actor=actor)
    return case


# --- tasks ----------------------------------------------------------------------------------


@transaction.atomic
def do_review_intake(task: Task, *, actor: Any, departments: Iterable[str] | None = None, note: str = "") -> Case:
    """The caseworker's intake review: the departments to ask are settled and verification starts."""
    case = _lock(task.process.case.pk)
    task = _fresh_task(task, case, ["intake"])
    _require_owner_or_free(task, actor, case)
    if departments is not None:
        departments = list(dict.fromkeys(departments))
        bad = [d for d in departments if d not in Department.values]
        if bad:
            raise ValidationError({"departments": _("Unknown department: %(codes)s") % {"codes": ", ".join(bad)}})
        case.departments = departments
    old = case.status
    case.start_verification()
    _enter_stage(case, Status.VERIFYING, now=timezone.now())
    case.save()
    _transition_event(case, actor=actor, old=old, reason=note, task=task, departments=case.departments)
    _run_task(task, actor)
    case.refresh_from_db()
    do_request_letter(case, kind="acknowledgement", actor=actor)  # 受理通知书: the intake review passed
    notify_new_tasks(case, actor=actor)
    return case


@transaction.atomic
def do_record_verification(
    task: Task, *, actor: Any, result: str, note: str = "", evidence: str = ""
) -> VerificationResult:
    """A department liaison's answer: confirmed, disputed or not found, with a note and evidence."""
    case = _lock(task.process.case.pk)
    node = _node(task)
    task = _fresh_task(task, case, [f"verify_{d}" for d in Department.values])
    _require_owner_or_free(task, actor, case)
    if case.status != Status.VERIFYING:
        raise TransitionNotAllowed(_("The case is not being verified."), object=case, method=None)
    if result not in VerificationResultChoice.values:
        raise ValidationError({"result": _("Choose confirmed, disputed or not found.")})
    if result != VerificationResultChoice.CONFIRMED and not note.strip():
        raise ValidationError({"note": _("Explain a disputed or not-found result in the note.")})
    department = node.removeprefix("verify_")
    verification = VerificationResult.objects.create(
        case=case,
        round=case.verification_round,
        department=department,
        result=result,
        note=note,
        evidence=evidence,
        verified_by=actor,
    )
    record(
        event_type="case.verified",
        actor=actor,
        obj=case,
        data={"department": department, "result": result, "note": note, "evidence": evidence, "task": node},
    )
    _run_task(task, actor)  # the last one through the join concludes the verification
    notify_new_tasks(case, actor=actor)  # the approval or correction task, once the join concluded
    return verification


@transaction.atomic
def do_conclude_verification(case: Case) -> Case:
    """After the join (flow node): all confirmed → pending approval; any dispute → back to the caseworker."""
    case = _lock(case)
    old = case.status
    results = VerificationResult.objects.filter(case=case, round=case.verification_round)
    problems = [r for r in results if r.result != VerificationResultChoice.CONFIRMED]
    now = timezone.now()
    if problems:
        case.return_for_correction()
        _pause(case, now)
        reason = "; ".join(f"{r.get_department_display()}: {r.get_result_display()} {r.note}".strip() for r in problems)
    else:
        case.finish_verification()
        _enter_stage(case, Status.PENDING_APPROVAL, now=now)
        reason = ""
    case.save()
    if problems:
        notify_case_returned(case, reason=reason)
    _transition_event(case, actor=None, old=old, reason=reason)
    return case


def _pause(case: Case, now: datetime.datetime) -> None:
    """Returned for correction: the SLA clock stops with the working days that were left."""
    left = None
    if case.due_at is not None:
        left = sla.working_days_between(sla.local_date(now), sla.local_date(case.due_at))
    case.sla_remaining_days = left
    case.paused_at = now


@transaction.atomic
def do_decide(
    task: Task,
    *,
    actor: Any,
    decision: str,
    reasons: str = "",
    legal_basis: str = "",
    partly: bool = False,
    approved_amount: decimal.Decimal | None = None,
) -> Case:
    """The approver's decision: approve (wholly or partly), reject, or return for correction.

    Approval runs the database update and the close in this same transaction.
    """
    case = _lock(task.process.case.pk)
    task = _fresh_task(task, case, ["approve"])
    _require_owner_or_free(task, actor, case)
    found = policy.refusal(actor, case, approving=True)
    if found:
        raise PermissionDenied(found[1])
    if decision not in ("approve", "reject", "return"):
        raise ValidationError({"decision": _("Choose approve, reject or return.")})
    if decision != "approve" and not reasons.strip():
        raise ValidationError({"reasons": _("Give the reasons for rejecting or returning the case.")})
    if partly and not reasons.strip():
        raise ValidationError({"reasons": _("Give the reasons for approving only in part.")})
    old = case.status
    now = timezone.now()
    if decision == "approve":
        case.approve(partly=partly)
        if approved_amount is not None:
            case.approved_amount = approved_amount
    elif decision == "reject":
        case.reject()
    else:
        case.return_for_correction()
        _pause(case, now)
    if decision != "return":
        case.outcome_reasons = reasons
        case.legal_basis = legal_basis
        case.decided_by = actor
        case.decided_at = now
        case.due_at = None
    case.save()
    _transition_event(
        case, actor=actor, old=old, reason=reasons, task=task, decision=decision, legal_basis=legal_basis, partly=partly
    )
    _run_task(task, actor)  # approved: apply + close; rejected: close; returned: correction task
    case.refresh_from_db()
    # No decision without its letter: a failed request rolls the decision back with it.
    if decision == "approve":
        do_request_letter(case, kind="approval", actor=actor)
    elif decision == "reject":
        do_request_letter(case, kind="rejection", actor=actor)
    else:
        do_request_letter(case, kind="correction", actor=actor, details={"reasons": reasons})
    if decision == "return":
        notify_case_returned(case, reason=reasons, actor=actor)
        notify_new_tasks(case, actor=actor)
    else:
        notify_case_decided(case, actor=actor)
    return case


@transaction.atomic
def do_resubmit_case(task: Task, *, actor: Any, note: str = "", departments: Iterable[str] | None = None) -> Case:
    """The caseworker corrected a returned case; verification runs again and the SLA clock resumes."""
    case = _lock(task.process.case.pk)
    task = _fresh_task(task, case, ["correct"])
    _require_owner_or_free(task, actor, case)
    if not note.strip():
        raise ValidationError({"note": _("Say what was corrected.")})
    if departments is not None:
        departments = list(dict.fromkeys(departments))
        bad = [d for d in departments if d not in Department.values]
        if bad:
            raise ValidationError({"departments": _("Unknown department: %(codes)s") % {"codes": ", ".join(bad)}})
        case.departments = departments
    old = case.status
    case.resubmit()
    remaining = case.sla_remaining_days
    _enter_stage(case, Status.VERIFYING, now=timezone.now(), days=remaining)
    case.sla_remaining_days = None
    case.save()
    _transition_event(case, actor=actor, old=old, reason=note, task=task)
    _run_task(task, actor)
    case.refresh_from_db()
    notify_new_tasks(case, actor=actor)
    return case


@transaction.atomic
def do_apply_decision(case: Case, *, actor: Any) -> Case:
    """Apply an approved case to the register (flow node), with provenance "approved case N"."""
    from subjects import actions as subject_actions
    from subjects.models import Benefit

    case = _lock(case)
    old = case.status
    subject = case.subject
    provenance = "approved_case"  # with source_ref = the case number: "approved case N"
    changes: dict[str, Any] = {}
    if case.kind in (Kind.BENEFIT_CLAIM, Kind.RECONSIDERATION) and case.benefit_change:
        if case.benefit_change == BenefitChange.ADD:
            amount = case.approved_amount if case.approved_amount is not None else case.benefit_amount
            benefit = subject_actions.do_add_benefit(
                subject,
                benefit_type=case.benefit_type,
                amount=amount,
                start=case.benefit_start or timezone.localdate(),
                actor=actor,
                provenance=provenance,
                source_ref=case.number,
            )
            changes = {"benefit_added": benefit.pk, "benefit_type": case.benefit_type, "amount": str(amount)}
        else:
            benefit = Benefit.objects.get(pk=int(case.benefit_id or 0), subject=subject)
            subject_actions.do_end_benefit(
                benefit,
                end=case.benefit_start or timezone.localdate(),
                reason=case.outcome_reasons or case.title,
                actor=actor,
                provenance=provenance,
                source_ref=case.number,
            )
            changes = {"benefit_ended": benefit.pk}
    if case.kind in (Kind.DATA_CORRECTION, Kind.RECONSIDERATION) and case.corrections:
        subject_actions.do_update_subject(
            subject, changes=dict(case.corrections), provenance=provenance, actor=actor, source_ref=case.number
        )
        changes["fields"] = sorted(case.corrections)
    case.mark_applied(timezone.now())
    case.save()
    label = _("approved case %(number)s") % {"number": case.number}  # stored as written, in the active language
    _transition_event(case, actor=actor, old=old, reason=label)
    record(event_type="case.applied", actor=actor, obj=case, data={"provenance": label, **changes})
    case_applied.send(sender=Case, case=case, actor=actor)
    return case


@transaction.atomic
def do_close_case(case: Case, *, actor: Any) -> Case:
    """Close an applied or rejected case (flow node)."""
    case = _lock(case)
    old = case.status
    case.close(timezone.now())
    case.due_at = None
    case.save()
    _transition_event(case, actor=actor, old=old)
    return case


@transaction.atomic
def do_withdraw_case(case: Case, *, actor: Any, reason: str) -> Case:
    """Withdraw an undecided case; its open tasks (including parallel verifications) are cancelled."""
    case = _lock(case)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    old = case.status
    case.withdraw(timezone.now())
    case.outcome_reasons = reason
    case.due_at = None
    case.save()
    _transition_event(case, actor=actor, old=old, reason=reason)
    if case.process_id:
        from viewflow.workflow.models import Process

        process = Process.objects.get(pk=case.process_id)
        process.flow_class.instance.cancel(process)
    return case


def do_transition(case: Case, name: str, *, actor: Any, reason: str = "") -> Case:
    """A transition not tied to a task, by name (the API's ``/transitions/{name}/``)."""
    if name == "withdraw":
        return do_withdraw_case(case, actor=actor, reason=reason)
    raise TransitionNotAllowed(_("No such transition."), object=case, method=None)


# --- claiming ---------------------------------------------------------------------------------


def _lock_task(task: Task) -> tuple[Case, Task]:
    case = _lock(task.process.case.pk)
    task = Task.objects.select_related("process").get(pk=task.pk)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise Conflict(_("This task has already been completed or cancelled."), current_status=case.status)
    return case, task


@transaction.atomic
def do_claim_task(task: Task, *, actor: Any) -> Task:
    case, task = _lock_task(task)
    if task.owner_id is not None:
        if task.owner_id == actor.pk:
            return task
        raise Conflict(_("Someone else claimed this task first."), current_status=case.status)
    task.owner = actor
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])
    record(event_type="task.claimed", actor=actor, obj=case, data={"task": task.pk, "node": _node(task)})
    return task


@transaction.atomic
def do_release_task(task: Task, *, actor: Any) -> Task:
    case, task = _lock_task(task)
    if task.owner_id is None:
        raise Conflict(_("This task is not claimed."), current_status=case.status)
    previous = task.owner.username if task.owner else ""
    task.owner = None
    task.status = STATUS.NEW
    task.assigned = None
    task.save(update_fields=["owner", "status", "assigned"])
    record(
        event_type="task.released",
        actor=actor,
        obj=case,
        data={"task": task.pk, "node": _node(task), "owner": previous},
    )
    return task


@transaction.atomic
def do_reassign_task(task: Task, *, actor: Any, to_user: Any) -> Task:
    """A supervisor gives the task to someone (the caller checked they may work on it)."""
    case, task = _lock_task(task)
    previous = task.owner.username if task.owner else ""
    task.owner = to_user
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])
    record(
        event_type="task.reassigned",
        actor=actor,
        obj=case,
        data={"task": task.pk, "node": _node(task), "from": previous, "to": to_user.username},
    )
    notify_task_assigned(task, case=case, to_user=to_user, actor=actor)
    return task


# --- SLA administration and escalation ----------------------------------------------------------


@transaction.atomic
def do_set_sla_rule(*, kind: str, stage: str, working_days: int, actor: Any, warn_days: int = 1) -> SlaRule:
    if working_days < 1:
        raise ValidationError({"working_days": _("A stage needs at least one working day.")})
    rule = SlaRule.objects.select_for_update().filter(kind=kind, stage=stage).first()
    old = rule.working_days if rule else None
    if rule is None:
        rule = SlaRule(kind=kind, stage=stage)
    rule.working_days = working_days
    rule.warn_days = warn_days
    rule.full_clean()
    rule.save()
    record(
        event_type="sla.rule_changed",
        actor=actor,
        obj=rule,
        data={"kind": kind, "stage": stage, "from": old, "to": working_days},
    )
    return rule


@transaction.atomic
def do_set_calendar_day(day: datetime.date, *, is_working: bool, name: str = "", actor: Any) -> CalendarDay:
    """Mark a date as a public holiday (not working) or an adjusted working day (调休)."""
    entry, created = CalendarDay.objects.update_or_create(date=day, defaults={"is_working": is_working, "name": name})
    record(
        event_type="calendar.changed",
        actor=actor,
        obj=entry,
        data={"date": day.isoformat(), "is_working": is_working, "name": name, "created": created},
    )
    return entry


@transaction.atomic
def do_clear_calendar_day(day: datetime.date, *, actor: Any) -> None:
    deleted, _rows = CalendarDay.objects.filter(date=day).delete()
    if deleted:
        record(
            event_type="calendar.changed",
            actor=actor,
            object_type="cases.calendarday",
            object_id=day.isoformat(),
            data={"date": day.isoformat(), "removed": True},
        )


@transaction.atomic
def do_escalate_case(case: Case, *, actor: Any | None, supervisors: list[str]) -> Case:
    """Record that an overdue case was escalated to its jurisdiction's supervisors (notifications: later)."""
    case = _lock(case)
    if case.escalated_at is not None or not case.is_overdue:
        return case
    case.escalated_at = timezone.now()
    case.save(update_fields=["escalated_at"])
    record(
        event_type="case.escalated",
        actor=actor,
        obj=case,
        data={"status": case.status, "due_at": case.due_at.isoformat() if case.due_at else "", "to": supervisors},
    )
    return case


# --- attachments ------------------------------------------------------------------------------

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    """The type a file really is, from its first bytes (never from its name); None if not allowed."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def attachment_path(storage_name: str) -> Any:
    from django.conf import settings

    return settings.LAUREL_ATTACHMENT_DIR / storage_name[:2] / storage_name


@transaction.atomic
def do_add_attachment(case: Case, *, upload: Any, actor: Any) -> Attachment:
    """Store an uploaded document under a random name with its SHA-256 (PDF, JPEG, PNG; size-limited)."""
    import hashlib
    import secrets

    from django.conf import settings

    limit = settings.LAUREL_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"file": _("The file is larger than %(mb).0f MB.") % {"mb": limit / 1024 / 1024}})
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError({"file": _("Only PDF, JPEG and PNG documents can be attached.")})
    case = _lock(case)
    storage_name = secrets.token_hex(24)
    path = attachment_path(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    with open(path, "xb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise ValidationError({"file": _("The file is larger than %(mb).0f MB.") % {"mb": limit / 1024 / 1024}})
            digest.update(chunk)
            out.write(chunk)
    name = (getattr(upload, "name", "") or "document")[-200:]
    attachment = Attachment.objects.create(
        case=case,
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        storage_name=storage_name,
        uploaded_by=actor,
    )
    record(
        event_type="attachment.added",
        actor=actor,
        obj=case,
        data={"attachment": attachment.pk, "name": name, "sha256": attachment.sha256, "size": size},
    )
    return attachment


@transaction.atomic
def do_record_download(attachment: Attachment, *, actor: Any) -> None:
    record(
        event_type="attachment.downloaded",
        actor=actor,
        obj=attachment.case,
        data={"attachment": attachment.pk, "name": attachment.original_name, "sha256": attachment.sha256},
    )
