"""What a person sees of their own case: plain words and dates, never staff names or internal notes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.models import AuditEvent
from cases import extensions
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


# A grievance's own steps (petitions' audit events), in the same plain words.
PETITION_STEPS: dict[str, str | Promise] = {
    "petition.accepted": _("Accepted (受理)"),
    "petition.not_accepted": NOT_ACCEPTED,
    "petition.extension_approved": _("The time limit for handling was extended"),
    "petition.clock_paused": _("The time limit was paused"),
    "petition.clock_resumed": _("The time limit runs again"),
    "petition.hearing_scheduled": _("A hearing was scheduled"),
    "petition.decided": _("The handling opinion was issued"),
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
        object_type="cases.case",
        object_id=str(case.pk),
        event_type__in=["case.transition", *PETITION_STEPS],
    ).order_by("occurred_at", "id")
    for occurred_at, event_type, data in events.values_list("occurred_at", "event_type", "data"):
        if event_type in PETITION_STEPS:
            steps.append(Step(timezone.localdate(occurred_at), str(PETITION_STEPS[event_type])))
            continue
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


def next_round(case: Case) -> int | None:
    """The round the case's next rating belongs to (a rectification is rated after the handling), or None now."""
    try:
        return extensions.next_rating_round(case)
    except ValidationError:
        return None


def public_view(case: Case) -> PublicView:
    ratings = list(Rating.objects.filter(case=case).order_by("round"))
    upcoming = next_round(case)
    can_rate = not case.is_open and upcoming is not None and all(r.round != upcoming for r in ratings)
    rating = None if can_rate or not ratings else ratings[-1]
    view = PublicView(
        case=case,
        status=plain_status(case),
        steps=_steps(case),
        notices=notices(case),
        body=handling_body(case),
        rating=rating,
        can_rate=can_rate,
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


# --- who read my data (PIPL Arts. 44–45) --------------------------------------------------------


@dataclass
class AccessLine:
    on: datetime.date
    body: str
    role: str
    what: str


def _bodies_and_roles(
    user_ids: set[int], on_dates: dict[int, set[datetime.date]]
) -> dict[tuple[int, datetime.date], tuple[str, str]]:
    """Each (user, day) → (the body and role they held that day), never their name."""
    from jurisdictions.models import Membership, Role

    found: dict[tuple[int, datetime.date], tuple[str, str]] = {}
    memberships = Membership.objects.filter(user_id__in=user_ids).select_related("division").order_by("starts_on")
    for membership in memberships:
        for day in on_dates.get(membership.user_id, set()):
            if membership.starts_on <= day and (membership.ends_on is None or day < membership.ends_on):
                found.setdefault(
                    (membership.user_id, day), (membership.division.name, str(Role(membership.role).label))
                )
    return found


def access_log(subject: Any, *, since: datetime.date, until: datetime.date) -> list[AccessLine]:
    """Bodies and roles that read or changed the person's record between two days, oldest first."""
    from jurisdictions.models import Department
    from subjects.models import PersonRead, ReadVia

    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(until, datetime.time.max))
    raw: list[tuple[datetime.date, int | None, str]] = []
    for reader, via, at in PersonRead.objects.filter(
        subject_id=subject.pk, occurred_at__range=(start, end)
    ).values_list("actor_id", "via", "occurred_at"):
        raw.append((timezone.localdate(at), reader, str(ReadVia(via).label)))
    changes = AuditEvent.objects.filter(
        object_type="subjects.subject", object_id=str(subject.pk), occurred_at__range=(start, end)
    ).values_list("actor_id", "event_type", "occurred_at", "data")
    lines: list[AccessLine] = []
    for changer, event_type, at, data in changes:
        if event_type == "subject.existence_checked":
            department = (data or {}).get("department", "")
            label = Department(department).label if department in Department.values else department
            lines.append(
                AccessLine(
                    timezone.localdate(at),
                    str(label),
                    str(_("Another department")),
                    str(_("Asked whether you are registered")),
                )
            )
        elif event_type.startswith("portal."):
            continue  # the person's own look-ups
        elif changer is not None:
            raw.append((timezone.localdate(at), changer, str(_("Changed or checked the record"))))
    dates: dict[int, set[datetime.date]] = {}
    for day, someone, _what in raw:
        if someone is not None:
            dates.setdefault(someone, set()).add(day)
    held = _bodies_and_roles(set(dates), dates)
    for day, someone, what in raw:
        body, role = held.get((someone, day), ("", "")) if someone is not None else ("", "")
        lines.append(AccessLine(day, body or str(_("The system")), role or str(_("Automatic processing")), what))
    # One line per day, body, role and action: a page opened ten times reads once.
    unique = {(line.on, line.body, line.role, line.what): line for line in lines}
    return sorted(unique.values(), key=lambda line: (line.on, line.body, line.role, line.what))
