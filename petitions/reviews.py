"""复查 and 复核 (Arts. 35–36): appeals two levels up, with finality.

- ``request_review`` (recorded by staff): within 30 days of the 信访处理意见书 the petitioner asks the
  body above the one that answered for a 复查; within 30 days of the 复查意见书, the body above that
  one for a 复核. One of each per grievance: a 复核 is final.
- The request starts ``petitions.flows.ReviewFlow`` (a task for the reviewing body, which answers
  within 30 days of the request: ``answer_review``), and makes it the case's process (the
  petition's own process ended with the decision). The reviewing body is above the case's
  division, so its staff see the whole earlier file (the case page, documents and letters) by their
  jurisdiction; only they work on the task (``cases.nodes.ExtraNode.division_of``).
- After a 复核, the same request of the same person with the same facts and reasons is answered
  不再受理 at registration (:func:`finally_reviewed`, called by ``do_register_petition``).
- An answer that changes or revokes (变更、撤销) the handling opinion sends the matter back to the body that
  gave it, to handle again (重新办理, :func:`send_back`): the grievance is being handled there again, with
  a handling task in that body's queue and the limits counted from the answer's day; the opinion set aside
  is kept on the review, in the history and as a letter no longer in force; the 复查意见书 or 复核意见书
  tells the petitioner who handles the matter again and by when, and the body is notified. A 复核 may
  then be asked of the new opinion (after a 复查), within 30 days of it.

Every refusal by a rule is a 400 naming the field and the article, nothing saved, audited
(``petition.refused``); a lost race is a 409.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff
from audit.log import audited
from cases.models import Case
from cases.notify import new_tasks, notify_new_tasks, pool_for_task
from cases.queries import forget_nav_counts
from core.errors import Conflict
from jurisdictions.models import Division
from letters.actions import do_request_letter, do_set_aside_letters
from notifications.outbox import notify
from policies.calendar import Limit, calendar_limit
from policies.citations import validate_citations
from policies.models import PolicyArticle

from . import deadlines, nodes
from .actions import _event, _freeze, _lock, _name_bodies, _now, _require_stage, _run, refusals_audited
from .citations import frozen
from .models import Petition, Review, ReviewLevel, ReviewOutcome, Stage

# The letters of the appeals (``petitions.letters`` registers them).
REVIEW_OPINION = "gv_review"  # 复查意见书
RE_REVIEW_OPINION = "gv_re_review"  # 复核意见书
LETTER_OF = {ReviewLevel.REVIEW: REVIEW_OPINION, ReviewLevel.RE_REVIEW: RE_REVIEW_OPINION}
NODE_OF = {ReviewLevel.REVIEW: nodes.REVIEW, ReviewLevel.RE_REVIEW: nodes.RE_REVIEW}

# The citing documents (``policies.Citation.document_type``; the id is the case's).
CITING_REVIEW = "petitions.review"  # 复查意见书
CITING_RE_REVIEW = "petitions.re_review"  # 复核意见书
CITING_OF = {ReviewLevel.REVIEW: CITING_REVIEW, ReviewLevel.RE_REVIEW: CITING_RE_REVIEW}

ARTICLE = {ReviewLevel.REVIEW: "第三十五条", ReviewLevel.RE_REVIEW: "第三十六条"}

# The outcomes that set the handling opinion aside: the body that gave it handles the matter again.
SETS_ASIDE = (ReviewOutcome.CHANGE, ReviewOutcome.REVOKE)
# Told to the staff of the body that handles the matter again (``petitions.registrations``).
REDO_EVENT = "petition.redo"


def request_days() -> int:
    return int(getattr(settings, "LAUREL_PETITION_REVIEW_REQUEST_DAYS", 30))


def answer_days() -> int:
    return int(getattr(settings, "LAUREL_PETITION_REVIEW_ANSWER_DAYS", 30))


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


# --- the limits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appeal:
    """Where a decided grievance stands on the way up: the reviews so far and the next window."""

    review: Review | None
    re_review: Review | None
    # The level that may be requested now, its window and the body that would answer (None: none can).
    next_level: str | None
    request_by: Limit | None
    next_body: Division | None

    @property
    def open_review(self) -> Review | None:
        for review in (self.re_review, self.review):
            if review is not None and review.answered_on is None:
                return review
        return None

    @property
    def final(self) -> bool:
        return self.re_review is not None and self.re_review.answered_on is not None


def answer_by(review: Review) -> Limit:
    """The reviewing body answers within 30 days of the request (Arts. 35, 36)."""
    return calendar_limit(review.requested_on, answer_days())


def body_above(code: str) -> Division | None:
    """The level above ``code`` (its parent division), the reviewing body of a 复查 or a 复核."""
    parent = Division.objects.filter(code=code).values_list("parent_id", flat=True).first()
    return Division.objects.filter(code=parent).first() if parent else None


def appeal_of(petition: Petition) -> Appeal:
    reviews = {r.level: r for r in Review.objects.filter(petition=petition).select_related("body")}
    review = reviews.get(ReviewLevel.REVIEW)
    re_review = reviews.get(ReviewLevel.RE_REVIEW)
    level: str | None = None
    window: Limit | None = None
    body: Division | None = None
    if petition.stage == Stage.DECIDED and petition.decided_on is not None:
        if review is None:
            level = ReviewLevel.REVIEW
            window = calendar_limit(petition.decided_on, request_days())
            body = body_above(petition.lead_division_id)
        elif review.answered_on is not None and re_review is None:
            level = ReviewLevel.RE_REVIEW
            # Handled again after the 复查 set the opinion aside: the 30 days run from the new opinion.
            since = max(review.answered_on, petition.decided_on)
            window = calendar_limit(since, request_days())
            body = body_above(review.body_id)
    return Appeal(review, re_review, level, window, body)


def review_body_of(case: Any) -> str | None:
    """The body working on the case's open review task (``ExtraNode.division_of``)."""
    return (
        Review.objects.filter(petition__case_id=case.pk, answered_on__isnull=True)
        .values_list("body_id", flat=True)
        .first()
    )


def _article(number: str) -> list[PolicyArticle]:
    """An article of the 信访工作条例 as the policy base holds it in force (none when it is not loaded)."""
    from policies.queries import current_q

    found = (
        PolicyArticle.objects.select_related("document")
        .filter(current_q(), document__title="信访工作条例", number=number)
        .order_by("-version")
        .first()
    )
    return [found] if found is not None else []


def article_36() -> list[PolicyArticle]:
    return _article("第三十六条")


# --- requesting ----------------------------------------------------------------------------------


@refusals_audited("request_review")
@audited
def do_request_review(
    case: Case,
    *,
    actor: Actor,
    level: str,
    grounds: str,
    requested_on: datetime.date | None = None,
) -> Review:
    """Record the petitioner's request for a 复查 (Art. 35) or a 复核 (Art. 36) and open the higher level's task.

    ``requested_on``: the day the request reached the body (today by default; the window is
    counted on it). Refused with 400 (nothing saved, audited): a request after its 30 days, a
    复核 before the 复查 was answered, a second 复查 or 复核, no grounds.
    """
    case, petition = _lock(case)
    _require_stage(case, petition, Stage.DECIDED)
    today = timezone.localdate()
    requested_on = requested_on or today
    appeal = appeal_of(petition)
    errors: dict[str, str] = {}
    if level not in ReviewLevel.values:
        raise ValidationError({"level": _("Choose a review (复查) or a re-review (复核).")})
    if requested_on > today:
        errors["requested_on"] = _("The day of the request cannot be in the future.")
    elif petition.decided_on is not None and requested_on < petition.decided_on:
        errors["requested_on"] = _("The request cannot precede the handling opinion.")
    if not grounds.strip():
        errors["grounds"] = _("State why the petitioner disagrees with the written answer (Arts. 35–36).")
    if level == ReviewLevel.REVIEW and appeal.review is not None:
        errors["level"] = _("A review (复查) was already requested for this grievance; Art. 35 allows one.")
    elif level == ReviewLevel.RE_REVIEW:
        if appeal.re_review is not None:
            errors["level"] = _(
                "The re-review (复核) is final: a second re-review cannot be requested (Art. 36 of the 信访工作条例)."
            )
        elif appeal.review is None:
            errors["level"] = _(
                "A re-review (复核) follows a review (复查): ask the level above for a 复查 first"
                " (Arts. 35–36 of the 信访工作条例)."
            )
        elif appeal.review.answered_on is None:
            errors["level"] = _(
                "The review (复查) has not been answered yet: a re-review (复核) can be asked only of its"
                " answer (Art. 36 of the 信访工作条例)."
            )
    if "level" not in errors and "requested_on" not in errors and appeal.next_level == level:
        assert appeal.request_by is not None
        if requested_on > appeal.request_by.date:
            written = _("the handling opinion") if level == ReviewLevel.REVIEW else _("the review opinion (复查意见书)")
            errors["requested_on"] = _(
                "The request must be made within %(days)s days of %(written)s (%(article)s of the 信访工作条例):"
                " the window ended on %(date)s."
            ) % {
                "days": request_days(),
                "written": written,
                "article": ARTICLE[ReviewLevel(level)],
                "date": appeal.request_by.date.isoformat(),
            }
        if appeal.next_body is None:
            errors["level"] = _("There is no level above the body that answered to review the matter.")
    if errors:
        raise ValidationError(errors)
    body = appeal.next_body
    assert body is not None
    try:
        with transaction.atomic():
            review = Review.objects.create(
                petition=petition,
                level=level,
                body=body,
                requested_on=requested_on,
                grounds=grounds.strip(),
                recorded_by=require_staff(actor),
            )
    except IntegrityError:
        raise Conflict(_("Someone else has just recorded this request."), current_status=case.status) from None
    from .flows import start_review_process

    limit = answer_by(review)
    with new_tasks() as created:
        process = start_review_process(case, level=level, division=body.code)
    Case.objects.filter(pk=case.pk).update(process=process, due_at=_end_of(limit.date))
    case.process = process
    case.due_at = _end_of(limit.date)
    _event(
        case,
        petition,
        "review_requested",
        actor=actor,
        level=level,
        body=body.code,
        requested_on=requested_on,
        answer_by=limit.date,
        provisional=limit.provisional,
    )
    notify_new_tasks(case, actor=actor, tasks=created)
    forget_nav_counts(getattr(actor, "pk", None))
    return review


# --- answering -----------------------------------------------------------------------------------


@refusals_audited("answer_review")
@audited
def do_answer_review(
    case: Case, *, actor: Actor, outcome: str, facts: str, reasons: str, citations_: Iterable[Any]
) -> Review:
    """The reviewing body answers (复查意见 / 复核意见): upheld, changed or revoked, with facts, reasons and
    the articles; the 复查意见书 or 复核意见书 is issued. A 复核's answer is final (Art. 36)."""
    case, petition = _lock(case)
    review = (
        Review.objects.select_for_update().filter(petition=petition, answered_on__isnull=True).order_by("-id").first()
    )
    if review is None:
        raise Conflict(_("No review of this grievance is waiting for an answer."), current_status=case.status)
    errors: dict[str, str] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = _("Choose upheld, changed or revoked.")
    if not facts.strip():
        errors["facts"] = _("State the facts found.")
    if not reasons.strip():
        errors["reasons"] = _("State the reasons of the opinion.")
    if errors:
        raise ValidationError(errors)
    articles = validate_citations(citations_, on=timezone.localdate(), required=True)
    level = ReviewLevel(review.level)
    review.answered_on = timezone.localdate()
    review.outcome = outcome
    review.facts = facts.strip()
    review.reasons = reasons.strip()
    review.citations = frozen(articles)
    review.answered_by = require_staff(actor)
    review.save()
    Case.objects.filter(pk=case.pk).update(due_at=None)
    case.due_at = None
    _freeze(CITING_OF[level], case, articles, actor)
    _event(
        case,
        petition,
        "review_answered",
        actor=actor,
        level=level.value,
        body=review.body_id,
        outcome=outcome,
        citations=[a.pk for a in articles],
        late=review.answered_on > answer_by(review).date,
    )
    _run(case, NODE_OF[level], actor)
    if outcome in SETS_ASIDE:
        send_back(case, petition, review, actor=actor)
    do_request_letter(case, kind=LETTER_OF[level], actor=actor)
    forget_nav_counts(getattr(actor, "pk", None))
    return review


def send_back(case: Case, petition: Petition, review: Review, *, actor: Actor) -> None:
    """The answer changed or revoked the opinion: the body that gave it handles the matter again (重新办理).

    Inside ``do_answer_review``'s transaction, the case and the petition locked. The opinion set aside is
    kept on the review (and in the audit event); its 信访处理意见书 is no longer in force, so the new
    decision issues a new one. The extension and the pauses of the first handling do not carry over.
    """
    from .actions import OPINION, _set_due
    from .flows import start_redo_process

    assert petition.decided_on is not None
    review.set_aside = {
        "opinion": petition.opinion,
        "decided_on": petition.decided_on.isoformat(),
        "facts": petition.decision_facts,
        "reasons": petition.decision_reasons,
        "citations": petition.citations,
        "body": petition.lead_division_id,
    }
    review.save(update_fields=["set_aside"])
    petition.stage = Stage.HANDLING
    petition.redo_on = timezone.localdate()
    petition.decided_on = None
    petition.opinion = ""
    petition.decision_facts = ""
    petition.decision_reasons = ""
    petition.citations = []
    petition.extension_days = 0
    petition.requested_extension_days = 0
    petition.extension_reason = ""
    petition.paused_days = 0
    petition.save()
    case.reopen_for_redo()
    case.findings = ""
    case.outcome_reasons = ""
    case.legal_basis = ""
    case.stage_started_at = _now()
    _set_due(case, petition)
    case.save()
    with new_tasks() as created:
        process = start_redo_process(case, review=review.pk)
    Case.objects.filter(pk=case.pk).update(process=process)
    case.process = process
    _name_bodies(case, created)
    reason = _("%(body)s %(outcome)s the handling opinion (%(level)s): the matter is handled again.") % {
        "body": review.body.name,
        "outcome": ReviewOutcome(review.outcome).label,
        "level": ReviewLevel(review.level).label,
    }
    do_set_aside_letters(case, kinds_=(OPINION,), actor=actor, reason=reason)
    limit = deadlines.deadlines_of(petition).handle_by
    assert limit is not None
    _event(
        case,
        petition,
        "sent_back",
        actor=actor,
        level=review.level,
        outcome=review.outcome,
        reviewing_body=review.body_id,
        body=petition.lead_division_id,
        handle_by=limit.date,
        provisional=limit.provisional,
        set_aside=review.set_aside,
    )
    notify_new_tasks(case, actor=actor, tasks=created)
    for task in created:
        if getattr(task.flow_task, "name", "") != nodes.HANDLE:
            continue
        notify(
            event=REDO_EVENT,
            recipients=[u for u in pool_for_task(task, case) if u.pk != getattr(actor, "pk", None)],
            context={
                "case": case.number,
                "body": review.body.name,
                "division": petition.lead_division.name,
                "deadline": limit.date.isoformat(),
            },
            dedupe_key=f"{REDO_EVENT}:{case.pk}:{review.pk}",
            division_code=case.division_id,
            link=f"/cases/{case.pk}/",
        )


def redo_of(petition: Petition) -> Review | None:
    """The review whose answer sent the matter back to be handled again (the latest; None if none did)."""
    if petition.redo_on is None:
        return None
    return (
        Review.objects.filter(petition=petition, outcome__in=SETS_ASIDE, answered_on__isnull=False)
        .select_related("body")
        .order_by("-answered_on", "-id")
        .first()
    )


# --- finality ------------------------------------------------------------------------------------


def _bare(value: str) -> str:
    return "".join(value.split())


def finally_reviewed(subject: Any, request: str, facts: str, reasons: str) -> Case | None:
    """A grievance of the same person with the same request, facts and reasons whose 复核 was answered:
    raised again, it is not accepted again (不再受理, Art. 36). Whitespace does not count."""
    wanted = (_bare(request), _bare(facts), _bare(reasons))
    for petition in Petition.objects.select_related("case").filter(
        case__subject=subject, reviews__level=ReviewLevel.RE_REVIEW, reviews__answered_on__isnull=False
    ):
        if (_bare(petition.request), _bare(petition.facts), _bare(petition.reasons)) == wanted:
            return petition.case
    return None
