"""Filing a case (numbering, kind rules, duplicates, starting its process) and withdrawing it."""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.models import Actor
from audit.log import record
from core.counters import next_value
from core.validators import no_invisible_characters

from .. import processes
from ..models import BENEFIT_STATUS_KINDS, OPEN_STATUSES, BenefitChange, Case, CaseCounter, Kind, Status
from ..notify import notify_case_registered, notify_new_tasks
from ..tracking import new_query_code
from ._base import clean_departments, enter_stage, lock, transition_event


class DuplicateCase(Exception):
    """The subject already has an open case of the same kind; the caller must link or continue."""

    def __init__(self, open_cases: list[Case]) -> None:
        super().__init__(_("This person already has an open case of this kind."))
        self.open_cases = open_cases


def number_case(county_code: str, year: int) -> str:
    """The next gap-free case number for a county and year (call inside the filing transaction)."""
    last = next_value(CaseCounter, county_code=county_code, year=year)
    return f"{county_code}-{year}-{last:06d}"


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
    elif kind in BENEFIT_STATUS_KINDS:
        from benefits import changes

        if not fields.get("benefit_id"):
            errors["benefit_id"] = _("Say which of the person's benefits the case is about.")
        try:
            changes.check_reason(STATUS_CHANGE[kind], fields.get("benefit_reason") or "")
        except ValidationError as exc:
            errors.update({field: "; ".join(messages) for field, messages in exc.message_dict.items()})
    elif kind == Kind.RECOVERY:
        if not fields.get("recovery_id"):
            errors["recovery_id"] = _("Say which of the person's overpayments the case decides.")
        if not fields.get("recovery_plan"):
            errors["recovery_plan"] = _("Say whether to recover in full, in instalments, or to waive.")
    elif kind != Kind.GRIEVANCE:
        errors["kind"] = _("Unknown kind of case.")
    if errors:
        raise ValidationError(errors)


# The change each benefit-status kind makes (benefits.changes).
STATUS_CHANGE: dict[str, str] = {
    Kind.BENEFIT_SUSPENSION: "suspend",
    Kind.BENEFIT_RESUMPTION: "resume",
    Kind.BENEFIT_CANCELLATION: "cancel",
}


def validate_recovery_terms(subject: Any, fields: dict[str, Any]) -> None:
    """A recovery case names one of the person's undecided overpayments, no other open case decides it,
    and its proposal fits the overpayment (``benefits.recovery_cases.terms_of``; 400 on the field)."""
    from benefits import recovery_cases

    item = recovery_cases.item_to_decide(subject, fields.get("recovery_id"))
    recovery_cases.terms_of(
        item,
        plan=fields.get("recovery_plan") or "",
        amount=fields.get("recovery_amount"),
        instalments=fields.get("recovery_instalments"),
        first_month=fields.get("recovery_first_month"),
        reason=fields.get("recovery_reason") or "",
    )
    open_case = (
        Case.objects.filter(kind=Kind.RECOVERY, recovery_id=item.pk, status__in=OPEN_STATUSES)
        .exclude(status__in=[Status.REJECTED, Status.APPLIED])
        .first()
    )
    if open_case is not None:
        raise ValidationError(
            {
                "recovery_id": _("Case %(number)s already decides this overpayment; it is %(status)s.")
                % {"number": open_case.number, "status": open_case.get_status_display()}
            }
        )


def validate_benefit_to_end(subject: Any, kind: str, fields: dict[str, Any]) -> None:
    """A claim that ends a benefit must name one of this person's benefits that is being paid."""
    if kind == Kind.RECOVERY:
        validate_recovery_terms(subject, fields)
        return
    if kind in BENEFIT_STATUS_KINDS:
        from benefits import changes

        # The benefit paid here, in a state this change starts from (400 on benefit_id otherwise).
        changes.entitlement_to_change(subject, fields.get("benefit_id"), STATUS_CHANGE[kind])
        return
    if kind not in (Kind.BENEFIT_CLAIM, Kind.RECONSIDERATION) or fields.get("benefit_change") != BenefitChange.END:
        return
    from subjects.models import Benefit, BenefitStatus

    benefit_id = fields.get("benefit_id")
    try:
        pk = int(benefit_id) if benefit_id is not None else 0
    except (TypeError, ValueError):
        pk = 0
    benefit = Benefit.objects.filter(pk=pk, subject=subject).first() if 0 < pk < 2**31 else None
    if benefit is None:
        raise ValidationError({"benefit_id": _("This is not one of the person's benefits.")})
    if benefit.status != BenefitStatus.ACTIVE:
        raise ValidationError({"benefit_id": _("This benefit is not being paid, so it cannot be ended.")})


KIND_FIELDS = (
    "benefit_type",
    "benefit_change",
    "benefit_amount",
    "benefit_start",
    "benefit_id",
    "benefit_reason",
    "recovery_id",
    "recovery_plan",
    "recovery_amount",
    "recovery_instalments",
    "recovery_first_month",
    "recovery_reason",
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
    actor: Actor,
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
    departments = clean_departments(departments)
    if not title.strip():
        raise ValidationError({"title": _("Give the case a title.")})
    invisible: dict[str, list[str]] = {}
    for field, value in (("title", title), ("agent_name", agent_name)):
        try:
            no_invisible_characters(value)
        except ValidationError as exc:
            invisible[field] = exc.messages
    if invisible:
        raise ValidationError(invisible)
    validate_kind_fields(kind, kind_fields)
    contested = kind_fields.get("contested_case")
    if kind == Kind.RECONSIDERATION and contested is not None:
        if contested.subject_id != subject.pk:
            raise ValidationError({"contested_case": _("The contested case is about another person.")})
        # A reconsideration asks again for what the contested case asked for.
        for field in ("benefit_type", "benefit_change", "benefit_amount", "benefit_start", "benefit_id"):
            kind_fields.setdefault(field, getattr(contested, field))
        kind_fields.setdefault("corrections", contested.corrections)
    validate_benefit_to_end(subject, kind, kind_fields)
    # A recovery case is one per overpayment (checked above), not one per person.
    duplicates = open_cases_like(subject, kind) if kind != Kind.RECOVERY else []
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
        query_code=new_query_code(),
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
    enter_stage(case, Status.SUBMITTED, now=now)
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
    process = processes.start_process(case)  # the starter ``workflows`` registered
    Case.objects.filter(pk=case.pk).update(process=process)
    case.process = process
    notify_new_tasks(case, actor=actor)
    notify_case_registered(case)
    return case


@transaction.atomic
def do_withdraw_case(case: Case, *, actor: Actor, reason: str) -> Case:
    """Withdraw an undecided case; its open tasks (including parallel verifications) are cancelled."""
    case = lock(case)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    old = case.status
    case.withdraw(timezone.now())
    case.outcome_reasons = reason
    case.due_at = None
    case.save()
    transition_event(case, actor=actor, old=old, reason=reason)
    if case.process_id:
        from viewflow.workflow.models import Process

        process = Process.objects.get(pk=case.process_id)
        process.flow_class.instance.cancel(process)
    return case


def do_transition(case: Case, name: str, *, actor: Actor, reason: str = "") -> Case:
    """A transition not tied to a task, by name (the API's ``/transitions/{name}/``)."""
    if name == "withdraw":
        return do_withdraw_case(case, actor=actor, reason=reason)
    raise TransitionNotAllowed(_("No such transition."), object=case, method=None)
