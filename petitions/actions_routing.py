"""Routing a grievance between bodies (转送、交办, Arts. 22–24): forward, 签收, objection, designation.

- ``forward``: the routing body (the caseworker's own body above the case) sends the matter to a
  receiving body below it, naming one lead body (主办) and any assisting bodies (协办, Art. 24).
- ``acknowledge`` (签收): the receiving body signs for it within the working days of the setting;
  the matter is accepted then and the handling clock starts (受理告知书).
- ``object``: within 5 working days of receipt (Art. 23, configurable), with detailed reasons and
  optionally the body it holds competent; a task then waits for the routing body, which
  ``agree_objection`` (the materials go back to it: a bounce counted against the body),
  ``designate`` (a designated body cannot object again) or ``refer_dispute`` (the bodies' common
  superior settles it by ``designate``, Art. 24).

Every action locks the case first, checks the stage (409 when it moved on) and the rule (400 naming
the field and the article, nothing saved, the refusal audited as ``petition.refused``), then writes
the petition, the audit event and completes the waiting task (``petitions.flows.PetitionFlow``).
Authorisation (which body may act) is the handlers' (``petitions.policy.require_at_body``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import audited
from cases.models import Case
from cases.notify import notify_new_tasks
from cases.queries import forget_nav_counts
from jurisdictions.models import Division, ancestor_codes
from jurisdictions.perms import HANDLE_CASES
from jurisdictions.scope import codes_with

from . import deadlines, nodes
from .actions import _accept, _event, _lock, _require_stage, _run, _set_due, refusals_audited
from .models import Bounce, Petition, Stage

MAX_ASSISTING = 10
MIN_OBJECTION_REASONS = 10  # "详细说明理由" (Art. 23): more than a word or two


def own_body(actor: Actor, case: Case) -> str:
    """The actor's own body for this case: the most specific division over the case where they handle cases."""
    over = set(ancestor_codes(case.division_id))
    mine = [code for code in codes_with(actor, HANDLE_CASES) if code in over]
    return max(mine, key=len) if mine else ""


def common_superior(a: str, b: str) -> str:
    """The nearest division above both ``a`` and ``b`` (above the one that holds the other: its parent)."""
    shared = [code for code in ancestor_codes(a) if code in set(ancestor_codes(b))]
    nearest = shared[-1]
    if nearest in (a, b):
        chain = ancestor_codes(nearest)
        return chain[-2] if len(chain) > 1 else nearest
    return nearest


def _division(code: str) -> Division | None:
    code = (code or "").strip()
    return Division.objects.filter(code=code).first() if code else None


def _receiving_error(case: Case, above: str, code: str) -> str:
    """Why ``code`` cannot receive the matter from ``above`` ("" when it can)."""
    if not code.startswith(above) or code == above:
        return _("The receiving body must be a body below yours (转送、交办, Art. 22 of the 信访工作条例).")
    if code not in ancestor_codes(case.division_id):
        return _(
            "The receiving body must be competent where the petitioner lives (its area holds the case's"
            " division; Art. 22 of the 信访工作条例)."
        )
    return ""


def _bounce(petition: Petition, division_id: str, kind: str, reasons: str = "") -> Bounce:
    return Bounce.objects.create(
        petition=petition, division_id=division_id, kind=kind, on=timezone.localdate(), reasons=reasons
    )


def _clear_objection(petition: Petition) -> None:
    petition.objected_on = None
    petition.objection_reasons = ""
    petition.proposed_division = None
    petition.dispute_division = None


def _finish(case: Case, actor: Actor, created: list[Any]) -> Case:
    case.refresh_from_db()
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return case


@refusals_audited("forward")
@audited
def do_forward(case: Case, *, actor: Actor, division: str, assisting: list[str] | None = None, note: str = "") -> Case:
    """Forward the matter (转送、交办) from the actor's body to ``division`` (the lead body, 主办) with
    ``assisting`` bodies (协办, Art. 24); the receiving body has its working days to sign or object."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.REGISTERED)
    routing = own_body(actor, case)
    if not routing:
        raise PermissionDenied(_("Only a body above the case can forward it."))
    errors: dict[str, str] = {}
    target = _division(division)
    if target is None:
        errors["division"] = _("Choose the body the matter is forwarded to (Art. 22 of the 信访工作条例).")
    else:
        message = _receiving_error(case, routing, target.code)
        if message:
            errors["division"] = message
    helpers: list[str] = []
    for code in assisting or []:
        code = code.strip()
        if not code or code in helpers:
            continue
        found = _division(code)
        if found is None or not code.startswith(routing) or code == routing:
            errors["assisting"] = _(
                "Assisting body %(code)s is not a body below yours (协办, Art. 24 of the 信访工作条例)."
            ) % {"code": code}
            break
        if target is not None and code == target.code:
            errors["assisting"] = _("The lead body cannot also be an assisting body (Art. 24 of the 信访工作条例).")
            break
        helpers.append(code)
    if len(helpers) > MAX_ASSISTING:
        errors["assisting"] = _("At most %(n)s assisting bodies.") % {"n": MAX_ASSISTING}
    if errors:
        raise ValidationError(errors)
    assert target is not None
    petition.stage = Stage.FORWARDED
    petition.routing_division_id = routing
    petition.receiving_division = target
    petition.lead_division = target
    petition.assisting = helpers
    petition.forwarded_on = timezone.localdate()
    petition.acknowledged_on = None
    petition.designated = False
    _clear_objection(petition)
    petition.save()
    _set_due(case, petition)
    case.save()
    ack = deadlines.acknowledge_by(petition)
    _event(
        case,
        petition,
        "forwarded",
        actor=actor,
        routing=routing,
        receiving=target.code,
        assisting=helpers,
        note=note.strip(),
        acknowledge_by=ack.date if ack else None,
    )
    created = _run(case, nodes.ACCEPT, actor)
    return _finish(case, actor, created)


@refusals_audited("acknowledge")
@audited
def do_acknowledge(case: Case, *, actor: Actor) -> Case:
    """签收: the receiving body signs for the forwarded matter within its window; the matter is accepted
    and the handling clock starts today (受理告知书)."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.FORWARDED)
    limit = deadlines.acknowledge_by(petition)
    today = timezone.localdate()
    if limit is not None and today > limit.date:
        raise ValidationError(
            {
                "acknowledge_by": _(
                    "The time to sign for (签收) this matter ended on %(date)s (%(days)s working days after it was"
                    " forwarded, Art. 23 of the 信访工作条例): the routing body must designate the body now."
                )
                % {"date": limit.date.isoformat(), "days": deadlines.acknowledge_working_days()}
            }
        )
    petition.acknowledged_on = today
    _event(case, petition, "acknowledged", actor=actor, body=petition.receiving_division_id)
    return _accept(case, petition, actor=actor, node=nodes.ACKNOWLEDGE)


@refusals_audited("object")
@audited
def do_object(case: Case, *, actor: Actor, reasons: str, proposed: str = "") -> Case:
    """Object to a forwarded matter (Art. 23): within the working days of receipt, with detailed
    reasons, optionally naming the body held competent; the routing body then decides."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.FORWARDED)
    if petition.designated:
        raise ValidationError(
            {
                "designated": _(
                    "The matter was designated to this body, which can no longer object to it or return it"
                    " (Art. 23 of the 信访工作条例)."
                )
            }
        )
    limit = deadlines.object_by(petition)
    today = timezone.localdate()
    if limit is not None and today > limit.date:
        raise ValidationError(
            {
                "object_by": _(
                    "An objection is raised within %(days)s working days of receipt (Art. 23 of the 信访工作条例):"
                    " the time ended on %(date)s."
                )
                % {"date": limit.date.isoformat(), "days": deadlines.objection_working_days()}
            }
        )
    errors: dict[str, str] = {}
    if len("".join(reasons.split())) < MIN_OBJECTION_REASONS:
        errors["reasons"] = _(
            "State the reasons of the objection in detail (详细说明理由, Art. 23 of the 信访工作条例):"
            " at least %(n)s characters."
        ) % {"n": MIN_OBJECTION_REASONS}
    other = _division(proposed) if proposed.strip() else None
    if proposed.strip() and (other is None or other.code == petition.receiving_division_id):
        errors["proposed"] = _("Name another existing body as the competent one, or leave it empty.")
    if errors:
        raise ValidationError(errors)
    petition.stage = Stage.OBJECTED
    petition.objected_on = today
    petition.objection_reasons = reasons.strip()
    petition.proposed_division = other
    petition.save()
    _set_due(case, petition)
    case.save()
    _event(
        case,
        petition,
        "objected",
        actor=actor,
        body=petition.receiving_division_id,
        reasons=reasons.strip(),
        proposed=other.code if other else "",
    )
    created = _run(case, nodes.ACKNOWLEDGE, actor)
    return _finish(case, actor, created)


@refusals_audited("agree_objection")
@audited
def do_agree_objection(case: Case, *, actor: Actor, note: str = "") -> Case:
    """The routing body agrees to the objection: the materials go back to it (a bounce of the body)."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.OBJECTED)
    body = petition.receiving_division_id
    assert body is not None and petition.routing_division_id is not None
    _bounce(petition, body, Bounce.Kind.RETURNED, petition.objection_reasons)
    petition.stage = Stage.REGISTERED
    petition.receiving_division = None
    petition.lead_division_id = petition.routing_division_id
    petition.assisting = []
    petition.forwarded_on = None
    _clear_objection(petition)
    petition.save()
    _set_due(case, petition)
    case.save()
    _event(case, petition, "objection_agreed", actor=actor, body=body, note=note.strip())
    created = _run(case, nodes.OBJECTION, actor)
    return _finish(case, actor, created)


@refusals_audited("refer_dispute")
@audited
def do_refer_dispute(case: Case, *, actor: Actor, note: str = "") -> Case:
    """The routing body does not settle the objection: it goes to the common superior of the bodies in
    dispute (the objecting body and the one it proposed, or the routing body itself; Art. 24)."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.OBJECTED)
    objecting = petition.receiving_division_id
    routing = petition.routing_division_id
    assert objecting is not None and routing is not None
    other = petition.proposed_division_id or routing
    superior = common_superior(objecting, other)
    if superior == routing:
        raise ValidationError(
            {
                "dispute": _(
                    "Your body is the common superior of the bodies in dispute: designate the body yourself"
                    " (Art. 24 of the 信访工作条例)."
                )
            }
        )
    if not Division.objects.filter(code=superior).exists():
        raise ValidationError({"dispute": _("The common superior of the bodies in dispute is not in the register.")})
    petition.stage = Stage.DISPUTED
    petition.dispute_division_id = superior
    petition.save()
    _set_due(case, petition)
    case.save()
    _event(case, petition, "dispute_referred", actor=actor, bodies=[objecting, other], superior=superior)
    created = _run(case, nodes.OBJECTION, actor)
    return _finish(case, actor, created)


@refusals_audited("designate")
@audited
def do_designate(case: Case, *, actor: Actor, division: str, note: str = "") -> Case:
    """Designate the body that must handle the matter (指定): the routing body after an objection or once
    the time to sign lapsed, or the common superior of a dispute. The designated body signs for it
    within its window and can no longer object. A matter leaving the objecting (or silent) body for
    another is a bounce of that body."""
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.OBJECTED, Stage.DISPUTED, Stage.FORWARDED)
    stage = petition.stage
    deciding = petition.dispute_division_id if stage == Stage.DISPUTED else petition.routing_division_id
    assert deciding is not None
    if stage == Stage.FORWARDED:
        limit = deadlines.acknowledge_by(petition)
        if limit is not None and timezone.localdate() <= limit.date:
            raise ValidationError(
                {
                    "division": _(
                        "The receiving body may still sign for or object to the matter until %(date)s"
                        " (Art. 23 of the 信访工作条例): designate only after an objection or once that time lapsed."
                    )
                    % {"date": limit.date.isoformat()}
                }
            )
    target = _division(division)
    message = (
        _receiving_error(case, deciding, target.code)
        if target is not None
        else _("Choose the body designated to handle the matter (Art. 23 of the 信访工作条例).")
    )
    if message:
        raise ValidationError({"division": message})
    assert target is not None
    previous = petition.receiving_division_id
    if previous and previous != target.code:
        kind = Bounce.Kind.LAPSED if stage == Stage.FORWARDED else Bounce.Kind.REDIRECTED
        _bounce(petition, previous, kind, petition.objection_reasons)
    node = {Stage.OBJECTED: nodes.OBJECTION, Stage.DISPUTED: nodes.DISPUTE}.get(Stage(stage), nodes.ACKNOWLEDGE)
    petition.stage = Stage.FORWARDED
    petition.receiving_division = target
    petition.lead_division = target
    petition.assisting = [code for code in petition.assisting if code != target.code]
    petition.forwarded_on = timezone.localdate()
    petition.designated = True
    _clear_objection(petition)
    petition.save()
    _set_due(case, petition)
    case.save()
    _event(
        case, petition, "designated", actor=actor, body=target.code, by=deciding, previous=previous, note=note.strip()
    )
    created = _run(case, node, actor)
    return _finish(case, actor, created)
