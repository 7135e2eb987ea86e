"""Suggestions a petition office makes to improve policies or solve problems, and whether they were adopted (Art. 41).

The annual petition report counts them per level (made in the year; adopted among those answered).
A caseworker (``handle_cases``) of the office records a suggestion; the answer — adopted or not —
is recorded later by the same office. Both are audited.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff
from audit.log import audited, record
from core.errors import Conflict
from jurisdictions import scope
from jurisdictions.models import NATION_CODE, Division
from jurisdictions.perms import HANDLE_CASES, VIEW

from .models import Suggestion

RECORDED_EVENT = "petition.suggestion_recorded"
ANSWERED_EVENT = "petition.suggestion_answered"
TEXT_LIMIT = 5000


def suggestions_for(user: Any) -> QuerySet[Suggestion]:
    """Suggestions of the offices the user may see (their own and their subtree's)."""
    codes = scope.codes_with(user, VIEW)
    if not codes:
        return Suggestion.objects.none()
    qs = Suggestion.objects.select_related("division", "made_by")
    if NATION_CODE in codes:
        return qs
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(division__code__startswith=code)
    return qs.filter(q)


def access_suggestion(user: Any, pk: Any) -> Suggestion:
    """The suggestion ``pk`` if its office lies in the user's jurisdiction, else 404."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    suggestion = Suggestion.objects.select_related("division").filter(pk=number).first()
    if suggestion is None or not scope.can_see(user, suggestion.division_id):
        raise Http404(_("Not found."))
    return suggestion


def _clean(value: str) -> str:
    return " ".join(value.split())


@audited
def do_record_suggestion(
    *,
    actor: Actor,
    division: Division,
    addressed_to: str,
    subject: str,
    text: str,
    made_on: datetime.date | None = None,
) -> Suggestion:
    """Record a suggestion made by the office ``division`` (403 unless the actor handles cases there)."""
    if not scope.has_perm_at(actor, HANDLE_CASES, division.code):
        raise PermissionDenied(_("A suggestion is recorded by a caseworker of the office that made it."))
    today = timezone.localdate()
    made_on = made_on or today
    errors: dict[str, str] = {}
    if not _clean(addressed_to):
        errors["addressed_to"] = _("Addressed to: name the body the suggestion was made to.")
    if not _clean(subject):
        errors["subject"] = _("Subject: say in a few words what the suggestion is about.")
    if not text.strip():
        errors["text"] = _("Suggestion: the text cannot be empty.")
    elif len(text) > TEXT_LIMIT:
        errors["text"] = _("Suggestion: at most %(limit)s characters.") % {"limit": TEXT_LIMIT}
    if made_on > today:
        errors["made_on"] = _("Made on: the day cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        suggestion = Suggestion.objects.create(
            division=division,
            made_on=made_on,
            addressed_to=_clean(addressed_to)[:200],
            subject=_clean(subject)[:200],
            text=text.strip(),
            made_by=require_staff(actor),
        )
        record(
            event_type=RECORDED_EVENT,
            actor=actor,
            obj=suggestion,
            division_code=division.code,
            data={"suggestion": suggestion.pk, "made_on": made_on},
        )
    return suggestion


@audited
def do_answer_suggestion(suggestion: Suggestion, *, actor: Actor, adopted: bool, answer: str = "") -> Suggestion:
    """Record whether the body adopted the suggestion (once: 409 when already answered)."""
    if not scope.has_perm_at(actor, HANDLE_CASES, suggestion.division_id):
        raise PermissionDenied(_("The answer is recorded by a caseworker of the office that made the suggestion."))
    if len(answer) > TEXT_LIMIT:
        raise ValidationError({"answer": _("Answer: at most %(limit)s characters.") % {"limit": TEXT_LIMIT}})
    with transaction.atomic():
        locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.adopted is not None:
            raise Conflict(_("The answer to this suggestion was already recorded."), current_status="answered")
        locked.adopted = bool(adopted)
        locked.answered_on = timezone.localdate()
        locked.answer = answer.strip()
        locked.save(update_fields=["adopted", "answered_on", "answer"])
        record(
            event_type=ANSWERED_EVENT,
            actor=actor,
            obj=locked,
            division_code=locked.division_id,
            data={"suggestion": locked.pk, "adopted": locked.adopted},
        )
    return locked
