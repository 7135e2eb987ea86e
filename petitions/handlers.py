"""The grievance's named transitions: each authorises (403 not this person's step) and calls one action.

The API (``POST /api/v1/cases/{id}/transitions/{name}/``) and the pages call the same handler with
the validated fields; the caller found the case through ``cases.queries.access_case`` (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import actions, actions_routing, nodes
from .models import ReviewLevel, Stage
from .policy import require_at_body, require_may_record_review, require_may_work, require_member_of
from .queries import petition_of


def accept(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.ACCEPT, action="accept")
    return actions.do_accept(case, actor=user)


def refuse(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.ACCEPT, action="refuse")
    return actions.do_refuse(case, actor=user, reasons=data["reasons"], citations_=data["citations"])


def extend(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.HANDLE, action="extend")
    return actions.do_request_extension(case, actor=user, days=data["days"], reason=data["reason"])


def approve_extension(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.EXTENSION, action="approve_extension")
    return actions.do_decide_extension(case, actor=user, approve=data["approve"], note=data.get("note", ""))


def pause_clock(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.HANDLE, action="pause_clock")
    return actions.do_pause_clock(case, actor=user, reason=data["reason"])


def resume_clock(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.HANDLE, action="resume_clock")
    return actions.do_resume_clock(case, actor=user, reason=data["reason"])


def decide(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.HANDLE, action="decide")
    return actions.do_decide(
        case,
        actor=user,
        opinion=data["opinion"],
        facts=data["facts"],
        reasons=data["reasons"],
        citations_=data["citations"],
    )


def schedule_hearing(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.HANDLE, action="schedule_hearing")
    actions.do_schedule_hearing(
        case, actor=user, held_at=data["held_at"], place=data["place"], participants=data["participants"]
    )
    return case


def record_agreement(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.HANDLE, action="record_agreement")
    return actions.do_record_agreement(
        case, actor=user, kind=data["kind"], terms=data["terms"], parties=data["parties"]
    )


def forward(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.ACCEPT, action="forward")
    return actions_routing.do_forward(
        case, actor=user, division=data["division"], assisting=data.get("assisting") or [], note=data.get("note", "")
    )


def acknowledge(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.ACKNOWLEDGE, action="acknowledge")
    return actions_routing.do_acknowledge(case, actor=user)


def object_(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.ACKNOWLEDGE, action="object")
    return actions_routing.do_object(case, actor=user, reasons=data["reasons"], proposed=data.get("proposed", ""))


def agree_objection(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.OBJECTION, action="agree_objection")
    return actions_routing.do_agree_objection(case, actor=user, note=data.get("note", ""))


def refer_dispute(user: Any, case: Any, data: dict[str, Any]) -> Any:
    require_at_body(user, case, nodes.OBJECTION, action="refer_dispute")
    return actions_routing.do_refer_dispute(case, actor=user, note=data.get("note", ""))


def designate(user: Any, case: Any, data: dict[str, Any]) -> Any:
    petition = petition_of(case)
    stage = petition.stage if petition is not None else ""
    if stage == Stage.DISPUTED:
        require_at_body(user, case, nodes.DISPUTE, action="designate")
    elif stage == Stage.FORWARDED and petition is not None:
        # Once the time to sign lapsed, the routing body designates (the open task is the receiving body's).
        require_member_of(user, case, petition.routing_division_id or "", action="designate")
    else:
        require_at_body(user, case, nodes.OBJECTION, action="designate")
    return actions_routing.do_designate(case, actor=user, division=data["division"], note=data.get("note", ""))


def request_review(user: Any, case: Any, data: dict[str, Any]) -> Any:
    """Staff of the body that answered, or of the level above, record the petitioner's request."""
    from .reviews import do_request_review

    require_may_record_review(user, case)
    do_request_review(
        case,
        actor=user,
        level=data["level"],
        grounds=data["grounds"],
        requested_on=data.get("requested_on"),
    )
    return case


def answer_review(user: Any, case: Any, data: dict[str, Any]) -> Any:
    """The reviewing body (the level above) answers: only its staff work on the task."""
    from .reviews import NODE_OF, appeal_of, do_answer_review

    petition = case.petition
    open_review = appeal_of(petition).open_review
    node = NODE_OF[ReviewLevel(open_review.level)] if open_review is not None else nodes.REVIEW
    require_may_work(user, case, node, action="answer_review")
    do_answer_review(
        case,
        actor=user,
        outcome=data["outcome"],
        facts=data["facts"],
        reasons=data["reasons"],
        citations_=data["citations"],
    )
    return case


def rectify(user: Any, case: Any, data: dict[str, Any]) -> Any:
    """The handling body reports the rectification after a 差评 (its task)."""
    from .rectification import do_rectify

    require_may_work(user, case, nodes.RECTIFY, action="rectify")
    do_rectify(case, actor=user, report=data["report"])
    return case


def reopen(user: Any, case: Any, data: dict[str, Any]) -> Any:
    """Still dissatisfied after the rectification: a caseworker of the case reopens it as a new grievance."""
    from .rectification import do_reopen

    require_may_work(user, case, nodes.HANDLE, action="reopen")
    do_reopen(case, actor=user, note=data.get("note", ""))
    return case


def advise_review(user: Any, case: Any, data: dict[str, Any]) -> Any:
    from .rectification import do_advise_review

    require_may_work(user, case, nodes.HANDLE, action="advise_review")
    do_advise_review(case, actor=user, note=data.get("note", ""))
    return case


HANDLERS: dict[str, Callable[[Any, Any, dict[str, Any]], Any]] = {
    "accept": accept,
    "refuse": refuse,
    "extend": extend,
    "approve_extension": approve_extension,
    "pause_clock": pause_clock,
    "resume_clock": resume_clock,
    "decide": decide,
    "schedule_hearing": schedule_hearing,
    "record_agreement": record_agreement,
    "forward": forward,
    "acknowledge": acknowledge,
    "object": object_,
    "agree_objection": agree_objection,
    "refer_dispute": refer_dispute,
    "designate": designate,
    "request_review": request_review,
    "answer_review": answer_review,
    "rectify": rectify,
    "reopen": reopen,
    "advise_review": advise_review,
}
NAMES = list(HANDLERS)

# The step each transition works on, and the stages it is offered at (pages show only those).
STEP = {
    "accept": nodes.ACCEPT,
    "refuse": nodes.ACCEPT,
    "extend": nodes.HANDLE,
    "approve_extension": nodes.EXTENSION,
    "pause_clock": nodes.HANDLE,
    "resume_clock": nodes.HANDLE,
    "decide": nodes.HANDLE,
    "schedule_hearing": nodes.HANDLE,
    "record_agreement": nodes.HANDLE,
    "forward": nodes.ACCEPT,
    "acknowledge": nodes.ACKNOWLEDGE,
    "object": nodes.ACKNOWLEDGE,
    "agree_objection": nodes.OBJECTION,
    "refer_dispute": nodes.OBJECTION,
    "designate": nodes.OBJECTION,  # or the dispute's step, or (the time to sign lapsed) the routing body
    "request_review": nodes.HANDLE,
    "answer_review": nodes.REVIEW,
    "rectify": nodes.RECTIFY,
    "reopen": nodes.HANDLE,
    "advise_review": nodes.HANDLE,
}
OFFERED_AT = {
    "accept": (Stage.REGISTERED,),
    "refuse": (Stage.REGISTERED,),
    "extend": (Stage.HANDLING,),
    "approve_extension": (Stage.EXTENSION_REQUESTED,),
    "pause_clock": (Stage.HANDLING, Stage.EXTENSION_REQUESTED),
    "resume_clock": (Stage.HANDLING, Stage.EXTENSION_REQUESTED),
    "decide": (Stage.HANDLING,),
    "schedule_hearing": (Stage.HANDLING, Stage.EXTENSION_REQUESTED),
    "record_agreement": (Stage.HANDLING, Stage.EXTENSION_REQUESTED),
    "forward": (Stage.REGISTERED,),
    "acknowledge": (Stage.FORWARDED,),
    "object": (Stage.FORWARDED,),
    "agree_objection": (Stage.OBJECTED,),
    "refer_dispute": (Stage.OBJECTED,),
    "designate": (Stage.OBJECTED, Stage.DISPUTED, Stage.FORWARDED),
    "request_review": (Stage.DECIDED,),
    "answer_review": (Stage.DECIDED,),
    "rectify": (Stage.DECIDED,),
    "reopen": (Stage.DECIDED,),
    "advise_review": (Stage.DECIDED,),
}
