"""回访, 差评 and 整改 (issue 19 item 4): a poor rating of a decided grievance opens a rectification.

- The petitioner rates the handling of a closed case on the five-level 好差评 scale (the public page, the
  SMS link, or a call-back recorded by staff: ``cases.actions.do_rate_case``). A score of 1 or 2 (差评) on a
  **decided** grievance opens a :class:`~petitions.models.Rectification` in the same transaction
  (:func:`on_rating`, registered with ``cases.extensions.register_rating_rules``): a task for the handling
  body (``RectificationFlow``, made the case's process as a review is) with a deadline of
  ``LAUREL_PETITION_RECTIFICATION_WORKING_DAYS`` working days (15 by default, on ``policies.calendar``).
  No rectification opens while a 复查 or 复核 is waiting for its answer: the review is the remedy then.
- The body reports what it put right (transition ``rectify``). Until then the rectification cannot be rated
  (a field error on ``case``); afterwards the next rating is round 1, the rating of the rectification.
- Rated poorly again, the follow-up is pending: a caseworker reopens the matter as a new grievance linked
  to this one, accepted at once (transition ``reopen``), or records that the petitioner was told of the
  复查 (``advise_review``, Art. 35).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff
from audit.log import audited
from cases.models import Case, Kind, Rating
from cases.notify import new_tasks, notify_new_tasks
from cases.queries import forget_nav_counts
from core.errors import Conflict
from policies.calendar import add_working_days

from . import nodes
from .actions import _end_of, _event, _lock, _run
from .models import Petition, Rectification, Stage

POOR = 2  # a score at or below this is a 差评
REPORT_LIMIT = 5000


def rectification_days() -> int:
    return int(getattr(settings, "LAUREL_PETITION_RECTIFICATION_WORKING_DAYS", 15))


def rectification_of(case: Any) -> Rectification | None:
    if getattr(case, "kind", None) != Kind.GRIEVANCE:
        return None
    return Rectification.objects.filter(petition__case_id=case.pk).first()


# --- the rating rules (registered with cases.extensions) ----------------------------------------


def next_round(case: Any) -> int | None:
    """A grievance with a rectification: round 1 once it is done; before that it cannot be rated."""
    rectification = rectification_of(case)
    if rectification is None:
        return None
    if rectification.done_on is None:
        raise ValidationError(
            {"case": [_("The rectification is not finished yet: the petitioner rates it once it is reported.")]}
        )
    return 1


def on_rating(case: Any, rating: Rating) -> None:
    """差评 of the handling opens the rectification; 差评 of the rectification leaves the follow-up pending."""
    if getattr(case, "kind", None) != Kind.GRIEVANCE or rating.score > POOR:
        return
    if not Petition.objects.filter(case_id=case.pk).exists():
        return  # a grievance filed through the ordinary case form has no petition process
    if rating.round == 0:
        do_open_rectification(case, rating=rating)
    elif rating.round == 1:
        Rectification.objects.filter(petition__case_id=case.pk, followup="").update(
            followup=Rectification.Followup.PENDING
        )
        petition = Petition.objects.get(case_id=case.pk)
        _event(case, petition, "rectification_rejected", actor=None, score=rating.score)


# --- actions ----------------------------------------------------------------------------------


def do_open_rectification(case: Case, *, rating: Rating) -> Rectification | None:
    """Open the 整改 of a decided grievance after a 差评 (inside the rating's transaction); None when a review waits."""
    from .reviews import appeal_of

    case, petition = _lock(case)
    if petition.stage != Stage.DECIDED or hasattr(petition, "rectification"):
        return None
    if appeal_of(petition).open_review is not None:
        return None
    today = timezone.localdate()
    due = add_working_days(today, rectification_days())
    rectification = Rectification.objects.create(petition=petition, rating=rating, opened_on=today, due_on=due)
    from .flows import start_rectification_process

    with new_tasks() as created:
        process = start_rectification_process(case)
    Case.objects.filter(pk=case.pk).update(process=process, due_at=_end_of(due))
    case.process = process
    _event(case, petition, "rectification_opened", actor=None, score=rating.score, due_on=due)
    notify_new_tasks(case, actor=None, tasks=created)
    return rectification


@audited
def do_rectify(case: Case, *, actor: Actor, report: str) -> Rectification:
    """The handling body reports what it put right: the task is done; the petitioner may rate it (round 1)."""
    text = report.strip()
    if not text:
        raise ValidationError({"report": _("Say what was put right; the report cannot be empty.")})
    if len(text) > REPORT_LIMIT:
        raise ValidationError({"report": _("At most %(limit)s characters.") % {"limit": REPORT_LIMIT}})
    case, petition = _lock(case)
    rectification = Rectification.objects.select_for_update().filter(petition=petition).first()
    if rectification is None or rectification.done_on is not None:
        raise Conflict(_("No rectification of this grievance is waiting."), current_status=case.status)
    rectification.report = text
    rectification.done_on = timezone.localdate()
    rectification.done_by = require_staff(actor)
    rectification.save(update_fields=["report", "done_on", "done_by"])
    Case.objects.filter(pk=case.pk).update(due_at=None)
    _event(
        case,
        petition,
        "rectified",
        actor=actor,
        late=rectification.done_on > rectification.due_on,
        due_on=rectification.due_on,
    )
    _run(case, nodes.RECTIFY, actor)
    forget_nav_counts(getattr(actor, "pk", None))
    return rectification


def _pending(petition: Petition) -> Rectification:
    rectification = Rectification.objects.select_for_update().filter(petition=petition).first()
    if rectification is None or rectification.followup != Rectification.Followup.PENDING:
        raise Conflict(
            _("The petitioner has not rated the rectification poorly: there is nothing to follow up."),
            current_status="",
        )
    return rectification


@audited
def do_reopen(case: Case, *, actor: Actor, note: str = "") -> Case:
    """Still dissatisfied after the rectification: the matter is registered again, accepted at once, linked."""
    from .actions import do_register_petition

    case, petition = _lock(case)
    rectification = _pending(petition)
    with transaction.atomic():
        reopened = do_register_petition(
            case.subject,
            actor=actor,
            channel=petition.channel,
            request=petition.request,
            facts=petition.facts,
            reasons=petition.reasons + ("\n" + note.strip() if note.strip() else ""),
            title=str(_("Reopened: %(title)s") % {"title": case.title})[:200],
            accept_now=True,
            field=petition.field,
            respondent=petition.respondent,
        )
        Case.objects.filter(pk=reopened.pk).update(related_case=case)
        reopened.related_case = case
        rectification.followup = Rectification.Followup.REOPENED
        rectification.followup_note = note.strip()
        rectification.reopened_as = reopened
        rectification.save(update_fields=["followup", "followup_note", "reopened_as"])
        _event(case, petition, "reopened", actor=actor, reopened_as=reopened.number)
    return reopened


@audited
def do_advise_review(case: Case, *, actor: Actor, note: str) -> Rectification:
    """Still dissatisfied: the petitioner was told they may ask the level above for a 复查 (Art. 35)."""
    if not note.strip():
        raise ValidationError({"note": _("Say when and how the petitioner was told of the review (复查).")})
    case, petition = _lock(case)
    rectification = _pending(petition)
    rectification.followup = Rectification.Followup.REVIEW_ADVISED
    rectification.followup_note = note.strip()
    rectification.save(update_fields=["followup", "followup_note"])
    _event(case, petition, "review_advised", actor=actor)
    return rectification


def due_on(case: Any) -> datetime.date | None:
    rectification = rectification_of(case)
    return rectification.due_on if rectification is not None and rectification.done_on is None else None
