"""Reading letters, always through the jurisdiction scope.

``access_letter``: 404 outside the user's jurisdiction (a letter sits in its case's division),
403 when visible but the action is not allowed there. A letter is one of its case's documents:
whoever the case source (``letters.kinds.access_case``) lets see the case outside their
jurisdiction — a per-case exception grant in force — may read and download its letters too,
and nothing more (any action is 403); when the grant ends, so does the access. ``letter_by_code`` serves the public
verification page and reveals only issued letters.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from jurisdictions import scope

from . import kinds
from .kinds import APPROVE as APPROVE  # the permission codenames letters check, re-exported
from .kinds import HANDLE as HANDLE
from .models import Letter, Status


def access_letter(user: Any, letter_id: Any, *, codename: str | None = None) -> Letter:
    try:
        pk = int(letter_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    letter = Letter.objects.select_related("case", "division", "supersedes").filter(pk=pk).first()
    if letter is not None and not scope.can_see(user, letter.division_id):
        # Outside the jurisdiction: only the case's own access rule may open it (404 otherwise).
        kinds.access_case(user, letter.case_id, codename=codename)
        return letter
    scope.access_located(user, letter, codename=codename)
    assert letter is not None
    return letter


def supersede_codename(letter: Letter) -> str:
    """Who may correct a letter is its kind's rule (decisions: approvers; other letters: caseworkers)."""
    return kinds.get(letter.kind).supersede_permission


def letters_of_case(case: Any) -> QuerySet[Letter]:
    """All letters of a case (superseded ones included), newest first."""
    return Letter.objects.filter(case=case).select_related("supersedes").order_by("-requested_at", "-id")


def letter_list(user: Any) -> QuerySet[Letter]:
    return scope.scoped(Letter.objects.all(), user).select_related("case", "division").order_by("-requested_at", "-id")


def undelivered(user: Any, *, county: str = "") -> QuerySet[Letter]:
    """Issued letters in force that have not reached the person yet, oldest first (per county if given)."""
    qs = scope.scoped(Letter.objects.all(), user).filter(
        status=Status.ISSUED, superseded_at__isnull=True, delivered_on__isnull=True
    )
    if county:
        qs = qs.filter(county_code=county)
    return qs.select_related("case", "division").order_by("issued_at", "id")


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def letter_by_code(raw: str) -> Letter:
    """The issued letter with this verification code, else 404 (unknown, forged, or not issued yet)."""
    code = normalise_code(raw)
    letter = (
        Letter.objects.select_related("superseded_by").filter(verification_code=code, status=Status.ISSUED).first()
        if code
        else None
    )
    if letter is None:
        raise Http404(_("No letter has this verification code."))
    return letter
