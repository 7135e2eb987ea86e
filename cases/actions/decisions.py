"""The steps' work: intake review, verification, the approver's decision, correction, and the
automatic nodes after them (conclude verification, apply the decision to the register, close).

:func:`do_complete_task` dispatches a task's decision fields to the action of its step (the
API and the pages both call it).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed
from viewflow.workflow.models import Task

from accounts.models import Actor, require_staff, staff_or_none
from audit.log import audited, record
from core.errors import Conflict
from letters.actions import do_request_letter
from policies.citations import citation_text, do_freeze_citations, validate_citations

from .. import nodes, policy
from ..letters import STATUS_DECISIONS
from ..models import (
    BENEFIT_STATUS_KINDS,
    BenefitChange,
    Case,
    Decision,
    IntakeDecision,
    Kind,
    MissingItem,
    Status,
    VerificationResult,
    VerificationResultChoice,
)
from ..notify import new_tasks, notify_case_decided, notify_case_returned, notify_new_tasks
from ..queries import forget_nav_counts
from ..signals import case_applied
from ._base import (
    clean_departments,
    current,
    enter_stage,
    lock,
    locked_task,
    node_of,
    pause,
    require_owner_or_free,
    run_task,
    transition_event,
)
from .attachments import do_add_attachment
from .filing import STATUS_CHANGE

# How a case's decision is named among the documents that cite the policy base (policies.Citation).
CITING_CASE = "cases.case"


@audited
def do_review_intake(
    task: Task,
    *,
    actor: Actor,
    departments: Iterable[str] | None = None,
    note: str = "",
    locked: Case | None = None,
) -> Case:
    """The caseworker's intake review: the departments to ask are settled and verification starts."""
    case, task = locked_task(task, [nodes.INTAKE], locked=locked)
    require_owner_or_free(task, actor, case)
    if departments is not None:
        case.departments = clean_departments(departments)
    old = case.status
    case.start_verification()
    enter_stage(case, Status.VERIFYING, now=timezone.now())
    case.save()
    transition_event(case, actor=actor, old=old, reason=note, task=task, departments=case.departments)
    with new_tasks() as created:
        run_task(task, actor)
    current(case)
    do_request_letter(case, kind="acknowledgement", actor=actor)  # 受理通知书: the intake review passed
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


def missing_lines(missing: Iterable[str], other: str = "") -> list[str]:
    """The checklist of a return for correction as the letter words it (Chinese), one item a line."""
    with translation.override("zh-hans"):
        lines = [str(MissingItem(code).label) for code in missing]
    lines += [line.strip() for line in other.splitlines() if line.strip()]
    return [f"{n}. {line}" for n, line in enumerate(lines, 1)]


@audited
def do_return_at_intake(
    task: Task,
    *,
    actor: Actor,
    missing: Iterable[str] = (),
    other: str = "",
    days: int | None = None,
    locked: Case | None = None,
) -> Case:
    """Intake review returns the application for correction (补正), with the list of what is missing.

    The SLA clock stops; the caseworker's correction task opens; the 补正通知书 is issued. Once
    corrected (:func:`do_resubmit_case`), the case comes back to intake review.
    """
    case, task = locked_task(task, [nodes.INTAKE], locked=locked)
    require_owner_or_free(task, actor, case)
    missing = list(dict.fromkeys(missing))
    unknown = [code for code in missing if code not in MissingItem.values]
    if unknown:
        raise ValidationError({"missing": _("Unknown item: %(codes)s") % {"codes": ", ".join(unknown)}})
    if not missing and not other.strip():
        raise ValidationError({"missing": _("Tick what is missing, or describe it under other items.")})
    if days is not None and not 1 <= days <= 60:
        raise ValidationError({"days": _("Give between 1 and 60 days to correct.")})
    lines = missing_lines(missing, other)
    old = case.status
    now = timezone.now()
    case.return_for_correction()
    pause(case, now)
    case.save()
    reason = "\n".join(lines)
    transition_event(
        case, actor=actor, old=old, reason=reason, task=task, intake=IntakeDecision.CORRECT, missing=missing
    )
    with new_tasks() as created:
        run_task(task, actor)
    current(case)
    details: dict[str, Any] = {"reasons": reason}
    if days is not None:
        details["days"] = days
    do_request_letter(case, kind="correction", actor=actor, details=details)  # 补正通知书
    notify_case_returned(case, reason=reason, actor=actor)
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


def _freeze(case: Case, articles: list[Any], actor: Actor) -> None:
    """The article versions the decision cites, frozen as it is signed (``policies.Citation``)."""
    if articles:
        do_freeze_citations(
            CITING_CASE,
            case.pk,
            articles,
            on=timezone.localdate(),
            division_code=case.division_id,
            label=case.number,
            actor=actor,
        )


@audited
def do_refuse_intake(
    task: Task,
    *,
    actor: Actor,
    reasons: str,
    legal_basis: str = "",
    locked: Case | None = None,
    citations: Sequence[int] | None = None,
) -> Case:
    """Intake review refuses to accept the application (不予受理), with reasons and legal basis.

    The legal basis is ``citations``: article versions of the policy base
    (``policies.citations.validate_citations``: a repealed one is refused), frozen with the decision;
    ``legal_basis`` free text is kept for older API clients. The case is closed at once and the
    不予受理告知书 is issued (with the person's appeal rights).
    """
    case, task = locked_task(task, [nodes.INTAKE], locked=locked)
    require_owner_or_free(task, actor, case)
    errors = {}
    if not reasons.strip():
        errors["reasons"] = _("Give the reasons for refusing to accept the application.")
    if not citations and not legal_basis.strip():
        errors["citations"] = _("Choose the articles of the policy base this decision rests on.")
    if errors:
        raise ValidationError(errors)
    articles = validate_citations(citations, on=timezone.localdate())
    if articles:
        legal_basis = citation_text(articles)
    old = case.status
    case.refuse()
    case.outcome_reasons = reasons.strip()
    case.legal_basis = legal_basis.strip()
    case.decided_by = staff_or_none(actor)
    case.decided_at = timezone.now()
    case.due_at = None
    case.save()
    transition_event(
        case, actor=actor, old=old, reason=reasons, task=task, intake=IntakeDecision.REFUSE, legal_basis=legal_basis
    )
    run_task(task, actor)  # → closed
    current(case)
    _freeze(case, articles, actor)
    do_request_letter(case, kind="non_acceptance", actor=actor)  # 不予受理告知书
    notify_case_decided(case, actor=actor)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


@audited
def do_record_verification(
    task: Task,
    *,
    actor: Actor,
    result: str,
    note: str = "",
    evidence: str = "",
    reply: Any = None,
    locked: Case | None = None,
) -> VerificationResult:
    """A department liaison's answer: confirmed, disputed or not found, with a note and evidence.

    ``reply``: the department's reply document (an uploaded PDF, JPEG or PNG), stored as an
    attachment of the case linked to this result, so that the approver sees it. ``verification.case``
    is the case as it is afterwards (pending approval or returned when this answer was the last one
    of the round).
    """
    node = node_of(task)
    case, task = locked_task(task, nodes.VERIFY_NODES, locked=locked)
    require_owner_or_free(task, actor, case)
    if case.status != Status.VERIFYING:
        raise TransitionNotAllowed(_("The case is not being verified."), object=case, method=None)
    if result not in VerificationResultChoice.values:
        raise ValidationError({"result": _("Choose confirmed, disputed or not found.")})
    if result != VerificationResultChoice.CONFIRMED and not note.strip():
        raise ValidationError({"note": _("Explain a disputed or not-found result in the note.")})
    department = nodes.department_of(node)
    verification = VerificationResult.objects.create(
        case=case,
        round=case.verification_round,
        department=department,
        result=result,
        note=note,
        evidence=evidence,
        verified_by=require_staff(actor),
    )
    if reply is not None:
        try:
            do_add_attachment(case, upload=reply, actor=actor, verification=verification)
        except ValidationError as exc:
            raise ValidationError({"reply": exc.messages}) from None
    record(
        event_type="case.verified",
        actor=actor,
        obj=case,
        data={"department": department, "result": result, "note": note, "evidence": evidence, "task": node},
    )
    with new_tasks() as created:
        run_task(task, actor)  # the last one through the join concludes the verification
    if any(node_of(t) in (nodes.APPROVE, nodes.CORRECT) for t in created):
        current(case)  # concluded: pending approval, or returned for correction
    notify_new_tasks(case, actor=actor, tasks=created)  # the approval or correction task, once concluded
    forget_nav_counts(getattr(actor, "pk", None))
    return verification


@audited
def do_conclude_verification(case: Case) -> Case:
    """After the join (flow node): all confirmed → pending approval; any dispute → back to the caseworker."""
    case = lock(case)
    old = case.status
    results = VerificationResult.objects.filter(case=case, round=case.verification_round)
    problems = [r for r in results if r.result != VerificationResultChoice.CONFIRMED]
    now = timezone.now()
    if problems:
        case.return_for_correction()
        pause(case, now)
        reason = "; ".join(f"{r.get_department_display()}: {r.get_result_display()} {r.note}".strip() for r in problems)
    else:
        case.finish_verification()
        enter_stage(case, Status.PENDING_APPROVAL, now=now)
        reason = ""
    case.save()
    if problems:
        notify_case_returned(case, reason=reason)
    transition_event(case, actor=None, old=old, reason=reason)
    return case


@audited
def do_decide(
    task: Task,
    *,
    actor: Actor,
    decision: str,
    reasons: str = "",
    legal_basis: str = "",
    partly: bool = False,
    approved_amount: decimal.Decimal | None = None,
    locked: Case | None = None,
    findings: str = "",
    effective_on: datetime.date | None = None,
    retroactive_reason: str = "",
    citations: Sequence[int] | None = None,
) -> Case:
    """The approver's decision: approve (wholly or partly), reject, or return for correction.

    ``citations``: the article versions of the policy base the decision rests on (its legal basis,
    ``policies.citations.validate_citations``: a repealed one is refused), frozen with it; the free
    text ``legal_basis`` is kept for older API clients and for old cases.

    ``findings`` (经查明) are the facts as the bureau established them, in its own words; the
    letter prints them (the pages require them for an approval or a rejection; an API client
    that sends none gets a letter without that paragraph). ``effective_on``: the day the
    approval takes effect (default: the requested start, else the decision date); a day before
    the decision date needs ``retroactive_reason`` (补发 from a stated month), else a field error.
    Approval runs the database update and the close in this same transaction.
    """
    case, task = locked_task(task, list(nodes.APPROVAL_NODES), locked=locked)
    node = node_of(task)
    at_province = node in nodes.PROVINCE_NODES
    require_owner_or_free(task, actor, case)
    found = policy.refusal(actor, case, approving=True, province_step=at_province)
    if found:
        raise PermissionDenied(found[1])
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose approve, reject or return.")})
    if at_province and effective_on is None and case.effective_on is not None:
        # The date the county approved from, unless the province changes it.
        effective_on = case.effective_on
        retroactive_reason = retroactive_reason or case.retroactive_reason
    if at_province and not findings.strip():
        findings = case.findings  # the facts as the county established them, unless the province restates them
    if not at_province and decision == Decision.APPROVE and province_decides(case):
        return _forward_to_province(
            case,
            task,
            actor=actor,
            reasons=reasons,
            findings=findings,
            effective_on=effective_on,
            retroactive_reason=retroactive_reason,
        )
    if decision != Decision.APPROVE and not reasons.strip():
        raise ValidationError({"reasons": _("Give the reasons for rejecting or returning the case.")})
    if partly and not reasons.strip():
        raise ValidationError({"reasons": _("Give the reasons for approving only in part.")})
    articles = validate_citations(citations, on=timezone.localdate()) if decision != Decision.RETURN else []
    if articles:
        legal_basis = citation_text(articles)
    now = timezone.now()
    if decision == Decision.APPROVE:
        case.effective_on = effective_date(case, effective_on, retroactive_reason, decided_on=timezone.localdate())
        case.retroactive_reason = (
            (retroactive_reason.strip() or case.title) if case.effective_on < timezone.localdate() else ""
        )
    old = case.status
    if decision == Decision.APPROVE:
        case.approve(partly=partly)
        if approved_amount is not None:
            case.approved_amount = approved_amount
    elif decision == Decision.REJECT:
        case.reject()
    else:
        case.return_for_correction()
        pause(case, now)
        # Corrected, it is approved at the county again before the province sees it.
        case.county_approved_by = None
        case.county_approved_at = None
    if decision != Decision.RETURN:
        case.outcome_reasons = reasons
        case.legal_basis = legal_basis
        case.findings = findings.strip()
        case.decided_by = staff_or_none(actor)
        case.decided_at = now
        case.due_at = None
    case.save()
    transition_event(
        case,
        actor=actor,
        old=old,
        reason=reasons,
        task=task,
        decision=decision,
        legal_basis=legal_basis,
        partly=partly,
        findings=case.findings,
        effective_on=case.effective_on,
        retroactive_reason=case.retroactive_reason,
    )
    with new_tasks() as created:
        run_task(task, actor)  # approved: apply + close; rejected: close; returned: correction task
    current(case)
    if decision != Decision.RETURN:
        _freeze(case, articles, actor)
    # No decision without its letter: a failed request rolls the decision back with it.
    if decision == Decision.APPROVE:
        do_request_letter(case, kind=STATUS_DECISIONS.get(case.kind, "approval"), actor=actor)
    elif decision == Decision.REJECT:
        do_request_letter(case, kind="rejection", actor=actor)
    else:
        do_request_letter(case, kind="correction", actor=actor, details={"reasons": reasons})
    if decision == Decision.RETURN:
        notify_case_returned(case, reason=reasons, actor=actor)
        notify_new_tasks(case, actor=actor, tasks=created)
    else:
        notify_case_decided(case, actor=actor)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


def province_decides(case: Case) -> bool:
    """Whether the province approves ``case`` after the county (Art. 59: ``benefits.changes``)."""
    if case.kind not in BENEFIT_STATUS_KINDS:
        return False
    from benefits import changes
    from benefits.models import Entitlement

    change = STATUS_CHANGE[case.kind]
    if change == changes.CANCEL:
        return True
    entitlement = Entitlement.objects.filter(benefit_id=case.benefit_id or 0, subject_id=case.subject_id).first()
    if entitlement is None:
        return change == changes.SUSPEND and case.benefit_reason in changes.PROVINCE_SUSPEND_REASONS
    return changes.decided_by_province(change, case.benefit_reason, entitlement)


def _forward_to_province(
    case: Case,
    task: Task,
    *,
    actor: Actor,
    reasons: str,
    findings: str,
    effective_on: datetime.date | None,
    retroactive_reason: str,
) -> Case:
    """The county approves a case the province decides: the case stays pending approval, now at the
    province (a new approval task for an approver of the province), with the county's findings and date."""
    today = timezone.localdate()
    case.effective_on = effective_date(case, effective_on, retroactive_reason, decided_on=today)
    case.retroactive_reason = (retroactive_reason.strip() or case.title) if case.effective_on < today else ""
    case.findings = findings.strip()
    case.outcome_reasons = reasons
    case.county_approved_by = staff_or_none(actor)
    case.county_approved_at = timezone.now()
    enter_stage(case, Status.PENDING_APPROVAL, now=timezone.now())
    case.save()
    record(
        event_type="case.county_approved",
        actor=actor,
        obj=case,
        reason=reasons,
        data={"task": node_of(task), "findings": case.findings, "effective_on": case.effective_on.isoformat()},
    )
    with new_tasks() as created:
        run_task(task, actor)  # → the province's approval task
    current(case)
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


def effective_date(
    case: Case, effective_on: datetime.date | None, retroactive_reason: str, *, decided_on: datetime.date
) -> datetime.date:
    """The day an approval takes effect: never before the decision date unless the decision says why.

    Not given: the requested start, but not before the decision date without a stated reason
    (a benefit granted from then on) — except the end of a benefit, which stops from the day the
    person ceased to qualify (a death recorded by the cross-check): its reason is the case's own
    grounds (the case's title). Given before the decision date without a reason:
    a field error.
    """
    effective = effective_on or case.benefit_start or decided_on
    if effective < decided_on and not retroactive_reason.strip():
        if effective_on is None:
            ends = case.benefit_change == BenefitChange.END or case.kind in STOPPING_KINDS
            return effective if ends else decided_on
        raise ValidationError(
            {
                "effective_on": _(
                    "The effective date (%(date)s) is before the decision date (%(today)s): give the reason "
                    "for the retroactive start, or choose a date from the decision date on."
                )
                % {"date": effective.isoformat(), "today": decided_on.isoformat()}
            }
        )
    return effective


# Kinds that stop payment from the day the person ceased to qualify (like the end of a benefit).
STOPPING_KINDS = (Kind.BENEFIT_SUSPENSION, Kind.BENEFIT_CANCELLATION)


@audited
def do_resubmit_case(
    task: Task,
    *,
    actor: Actor,
    note: str = "",
    departments: Iterable[str] | None = None,
    locked: Case | None = None,
) -> Case:
    """The caseworker corrected a returned case and the SLA clock resumes.

    Returned at intake review: intake review again; otherwise verification runs again.
    """
    case, task = locked_task(task, [nodes.CORRECT], locked=locked)
    require_owner_or_free(task, actor, case)
    if not note.strip():
        raise ValidationError({"note": _("Say what was corrected.")})
    if departments is not None:
        case.departments = clean_departments(departments)
    old = case.status
    if case.returned_at_intake:
        case.resubmit_for_intake()  # back to intake review, which found something missing
    else:
        case.resubmit()
    remaining = case.sla_remaining_days
    enter_stage(case, case.status, now=timezone.now(), days=remaining)
    case.sla_remaining_days = None
    case.save()
    transition_event(case, actor=actor, old=old, reason=note, task=task)
    with new_tasks() as created:
        run_task(task, actor)
    current(case)
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


@audited
def do_apply_decision(case: Case, *, actor: Actor) -> Case:
    """Apply an approved case to the register (flow node), with provenance "approved case N"."""
    from benefits import actions as benefit_actions
    from benefits.rules import PERIODIC_TYPES
    from subjects import actions as subject_actions
    from subjects.models import Benefit, BenefitStatus

    case = lock(case)
    old = case.status
    subject = case.subject
    provenance = "approved_case"  # with source_ref = the case number: "approved case N"
    changes: dict[str, Any] = {}
    if case.kind in (Kind.BENEFIT_CLAIM, Kind.RECONSIDERATION) and case.benefit_change:
        if case.benefit_change == BenefitChange.ADD and case.benefit_type in PERIODIC_TYPES:
            # Paid by veterans' affairs: the amount is computed by rule (benefits.rules); the
            # claimed amount stays on the case, and the decision shows the difference.
            entitlement = benefit_actions.do_award_benefit(
                subject,
                benefit_type=case.benefit_type,
                approved_on=timezone.localdate(case.decided_at or timezone.now()),
                confirmed_on=case.effective_on,
                actor=actor,
                source_ref=case.number,
            )
            changes = {
                "benefit_added": entitlement.benefit_id,
                "benefit_type": case.benefit_type,
                "amount": str(entitlement.monthly_amount),
                "claimed": str(case.benefit_amount) if case.benefit_amount is not None else "",
                "standard": entitlement.standard_id,
                "article": entitlement.standard.article,
            }
        elif case.benefit_change == BenefitChange.ADD:
            amount = case.approved_amount if case.approved_amount is not None else case.benefit_amount
            benefit = subject_actions.do_add_benefit(
                subject,
                benefit_type=case.benefit_type,
                amount=amount,
                start=case.effective_on or case.benefit_start or timezone.localdate(),
                actor=actor,
                provenance=provenance,
                source_ref=case.number,
            )
            changes = {"benefit_added": benefit.pk, "benefit_type": case.benefit_type, "amount": str(amount)}
        else:
            ending = Benefit.objects.filter(pk=int(case.benefit_id or 0), subject=subject).first()
            if ending is None or ending.status != BenefitStatus.ACTIVE:
                raise Conflict(
                    _(
                        "The benefit this case ends is no longer one of the person's benefits being paid. "
                        "Return or reject the case instead."
                    )
                )
            subject_actions.do_end_benefit(
                ending,
                end=case.effective_on or case.benefit_start or timezone.localdate(),
                reason=case.outcome_reasons or case.title,
                actor=actor,
                provenance=provenance,
                source_ref=case.number,
            )
            benefit_actions.do_end_with_register(
                ending,
                last_day=case.effective_on or case.benefit_start or timezone.localdate(),
                actor=actor,
                source_ref=case.number,
            )
            changes = {"benefit_ended": ending.pk}
    if case.kind in BENEFIT_STATUS_KINDS:
        try:
            entitlement = benefit_actions.do_apply_status_change(
                subject,
                benefit_id=case.benefit_id,
                change=STATUS_CHANGE[case.kind],
                reason=case.benefit_reason,
                actor=actor,
                effective_on=case.effective_on,
                note=case.findings or case.outcome_reasons or case.title,
                source_ref=case.number,
            )
        except ValidationError as exc:
            raise Conflict(
                _("The benefit is no longer in a state this case can change (%(why)s). Return or reject the case.")
                % {"why": "; ".join(exc.messages)},
                current_status=case.status,
            ) from None
        changes = {"benefit": case.benefit_id, "benefit_status": entitlement.status}
    if case.kind == Kind.RECOVERY:
        changes = _apply_recovery(case, actor=actor)
    if case.kind in (Kind.DATA_CORRECTION, Kind.RECONSIDERATION) and case.corrections:
        subject_actions.do_update_subject(
            subject, changes=dict(case.corrections), provenance=provenance, actor=actor, source_ref=case.number
        )
        changes["fields"] = sorted(case.corrections)
    case.mark_applied(timezone.now())
    case.save()
    label = _("approved case %(number)s") % {"number": case.number}  # stored as written, in the active language
    transition_event(case, actor=actor, old=old, reason=label)
    record(event_type="case.applied", actor=actor, obj=case, data={"provenance": label, **changes})
    case_applied.send(sender=Case, case=case, actor=actor)
    return case


def _apply_recovery(case: Case, *, actor: Actor) -> dict[str, Any]:
    """An approved recovery case decides its overpayment (``benefits.actions.do_decide_recovery``) as
    proposed: in full, in instalments from a month, or waived; 409 when it can no longer be."""
    from benefits import actions as benefit_actions
    from benefits import recovery_cases

    try:
        item = recovery_cases.item_to_decide(case.subject, case.recovery_id)
        terms = recovery_cases.terms_of(
            item,
            plan=case.recovery_plan,
            amount=case.recovery_amount,
            instalments=case.recovery_instalments,
            reason=case.recovery_reason or case.outcome_reasons,
        )
        decided = benefit_actions.do_decide_recovery(
            item,
            actor=actor,
            to_recover=terms.to_recover,
            instalments=terms.instalments,
            reason=terms.reason,
            # A first month that has passed while the case waited: the month after the decision.
            first_due=first
            if (first := case.recovery_first_month) and first >= timezone.localdate().replace(day=1)
            else None,
            source_ref=case.number,
        )
    except ValidationError as exc:
        raise Conflict(
            _("The overpayment can no longer be decided as this case proposes (%(why)s). Return or reject the case.")
            % {"why": "; ".join(exc.messages)},
            current_status=case.status,
        ) from None
    return {"recovery": decided.pk, "recovery_status": decided.status, "to_recover": str(decided.to_recover)}


@audited
def do_close_case(case: Case, *, actor: Actor) -> Case:
    """Close an applied or rejected case (flow node)."""
    case = lock(case)
    old = case.status
    case.close(timezone.now())
    case.due_at = None
    case.save()
    transition_event(case, actor=actor, old=old)
    return case


def do_complete_task(task: Task, *, actor: Actor, data: dict[str, Any], locked: Case | None = None) -> Case:
    """Complete ``task`` with the decision fields of its step (the caller checked the task policy).

    ``data``: intake: ``intake_decision`` (``accept``, the default for older clients;
    ``correct`` with ``missing``, ``other``, ``days``; ``refuse`` with ``reasons``,
    ``legal_basis``), ``departments``, ``note``; correction: ``departments``, ``note``;
    approval: ``decision``, ``reasons``, ``legal_basis``, ``partly``, ``approved_amount``,
    ``findings``, ``effective_on``, ``retroactive_reason``; verification: ``result``, ``note``,
    ``evidence``, ``reply`` (the department's reply document, an uploaded file). ``locked``: the
    case, locked by the caller in its transaction, the task read after that
    (``cases.queries.access_task(..., lock=True)``). Returns the case as it is afterwards.
    """
    node = node_of(task)
    if nodes.extra_node(node) is not None:
        # Another process's step (a grievance's): completed through the case's named transitions.
        raise Conflict(_("This step is completed through the case's transitions."))
    if node == nodes.INTAKE:
        intake = data.get("intake_decision") or IntakeDecision.ACCEPT
        if intake == IntakeDecision.CORRECT:
            return do_return_at_intake(
                task,
                actor=actor,
                missing=data.get("missing") or (),
                other=data.get("other", ""),
                days=data.get("days"),
                locked=locked,
            )
        if intake == IntakeDecision.REFUSE:
            return do_refuse_intake(
                task,
                actor=actor,
                reasons=data.get("reasons", ""),
                legal_basis=data.get("legal_basis", ""),
                locked=locked,
                citations=data.get("citations"),
            )
        if intake != IntakeDecision.ACCEPT:
            raise ValidationError({"intake_decision": _("Choose accept, return for correction or refuse.")})
        return do_review_intake(
            task, actor=actor, departments=data.get("departments"), note=data.get("note", ""), locked=locked
        )
    if node == nodes.CORRECT:
        return do_resubmit_case(
            task, actor=actor, note=data.get("note", ""), departments=data.get("departments"), locked=locked
        )
    if node in nodes.APPROVAL_NODES:
        if not data.get("decision"):
            raise ValidationError({"decision": _("Choose approve, reject or return.")})
        return do_decide(
            task,
            actor=actor,
            decision=data["decision"],
            reasons=data.get("reasons", ""),
            legal_basis=data.get("legal_basis", ""),
            partly=bool(data.get("partly")),
            approved_amount=data.get("approved_amount"),
            locked=locked,
            findings=data.get("findings", "") or "",
            effective_on=data.get("effective_on"),
            citations=data.get("citations"),
            retroactive_reason=data.get("retroactive_reason", "") or "",
        )
    if not data.get("result"):
        raise ValidationError({"result": _("Choose confirmed, disputed or not found.")})
    verification = do_record_verification(
        task,
        actor=actor,
        result=data["result"],
        note=data.get("note", ""),
        evidence=data.get("evidence", ""),
        locked=locked,
        reply=data.get("reply"),
    )
    return verification.case
