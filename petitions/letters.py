"""The letters of a grievance: the kinds petitions registers with ``letters`` and what each one says.

Every notice is a letter (GB/T 9704 layout, numbered, signed, verifiable): 受理告知书, 不予受理告知书,
延长办理期限告知书, 信访处理意见书, 调解协议书 and 和解协议书. The legal basis prints each cited
article by document and number, and its text only when the base holds the official text: a 摘要
is never printed as if it were the article.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.letters import case_snapshot
from letters import kinds
from letters.content import chinese_date

from . import actions, deadlines, groups, reviews
from .models import Channel, Opinion, Petition, ReviewLevel, ReviewOutcome

OPINION_WORDS = {Opinion.SUPPORT: "支持", Opinion.EXPLAIN: "解释说明", Opinion.NOT_SUPPORT: "不予支持"}


def _petition(case: Any) -> Petition:
    petition = Petition.objects.filter(case_id=case.pk).first()
    if petition is None:
        raise ValidationError({"kind": _("This case is not a grievance under the 信访工作条例.")})
    return petition


def _basis(cited: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "cite": f"《{c['document']}》{c['number']}",
            # A summary (摘要) is not the article: only the official text is quoted.
            "text": "" if c.get("is_summary") else str(c.get("text", "")),
        }
        for c in cited
    ]


OUTCOME_WORDS = {ReviewOutcome.UPHOLD: "维持", ReviewOutcome.CHANGE: "变更", ReviewOutcome.REVOKE: "撤销"}
LEVEL_OF_LETTER = {reviews.REVIEW_OPINION: ReviewLevel.REVIEW, reviews.RE_REVIEW_OPINION: ReviewLevel.RE_REVIEW}


def _review(petition: Petition, kind: str) -> dict[str, Any] | None:
    """The answered 复查 or 复核 a 复查意见书 / 复核意见书 gives (None for the other letters)."""
    level = LEVEL_OF_LETTER.get(kind)
    if level is None:
        return None
    review = petition.reviews.select_related("body").filter(level=level, answered_on__isnull=False).first()
    if review is None:
        raise ValidationError({"kind": _("This review has not been answered yet.")})
    # The opinion appealed: the one this answer set aside, else the petition's (after a 复查 that set the
    # first one aside, the 复核 is of the opinion given on handling the matter again).
    appealed = datetime.date.fromisoformat(review.set_aside["decided_on"]) if review.set_aside else petition.decided_on
    redo = None
    if review.set_aside and petition.redo_on is not None:
        limit = deadlines.deadlines_of(petition).handle_by
        redo = {
            "body": petition.lead_division.name,
            "handle_by": chinese_date(limit.date) if limit else "",
            "provisional": bool(limit and limit.provisional),
        }
    return {
        "body": review.body.name,
        "decided_on": chinese_date(appealed) if appealed else "",
        "after_redo": level == ReviewLevel.RE_REVIEW
        and petition.reviews.filter(level=ReviewLevel.REVIEW).exclude(set_aside={}).exists(),
        "redo": redo,
        "requested_on": chinese_date(review.requested_on),
        "answered_on": chinese_date(review.answered_on) if review.answered_on else "",
        "grounds": review.grounds,
        "outcome": OUTCOME_WORDS[ReviewOutcome(review.outcome)],
        "facts": review.facts,
        "reasons": review.reasons,
        "basis": _basis(review.citations),
        "final": level == ReviewLevel.RE_REVIEW,
        "request_days": reviews.request_days(),
    }


def snapshot(case: Any, details: dict[str, Any], *, kind: str) -> dict[str, Any]:
    petition = _petition(case)
    limits = deadlines.deadlines_of(petition)
    if kind == actions.OPINION and not petition.opinion:
        raise ValidationError({"kind": _("This grievance has not been decided yet.")})
    if kind == actions.EXTENSION and not petition.extension_days:
        raise ValidationError({"kind": _("No extension of this grievance has been approved.")})
    if kind in (actions.MEDIATION, actions.SETTLEMENT) and not str(details.get("terms", "")).strip():
        raise ValidationError({"terms": _("State the terms the parties agreed.")})
    data = case_snapshot(case, details, kind=kind)
    chosen = groups.representatives(petition)
    if chosen:
        # A group petition: the letter is addressed to its representatives (Art. 20).
        data["subject"]["name"] = "、".join(row.name for row in chosen)
        data["subject"]["id_masked"] = "、".join(row.id_number_masked for row in chosen)
    with translation.override("zh-hans"):
        channel = str(Channel(petition.channel).label)
    data["petition"] = {
        "channel": channel,
        "reference_number": petition.reference_number,
        "query_code": case.query_code or "",
        "track_url": settings.LAUREL_PUBLIC_BASE_URL.rstrip("/") + "/track/",
        "received_on": chinese_date(petition.received_on),
        "request": petition.request,
        "facts": petition.facts,
        "reasons": petition.reasons,
        "accepted_on": chinese_date(petition.accepted_on) if petition.accepted_on else "",
        "handle_by": chinese_date(limits.handle_by.date) if limits.handle_by else "",
        "extended_to": chinese_date(limits.extended_to.date) if limits.extended_to else "",
        "provisional": limits.provisional,
        "extension_days": petition.extension_days,
        "extension_reason": petition.extension_reason,
        "opinion": OPINION_WORDS.get(Opinion(petition.opinion), "") if petition.opinion else "",
        "decision_facts": petition.decision_facts,
        "decision_reasons": petition.decision_reasons,
        "decided_on": chinese_date(petition.decided_on) if petition.decided_on else "",
        "review_request_by": chinese_date(limits.review_request_by.date) if limits.review_request_by else "",
        "review_days": deadlines.review_request_days(),
        "basis": _basis(petition.citations if kind == actions.OPINION else petition.refusal_citations),
        "repeat_of": petition.repeat_of.number if petition.repeat_of_id and petition.repeat_of else "",
        "representatives": [row.name for row in chosen],
        "petitioners": petition.petitioners.count(),
        "review": _review(petition, kind),
        "terms": str(details.get("terms", "")),
        "parties": str(details.get("parties", "")),
    }
    return data


def acceptance_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=actions.ACCEPTANCE)


def non_acceptance_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=actions.NON_ACCEPTANCE)


def extension_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=actions.EXTENSION)


def opinion_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=actions.OPINION)


def mediation_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=actions.MEDIATION)


def settlement_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=actions.SETTLEMENT)


def review_opinion_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=reviews.REVIEW_OPINION)


def re_review_opinion_snapshot(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    return snapshot(case, details, kind=reviews.RE_REVIEW_OPINION)


def register() -> None:
    for kind in (
        kinds.LetterKind(
            code=actions.ACCEPTANCE,
            label=gettext_lazy("Grievance: notice of acceptance"),
            title="受理告知书",
            template="letters/pdf/petition_acceptance.html",
            snapshot=acceptance_snapshot,
            one_in_force_among=(actions.ACCEPTANCE,),
        ),
        kinds.LetterKind(
            code=actions.NON_ACCEPTANCE,
            label=gettext_lazy("Grievance: notice of non-acceptance"),
            title="不予受理告知书",
            template="letters/pdf/petition_non_acceptance.html",
            snapshot=non_acceptance_snapshot,
            one_in_force_among=(actions.NON_ACCEPTANCE,),
        ),
        kinds.LetterKind(
            code=actions.EXTENSION,
            label=gettext_lazy("Grievance: notice of extension"),
            title="延长办理期限告知书",
            template="letters/pdf/petition_extension.html",
            snapshot=extension_snapshot,
            one_in_force_among=(actions.EXTENSION,),
        ),
        kinds.LetterKind(
            code=actions.OPINION,
            label=gettext_lazy("Grievance: handling opinion"),
            title="信访处理意见书",
            template="letters/pdf/petition_opinion.html",
            snapshot=opinion_snapshot,
            one_in_force_among=(actions.OPINION,),
            supersede_permission=kinds.APPROVE,
        ),
        kinds.LetterKind(
            code=reviews.REVIEW_OPINION,
            label=gettext_lazy("Grievance: review opinion (复查意见书)"),
            title="复查意见书",
            template="letters/pdf/petition_review_opinion.html",
            snapshot=review_opinion_snapshot,
            one_in_force_among=(reviews.REVIEW_OPINION,),
            supersede_permission=kinds.APPROVE,
        ),
        kinds.LetterKind(
            code=reviews.RE_REVIEW_OPINION,
            label=gettext_lazy("Grievance: re-review opinion (复核意见书)"),
            title="复核意见书",
            template="letters/pdf/petition_review_opinion.html",
            snapshot=re_review_opinion_snapshot,
            one_in_force_among=(reviews.RE_REVIEW_OPINION,),
            supersede_permission=kinds.APPROVE,
        ),
        kinds.LetterKind(
            code=actions.MEDIATION,
            label=gettext_lazy("Grievance: mediation agreement"),
            title="调解协议书",
            template="letters/pdf/petition_agreement.html",
            snapshot=mediation_snapshot,
        ),
        kinds.LetterKind(
            code=actions.SETTLEMENT,
            label=gettext_lazy("Grievance: settlement agreement"),
            title="和解协议书",
            template="letters/pdf/petition_agreement.html",
            snapshot=settlement_snapshot,
        ),
    ):
        kinds.register_kind(kind)
