"""What a person sees of their own case: plain words and dates, never staff names or internal notes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.models import AuditEvent
from cases.models import Case, Outcome, Rating, Status
from letters.models import Letter, Letterhead
from letters.models import Status as LetterStatus

# The status in the words a person understands (not the office's stage names).
PLAIN_STATUS: dict[str, str | Promise] = {
    Status.SUBMITTED: _("Registered: the bureau is checking whether it can take up your matter"),
    Status.VERIFYING: _("Accepted: the departments concerned are checking the facts"),
    Status.PENDING_APPROVAL: _("Checked: waiting for the decision"),
    Status.RETURNED: _("More documents are needed: the bureau will contact you"),
    Status.APPROVED: _("Approved: the register is being updated"),
    Status.REJECTED: _("Decided: not approved"),
    Status.APPLIED: _("Completed: approved and recorded"),
    Status.CLOSED: pgettext_lazy("public status", "Closed"),
    Status.WITHDRAWN: pgettext_lazy("public status", "Withdrawn"),
}
NOT_ACCEPTED = _("Not accepted (不予受理)")

# A step of the history as the person reads it: what happened to their matter.
STEP_WORDS: dict[str, str | Promise] = {
    Status.SUBMITTED: _("Back with the bureau for a check of the documents"),
    Status.VERIFYING: _("Accepted; the departments concerned check the facts"),
    Status.PENDING_APPROVAL: _("Facts checked; sent for decision"),
    Status.RETURNED: _("More documents requested"),
    Status.APPROVED: _("Approved"),
    Status.REJECTED: _("Decided: not approved"),
    Status.APPLIED: _("Recorded in the register"),
    Status.CLOSED: pgettext_lazy("public status", "Closed"),
    Status.WITHDRAWN: pgettext_lazy("public status", "Withdrawn"),
}


@dataclass
class Step:
    on: datetime.date
    what: str


@dataclass
class Notice:
    pk: int
    title: str
    number: str
    issued_on: datetime.date | None


@dataclass
class PublicView:
    case: Case
    status: str
    steps: list[Step] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    body: str = ""
    due_on: datetime.date | None = None
    can_rate: bool = False
    rating: Rating | None = None


def plain_status(case: Case) -> str:
    if case.outcome == Outcome.NOT_ACCEPTED:
        return str(NOT_ACCEPTED)
    return str(PLAIN_STATUS.get(case.status, case.get_status_display()))


def handling_body(case: Case) -> str:
    """The bureau handling the case: its letterhead's name, or the county's name with the bureau's title."""
    county = case.division_id[:6]
    head = Letterhead.objects.filter(division_id=county).values_list("bureau_name", flat=True).first()
    if head:
        return str(head)
    from jurisdictions.models import Division

    name = Division.objects.filter(code=county).values_list("name", flat=True).first() or ""
    return str(_("%(county)s veterans' affairs bureau") % {"county": name}) if name else ""


def _steps(case: Case) -> list[Step]:
    steps = [Step(timezone.localdate(case.created_at), str(_("Registered")))]
    events = AuditEvent.objects.filter(
        object_type="cases.case", object_id=str(case.pk), event_type="case.transition"
    ).order_by("occurred_at", "id")
    for occurred_at, data in events.values_list("occurred_at", "data"):
        target = (data or {}).get("to", "")
        if target == Status.REJECTED and case.outcome == Outcome.NOT_ACCEPTED:
            words: Any = NOT_ACCEPTED
        else:
            words = STEP_WORDS.get(target)
        if words:
            steps.append(Step(timezone.localdate(occurred_at), str(words)))
    return steps


def notices(case: Case) -> list[Notice]:
    """The case's letters in force, as issued (the same verified PDFs staff print)."""
    letters = Letter.objects.filter(case=case, status=LetterStatus.ISSUED, superseded_at__isnull=True).order_by(
        "issued_at", "id"
    )
    return [
        Notice(
            letter.pk,
            str(letter.title),
            letter.number,
            timezone.localdate(letter.issued_at) if letter.issued_at else None,
        )
        for letter in letters
    ]


def public_view(case: Case) -> PublicView:
    rating = Rating.objects.filter(case=case, round=0).first()
    view = PublicView(
        case=case,
        status=plain_status(case),
        steps=_steps(case),
        notices=notices(case),
        body=handling_body(case),
        rating=rating,
        can_rate=not case.is_open and rating is None,
    )
    if case.is_open and case.due_at is not None and case.paused_at is None:
        view.due_on = timezone.localdate(case.due_at)
    for notice in view.notices:
        if notice.issued_on:
            view.steps.append(Step(notice.issued_on, str(_("Notice issued: %(title)s") % {"title": notice.title})))
    view.steps.sort(key=lambda step: step.on)
    return view


def letter_of_case(case_id: int, letter_id: int) -> Letter | None:
    return Letter.objects.filter(
        pk=letter_id, case_id=case_id, status=LetterStatus.ISSUED, superseded_at__isnull=True
    ).first()
