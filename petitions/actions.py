"""Every write to a grievance: registration, acceptance or refusal, extension, pauses, decision, hearings.

Each action runs in one transaction: the case row is locked first (``cases``' one serialisation
point), the petition's stage is checked (409 when it moved on), the rule checked (400 naming the
field and the article, nothing saved), then the petition, the case's status machine, the audit
event, the viewflow task and the letter. A refusal by a rule is audited in a transaction of its
own (``petition.refused``) after the action's work was rolled back.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Actor, require_staff, staff_or_none
from audit.log import audited, record
from cases.actions import number_case
from cases.models import Case, Kind
from cases.models import Channel as CaseChannel
from cases.nodes import BODY_KEY, flow_task_ref
from cases.notify import new_tasks, notify_case_registered, notify_new_tasks
from cases.queries import forget_nav_counts
from cases.tracking import new_query_code
from core.errors import Conflict
from jurisdictions.models import Division, ancestor_codes
from jurisdictions.scope import supervisors_of
from letters.actions import do_request_letter
from notifications.outbox import notify
from policies.citations import citation_text, do_freeze_citations, validate_citations
from policies.citations import refusals_audited as citation_refusals_audited
from policies.models import PolicyArticle

from . import deadlines, nodes
from .citations import frozen
from .models import (
    OPEN_STAGES,
    REFERENCED_CHANNELS,
    ROUTING_STAGES,
    Channel,
    ClockEvent,
    Hearing,
    Opinion,
    Petition,
    PetitionField,
    Stage,
    UpwardReport,
)
from .policy import forget_accused
from .rating_invites import invite_rating

P = ParamSpec("P")
R = TypeVar("R")

# The letters of a grievance (``petitions.letters`` registers them).
ACCEPTANCE = "gv_acceptance"  # 受理告知书
NON_ACCEPTANCE = "gv_not_accepted"  # 不予受理告知书
EXTENSION = "gv_extension"  # 延长办理期限告知书
OPINION = "gv_opinion"  # 信访处理意见书
MEDIATION = "gv_mediation"  # 调解协议书
SETTLEMENT = "gv_settlement"  # 和解协议书

MAJOR_EVENT = "petition.major"

# The kinds of citing documents (``policies.Citation.document_type``; the id is the case's).
CITING_DECISION = "petitions.decision"  # 信访处理意见书
CITING_REFUSAL = "petitions.refusal"  # 不予受理告知书

CASE_CHANNEL = {
    Channel.VISIT: CaseChannel.WALK_IN,
    Channel.LETTER: CaseChannel.LETTER,
    Channel.PHONE: CaseChannel.PHONE,
    Channel.ONLINE: CaseChannel.ONLINE,
    Channel.HOTLINE_12345: CaseChannel.REFERRAL,
    Channel.NATIONAL_SYSTEM: CaseChannel.REFERRAL,
}


def refusals_audited(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Audit a refusal by a rule (``ValidationError``) after the action rolled back, then re-raise it."""

    def wrap(action: Callable[P, R]) -> Callable[P, R]:
        @wraps(action)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            first = args[0] if args else None
            case = first if isinstance(first, Case) else None
            try:
                # A refused citation is also audited by the policy base (its field, rule and articles).
                with citation_refusals_audited(
                    kwargs.get("actor"),  # type: ignore[arg-type]
                    object_type="cases.case",
                    object_id=case.pk if case is not None else "",
                    division_code=case.division_id if case is not None else "",
                ):
                    return action(*args, **kwargs)
            except ValidationError as exc:
                fields = sorted(exc.message_dict) if hasattr(exc, "error_dict") else []
                with transaction.atomic():
                    record(
                        event_type="petition.refused",
                        actor=kwargs.get("actor"),
                        obj=case,
                        division_code="" if case is not None else str(getattr(first, "division_id", "") or ""),
                        data={"action": name, "fields": fields, "messages": exc.messages[:5]},
                    )
                raise

        return run

    return wrap


def _now() -> datetime.datetime:
    return timezone.now()


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _lock(case: Case) -> tuple[Case, Petition]:
    locked = Case.objects.select_for_update().select_related("subject").get(pk=case.pk)
    petition = Petition.objects.select_for_update().filter(case=locked).first()
    if petition is None:
        raise Conflict(_("This case is not a grievance under the 信访工作条例."), current_status=locked.status)
    return locked, petition


def _require_stage(case: Case, petition: Petition, *stages: str) -> None:
    if petition.stage not in stages:
        raise Conflict(
            _("The grievance is “%(stage)s”: this cannot be done now.") % {"stage": Stage(petition.stage).label},
            current_status=case.status,
        )


def open_task(case: Case, node: str) -> Task | None:
    return (
        Task.objects.select_related("process")
        .filter(process_id=case.process_id, flow_task=flow_task_ref(node), status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .first()
    )


def _run(case: Case, node: str, actor: Actor) -> list[Task]:
    """Complete the open task of ``node`` headlessly; returns the tasks the flow created after it."""
    task = open_task(case, node)
    if task is None:
        raise Conflict(_("This step of the grievance is not open."), current_status=case.status)
    if task.owner_id is not None and task.owner_id != getattr(actor, "pk", None):
        raise Conflict(_("Someone else has claimed this task."), current_status=case.status)
    with new_tasks() as created, task.activation() as activation:
        if activation.task.status == STATUS.NEW:
            activation.assign(actor)
        activation.start(None)
        activation.execute()
    _name_bodies(case, created)
    return created


def body_for(node: str, petition: Petition) -> str:
    """The one body that works on a step of a forwarded matter ("" for a matter never forwarded:
    every caseworker over the case, as before). The routing body decides on objections and takes
    back what it agreed to; the receiving body signs for and handles; the common superior settles."""
    if petition.routing_division_id is None:
        return ""
    if node == nodes.OBJECTION or (node == nodes.ACCEPT and petition.stage == Stage.REGISTERED):
        return petition.routing_division_id
    if node == nodes.DISPUTE:
        return petition.dispute_division_id or ""
    if node in (nodes.ACKNOWLEDGE, nodes.HANDLE, nodes.EXTENSION):
        return petition.receiving_division_id or ""
    return ""


def _name_bodies(case: Case, created: list[Task]) -> None:
    """Name on each new task of a forwarded matter the body it is for (``cases.nodes.task_body``)."""
    steps = [t for t in created if getattr(t.flow_task, "name", "") in nodes.AT_BODY]
    if not steps:
        return
    petition = Petition.objects.filter(case_id=case.pk).first()
    if petition is None:
        return
    for task in steps:
        body = body_for(task.flow_task.name, petition)
        if body:
            task.data = {**(task.data or {}), BODY_KEY: body}
            Task.objects.filter(pk=task.pk).update(data=task.data)


def _event(case: Case, petition: Petition, event: str, *, actor: Actor, **data: Any) -> None:
    record(event_type=f"petition.{event}", actor=actor, obj=case, data={"stage": petition.stage, **data})


def _set_due(case: Case, petition: Petition) -> None:
    limits = deadlines.deadlines_of(petition)
    if petition.stage == Stage.REGISTERED:
        case.due_at = _end_of(limits.accept_by.date)
    elif petition.stage == Stage.FORWARDED:
        ack = deadlines.acknowledge_by(petition)
        case.due_at = _end_of(ack.date) if ack else None
    elif petition.stage in (Stage.HANDLING, Stage.EXTENSION_REQUESTED):
        current = limits.current()
        case.due_at = _end_of(current.date) if current else None
    else:
        case.due_at = None


def _freeze(document_type: str, case: Case, articles: list[PolicyArticle], actor: Actor) -> None:
    """The article versions the refusal or the decision cites, frozen as it is signed (``policies.Citation``):
    listed on the page of citations of since-repealed articles."""
    do_freeze_citations(
        document_type,
        case.pk,
        articles,
        on=timezone.localdate(),
        division_code=case.division_id,
        label=case.number,
        actor=actor,
    )


def _text(value: str) -> str:
    return " ".join(value.split())


# --- registration ------------------------------------------------------------------------------


def same_request_in_progress(subject: Any, request: str) -> Case | None:
    """An earlier matter of the same person with the same request, accepted or in progress (Art. 19)."""
    wanted = _text(request)
    for petition in Petition.objects.select_related("case").filter(
        case__subject=subject, stage__in=(*OPEN_STAGES, *ROUTING_STAGES)
    ):
        if _text(petition.request) == wanted:
            return petition.case
    return None


def article_19() -> list[PolicyArticle]:
    """信访工作条例 第十九条 as the policy base holds it in force (none when it is not loaded)."""
    from policies.queries import current_q

    found = (
        PolicyArticle.objects.select_related("document")
        .filter(current_q(), document__title="信访工作条例", number="第十九条")
        .order_by("-version")
        .first()
    )
    return [found] if found is not None else []


@refusals_audited("register")
@audited
def do_register_petition(
    subject: Any,
    *,
    actor: Actor,
    channel: str,
    request: str,
    facts: str,
    reasons: str,
    received_on: datetime.date | None = None,
    title: str = "",
    reference_number: str = "",
    confidential: bool = False,
    accused_division: str = "",
    major: bool = False,
    accept_now: bool = False,
    scan: Any = None,
    field: str = "",
    respondent: str = "",
    petitioners: list[Any] | None = None,
    representative: bool = True,
) -> Case:
    """Register a matter (登记, Art. 22) for ``subject`` as a grievance case and start its process.

    ``accept_now``: the registering body accepts it within its own remit at once (registration
    counts as 签收). ``scan``: the letter as received (来信), stored as a document of the case.
    A matter of the same person with the same request already accepted or in
    progress is flagged (``repeat_of``) and answered 不予受理 (Art. 19) at once; one whose 复核 was
    answered, raised again with the same facts and reasons, is answered 不再受理 (Art. 36).
    ``petitioners``: the other petitioners of a group petition (``petitions.groups.Named``; the
    person is the first, a representative when ``representative``), at most five representatives
    for a group visit (Art. 20).
    """
    from . import groups
    from .reviews import article_36, finally_reviewed

    today = timezone.localdate()
    received_on = received_on or today
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = _("Choose how the matter was received.")
    for name, value, message in (
        ("request", request, _("State the petitioner's request (Art. 19 of the 信访工作条例).")),
        ("facts", facts, _("State the facts (Art. 19 of the 信访工作条例).")),
        ("reasons", reasons, _("State the petitioner's reasons (Art. 19 of the 信访工作条例).")),
    ):
        if not value.strip():
            errors[name] = str(message)
    if received_on > today:
        errors["received_on"] = _("The day of receipt cannot be in the future.")
    field = field or PetitionField.OTHER
    if field not in PetitionField.values:
        errors["field"] = _("Field concerned: choose one of the listed fields.")
    respondent = " ".join(respondent.split())
    if len(respondent) > 200:
        errors["respondent"] = _("Body complained about: at most 200 characters.")
    if channel in REFERENCED_CHANNELS and not reference_number.strip():
        errors["reference_number"] = _("Give the reference number of the hotline or the national petition system.")
    accused: Division | None = None
    if confidential:
        accused = Division.objects.filter(code=accused_division).first() if accused_division else None
        if accused is None:
            errors["accused_division"] = _(
                "Name the accused body of a confidential report (检举、揭发, Art. 30 of the 信访工作条例)."
            )
        elif any(code == accused.code for code in _actor_divisions(actor)):
            errors["accused_division"] = _(
                "The report accuses your own body: it must be registered by a body above it (Art. 30)."
            )
    elif accused_division:
        errors["accused_division"] = _("Only a confidential report names an accused body.")
    if errors:
        raise ValidationError(errors)
    group = groups.build(subject, list(petitioners or []), channel=channel, representative=representative)
    division_id = subject.division_id
    if len(division_id) < 6:
        raise ValidationError(
            {"subject": _("The person is not registered in a county, so no case number can be given.")}
        )

    repeat = same_request_in_progress(subject, request)
    final = None if repeat is not None else finally_reviewed(subject, request, facts, reasons)
    repeat = repeat or final
    now = _now()
    case = Case(
        division_id=division_id,
        number=number_case(division_id[:6], timezone.localtime(now).year),
        query_code=new_query_code(),
        kind=Kind.GRIEVANCE,
        subject=subject,
        title=(title.strip() or _text(request))[:200],
        description=request.strip(),
        channel=CASE_CHANNEL[Channel(channel)],
        departments=[],
        filed_by=actor,
        related_case=repeat,
        stage_started_at=now,
    )
    petition = Petition(
        channel=channel,
        reference_number=reference_number.strip(),
        received_on=received_on,
        registered_on=today,
        request=request.strip(),
        facts=facts.strip(),
        reasons=reasons.strip(),
        repeat_of=repeat,
        final_repeat=final is not None,
        confidential=confidential,
        accused_division=accused,
        major=major,
        lead_division_id=division_id[:6],
        field=field,
        respondent=respondent,
    )
    _set_due(case, petition)
    case.save()
    petition.case = case
    petition.save()
    groups.save(petition, group)
    forget_accused(case.pk)  # who the case is hidden from (petitions.policy.accused_of)
    notify_case_registered(case)  # the 查询码 by SMS, as for every case
    record(
        event_type="case.filed",
        actor=actor,
        obj=case,
        data={"number": case.number, "kind": case.kind, "departments": [], "channel": case.channel},
    )
    limits = deadlines.deadlines_of(petition)
    _event(
        case,
        petition,
        "registered",
        actor=actor,
        channel=channel,
        reference_number=petition.reference_number,
        received_on=received_on,
        accept_by=limits.accept_by.date,
        provisional=limits.accept_by.provisional,
        repeat_of=repeat.number if repeat else "",
        confidential=confidential,
        major=major,
        petitioners=len(group),
        final_repeat=final is not None,
    )
    from .flows import start_petition_process

    process = start_petition_process(case)
    Case.objects.filter(pk=case.pk).update(process=process)
    case.process = process
    if scan is not None:
        from cases.actions import do_add_attachment

        do_add_attachment(case, upload=scan, actor=actor)
    if major:
        report_upward(case, petition, actor=actor)
    if final is not None:
        return _refuse(
            case,
            petition,
            actor=actor,
            reasons=_(
                "The same request with the same facts and reasons was re-reviewed (复核) in case %(number)s:"
                " it is not accepted again (不再受理, Art. 36 of the 信访工作条例)."
            )
            % {"number": final.number},
            articles=article_36(),
        )
    if repeat is not None:
        basis = article_19()
        return _refuse(
            case,
            petition,
            actor=actor,
            reasons=_("The same request is already accepted or being handled within its time limit (case %(number)s).")
            % {"number": repeat.number},
            articles=basis,
        )
    if accept_now:
        return _accept(case, petition, actor=actor)
    notify_new_tasks(case, actor=actor)
    return case


def _actor_divisions(actor: Actor) -> list[str]:
    from jurisdictions.scope import in_force_rows

    if not getattr(actor, "is_authenticated", False):
        return []
    return [row[0] for row in in_force_rows(actor)]


def report_upward(case: Case, petition: Petition, *, actor: Actor) -> list[UpwardReport]:
    """A major or urgent matter is reported at once to every level above (Art. 25), recorded per level."""
    reports = []
    above = [code for code in ancestor_codes(case.division_id) if code not in ("CN", case.division_id)]
    for division in Division.objects.filter(code__in=above).order_by("-level"):
        recipients = [u for u in supervisors_of(division.code) if u.pk != getattr(actor, "pk", None)]
        reports.append(UpwardReport.objects.create(petition=petition, division=division, recipients=len(recipients)))
        notify(
            event=MAJOR_EVENT,
            recipients=recipients,
            context={"case": case.number, "division": division.name},
            dedupe_key=f"{MAJOR_EVENT}:{case.pk}:{division.code}",
            division_code=division.code,
            link=f"/cases/{case.pk}/",
        )
    _event(case, petition, "reported_upward", actor=actor, levels=[r.division_id for r in reports])
    return reports


# --- acceptance --------------------------------------------------------------------------------


def _accept(case: Case, petition: Petition, *, actor: Actor, node: str = nodes.ACCEPT) -> Case:
    old = case.status
    petition.stage = Stage.HANDLING
    petition.accepted_on = timezone.localdate()
    petition.save()
    case.start_verification()  # being handled: the case is open and no longer at intake
    _set_due(case, petition)
    case.stage_started_at = _now()
    case.save()
    limits = deadlines.deadlines_of(petition)
    assert limits.handle_by is not None
    _event(
        case,
        petition,
        "accepted",
        actor=actor,
        old_status=old,
        handle_by=limits.handle_by.date,
        provisional=limits.handle_by.provisional,
    )
    created = _run(case, node, actor)
    case.refresh_from_db()
    do_request_letter(case, kind=ACCEPTANCE, actor=actor)  # 受理告知书
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


@refusals_audited("accept")
@audited
def do_accept(case: Case, *, actor: Actor) -> Case:
    """Accept the matter (受理): the 60 days of handling start today; the 受理告知书 is issued."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.REGISTERED)
    return _accept(case, petition, actor=actor)


def _refuse(case: Case, petition: Petition, *, actor: Actor, reasons: str, articles: list[PolicyArticle]) -> Case:
    old = case.status
    now = _now()
    petition.stage = Stage.REFUSED
    petition.refusal_citations = frozen(articles)
    petition.save()
    case.refuse()
    case.outcome_reasons = reasons.strip()
    case.legal_basis = citation_text(articles)
    case.decided_by = staff_or_none(actor)
    case.decided_at = now
    case.close(now)
    case.due_at = None
    case.save()
    _freeze(CITING_REFUSAL, case, articles, actor)
    _event(
        case, petition, "not_accepted", actor=actor, old_status=old, reasons=reasons, citations=[a.pk for a in articles]
    )
    _run(case, nodes.ACCEPT, actor)
    case.refresh_from_db()
    do_request_letter(case, kind=NON_ACCEPTANCE, actor=actor)  # 不予受理告知书
    forget_nav_counts(getattr(actor, "pk", None))
    return case


@refusals_audited("refuse")
@audited
def do_refuse(case: Case, *, actor: Actor, reasons: str, citations_: Iterable[Any]) -> Case:
    """Refuse to accept the matter (不予受理) with reasons and the articles it rests on; the case closes."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.REGISTERED)
    if not reasons.strip():
        raise ValidationError({"reasons": _("Give the reasons for not accepting the matter.")})
    articles = validate_citations(citations_, on=timezone.localdate(), required=True)
    return _refuse(case, petition, actor=actor, reasons=reasons, articles=articles)


# --- the clock ---------------------------------------------------------------------------------


@refusals_audited("extend")
@audited
def do_request_extension(case: Case, *, actor: Actor, days: int, reason: str) -> Case:
    """Ask the head to extend the handling limit once, by at most 30 days, with a reason (Art. 34)."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.HANDLING)
    limit = deadlines.max_extension_days()
    approved = ClockEvent.objects.filter(petition=petition, kind=ClockEvent.Kind.EXTENSION_APPROVED)
    if petition.redo_on is not None:  # handled again after a 复查 or 复核: its own extension
        approved = approved.filter(on__gte=petition.redo_on)
    if petition.extension_days or approved.exists():
        raise ValidationError(
            {"days": _("The limit was already extended once; Art. 34 of the 信访工作条例 allows one extension.")}
        )
    if not 1 <= days <= limit:
        raise ValidationError(
            {
                "days": _("An extension is of at most %(limit)s days (Art. 34 of the 信访工作条例); %(days)s asked.")
                % {"limit": limit, "days": days}
            }
        )
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Give the reason for the extension: it is told to the petitioner (Art. 34).")}
        )
    petition.stage = Stage.EXTENSION_REQUESTED
    petition.requested_extension_days = days
    petition.extension_reason = reason.strip()
    petition.save()
    ClockEvent.objects.create(
        petition=petition,
        kind=ClockEvent.Kind.EXTENSION_REQUESTED,
        on=timezone.localdate(),
        days=days,
        reason=reason.strip(),
        actor=staff_or_none(actor),
    )
    _event(case, petition, "extension_requested", actor=actor, days=days, reason=reason)
    created = _run(case, nodes.HANDLE, actor)
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


@refusals_audited("approve_extension")
@audited
def do_decide_extension(case: Case, *, actor: Actor, approve: bool, note: str = "") -> Case:
    """The head approves (the days are added, the 延长办理期限告知书 issued) or refuses the extension."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.EXTENSION_REQUESTED)
    requested_by = (
        ClockEvent.objects.filter(petition=petition, kind=ClockEvent.Kind.EXTENSION_REQUESTED)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    if requested_by is not None and requested_by == getattr(actor, "pk", None):
        raise PermissionDenied(_("You asked for this extension, so another head must decide on it (maker-checker)."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the extension is refused.")})
    today = timezone.localdate()
    if approve:
        petition.extension_days = petition.requested_extension_days
        kind = ClockEvent.Kind.EXTENSION_APPROVED
    else:
        kind = ClockEvent.Kind.EXTENSION_REFUSED
    days = petition.requested_extension_days
    petition.requested_extension_days = 0
    petition.stage = Stage.HANDLING
    petition.save()
    ClockEvent.objects.create(
        petition=petition, kind=kind, on=today, days=days, reason=note.strip(), actor=staff_or_none(actor)
    )
    _set_due(case, petition)
    case.save()
    limits = deadlines.deadlines_of(petition)
    _event(
        case,
        petition,
        "extension_approved" if approve else "extension_refused",
        actor=actor,
        days=days,
        note=note,
        extended_to=limits.extended_to.date if limits.extended_to else None,
    )
    created = _run(case, nodes.EXTENSION, actor)
    if approve:
        do_request_letter(case, kind=EXTENSION, actor=actor)  # 延长办理期限告知书
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


@refusals_audited("pause_clock")
@audited
def do_pause_clock(case: Case, *, actor: Actor, reason: str) -> Case:
    """Stop the handling clock (e.g. an expert assessment), with the reason recorded."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.HANDLING, Stage.EXTENSION_REQUESTED)
    if petition.paused_since is not None:
        raise Conflict(_("The clock is already paused."), current_status=case.status)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for pausing the clock.")})
    today = timezone.localdate()
    petition.paused_since = today
    petition.pause_reason = reason.strip()
    petition.save()
    ClockEvent.objects.create(
        petition=petition, kind=ClockEvent.Kind.PAUSED, on=today, reason=reason.strip(), actor=staff_or_none(actor)
    )
    case.paused_at = _now()
    case.save()
    _event(case, petition, "clock_paused", actor=actor, reason=reason)
    return case


def _resume(case: Case, petition: Petition, *, actor: Actor, reason: str) -> int:
    today = timezone.localdate()
    days = deadlines.paused_so_far(petition, today)
    petition.paused_days += days
    petition.paused_since = None
    petition.pause_reason = ""
    petition.save()
    ClockEvent.objects.create(
        petition=petition, kind=ClockEvent.Kind.RESUMED, on=today, days=days, reason=reason, actor=staff_or_none(actor)
    )
    case.paused_at = None
    _set_due(case, petition)
    case.save()
    _event(case, petition, "clock_resumed", actor=actor, reason=reason, days=days)
    return days


@refusals_audited("resume_clock")
@audited
def do_resume_clock(case: Case, *, actor: Actor, reason: str) -> Case:
    """Restart the clock: the days it stood still are added to the handling limit."""
    case, petition = _lock(case)
    if petition.paused_since is None:
        raise Conflict(_("The clock is not paused."), current_status=case.status)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for resuming the clock.")})
    _resume(case, petition, actor=actor, reason=reason.strip())
    return case


# --- the decision ------------------------------------------------------------------------------


@refusals_audited("decide")
@audited
def do_decide(case: Case, *, actor: Actor, opinion: str, facts: str, reasons: str, citations_: Iterable[Any]) -> Case:
    """Decide the matter (Art. 32): 支持, 解释说明 or 不予支持, with the facts, reasons and cited articles.

    The 信访处理意见书 is issued; the 30 days to ask for a 复查 run from today.
    """
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.HANDLING)
    errors: dict[str, str] = {}
    if opinion not in Opinion.values:
        errors["opinion"] = _("Choose support, explain or not supported.")
    if not facts.strip():
        errors["facts"] = _("State the facts found.")
    if not reasons.strip():
        errors["reasons"] = _("State the reasons of the opinion.")
    if errors:
        raise ValidationError(errors)
    articles = validate_citations(citations_, on=timezone.localdate(), required=True)
    if petition.paused_since is not None:
        _resume(case, petition, actor=actor, reason=_("Resumed by the decision"))
    now = _now()
    old = case.status
    petition.stage = Stage.DECIDED
    petition.decided_on = timezone.localdate()
    petition.opinion = opinion
    petition.decision_facts = facts.strip()
    petition.decision_reasons = reasons.strip()
    petition.citations = frozen(articles)
    petition.save()
    case.finish_verification()
    if opinion == Opinion.SUPPORT:
        case.approve()
        case.mark_applied(now)
    else:
        case.reject()
    case.close(now)
    case.findings = facts.strip()
    case.outcome_reasons = reasons.strip()
    case.legal_basis = citation_text(articles)
    case.decided_by = staff_or_none(actor)
    case.decided_at = now
    case.due_at = None
    case.save()
    _freeze(CITING_DECISION, case, articles, actor)
    limits = deadlines.deadlines_of(petition)
    _event(
        case,
        petition,
        "decided",
        actor=actor,
        old_status=old,
        opinion=opinion,
        citations=[a.pk for a in articles],
        review_request_by=limits.review_request_by.date if limits.review_request_by else None,
    )
    _run(case, nodes.HANDLE, actor)
    case.refresh_from_db()
    do_request_letter(case, kind=OPINION, actor=actor)  # 信访处理意见书
    invite_rating(case, decided_on=petition.decided_on)  # 回访: the petitioner rates by the texted link
    forget_nav_counts(getattr(actor, "pk", None))
    return case


# --- hearings and agreements -----------------------------------------------------------------


@refusals_audited("schedule_hearing")
@audited
def do_schedule_hearing(
    case: Case, *, actor: Actor, held_at: datetime.datetime, place: str, participants: str
) -> Hearing:
    """Schedule a hearing (听证) of a complex matter: date, place and participants."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.HANDLING, Stage.EXTENSION_REQUESTED)
    errors = {}
    if not place.strip():
        errors["place"] = _("Give the place of the hearing.")
    if not participants.strip():
        errors["participants"] = _("List the participants of the hearing.")
    if errors:
        raise ValidationError(errors)
    hearing = Hearing.objects.create(
        petition=petition,
        held_at=held_at,
        place=place.strip(),
        participants=participants.strip(),
        scheduled_by=require_staff(actor),
    )
    _event(case, petition, "hearing_scheduled", actor=actor, held_at=held_at, place=place.strip())
    return hearing


@audited
def do_attach_hearing_record(hearing: Hearing, *, actor: Actor, upload: Any) -> Hearing:
    """Attach the hearing's record (a document of the case) to the hearing."""
    from cases.actions import do_add_attachment

    case, petition = _lock(hearing.petition.case)
    attachment = do_add_attachment(case, upload=upload, actor=actor)
    hearing.record = attachment
    hearing.save(update_fields=["record"])
    _event(case, petition, "hearing_recorded", actor=actor, hearing=hearing.pk, attachment=attachment.pk)
    return hearing


@refusals_audited("agreement")
@audited
def do_record_agreement(case: Case, *, actor: Actor, kind: str, terms: str, parties: str) -> Case:
    """Record a mediation or settlement agreement (调解协议书 / 和解协议书, Art. 33) and issue it as a letter."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.HANDLING, Stage.EXTENSION_REQUESTED)
    errors = {}
    if kind not in (MEDIATION, SETTLEMENT):
        errors["kind"] = _("Choose a mediation or a settlement agreement.")
    if not terms.strip():
        errors["terms"] = _("State the terms the parties agreed.")
    if not parties.strip():
        errors["parties"] = _("Name the parties to the agreement.")
    if errors:
        raise ValidationError(errors)
    _event(case, petition, "agreement", actor=actor, kind=kind)
    do_request_letter(case, kind=kind, actor=actor, details={"terms": terms.strip(), "parties": parties.strip()})
    return case


# --- the calendar changed ----------------------------------------------------------------------


def recompute_due_dates(years: frozenset[int]) -> int:
    """The calendar of ``years`` changed (a year loaded, a day overridden or cleared): refresh the
    ``due_at`` of the open grievances whose current limit may fall in those years; return how many moved.

    Registered with ``policies.calendar.register_recompute`` (``apps.py``) and called inside the
    calendar change's transaction, which audits the change and the counts. The limits themselves are
    computed on read (``petitions.deadlines``), so their provisional mark follows by itself; only
    the stored ``due_at`` the SLA scan reads needs refreshing. A limit whose unmoved end falls in a
    year can move at most a few days past it: the candidates are those due from 1 January of the
    first year to the end of January after the last.
    """
    if not years:
        return 0
    tz = timezone.get_current_timezone()
    since = datetime.datetime(min(years), 1, 1, tzinfo=tz)
    until = datetime.datetime(max(years) + 1, 2, 1, tzinfo=tz)
    petitions = (
        Petition.objects.filter(
            stage__in=(*OPEN_STAGES, Stage.FORWARDED), case__due_at__gte=since, case__due_at__lt=until
        )
        .select_related("case")
        .order_by("pk")
    )
    changed: list[Case] = []
    moved = 0
    for petition in petitions.iterator(chunk_size=2000):
        case = petition.case
        before = case.due_at
        _set_due(case, petition)
        if case.due_at != before:
            changed.append(case)
        if len(changed) >= 1000:
            moved += Case.objects.bulk_update(changed, ["due_at"])
            changed = []
    if changed:
        moved += Case.objects.bulk_update(changed, ["due_at"])
    return moved
