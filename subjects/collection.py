"""Reading for offline collection: the collection points, a point's worklist, the conflicts.

The worklist holds only what collection needs — name, masked ID number, township, the register
row's version and the fields to confirm — and only for a township where the staff member may
collect (``handle_cases``): 404 outside the jurisdiction, 403 when visible but not allowed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from jurisdictions import scope
from jurisdictions.models import Division, normalise_code
from jurisdictions.perms import HANDLE_CASES

from .actions.collection import CONFIRM_FIELDS
from .models import CollectedEntry, CollectedStatus, Subject, SubjectStatus

COLLECT = HANDLE_CASES  # who may collect: those who may handle cases there
WORKLIST_LIMIT = 2000


def may_collect(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and scope.codes_with(user, COLLECT))


def collection_points(user: Any) -> list[Division]:
    """The townships where ``user`` may collect, by code."""
    codes = scope.codes_with(user, COLLECT)
    if not codes:
        return []
    q = Q(pk__in=[])
    for code in codes:
        if code == "CN":
            q = Q()
            break
        q |= Q(code__startswith=code)
    return list(Division.objects.filter(q, level=4).order_by("code")[:1000])


def access_point(user: Any, code: Any) -> Division:
    """The township ``code`` if ``user`` may collect there: 404 outside, 403 visible but not allowed."""
    normalised = normalise_code(str(code or ""))
    division = Division.objects.filter(code=normalised, level=4).first()
    if division is None:
        raise Http404(_("Not found."))
    scope.require_perm(user, COLLECT, normalised)
    return division


def worklist(point: Division) -> QuerySet[Subject]:
    """The people to see at ``point``: on file there (household or collection point), by name."""
    return (
        Subject.objects.filter(Q(division_id=point.code) | Q(collection_point_id=point.code))
        .filter(status=SubjectStatus.ACTIVE)
        .only("id", "name", "id_number_masked", "division_id", "updated_at", *CONFIRM_FIELDS)
        .order_by("name", "id")[:WORKLIST_LIMIT]
    )


def conflicts_for(user: Any) -> QuerySet[CollectedEntry]:
    """Conflicts waiting in the user's jurisdiction (where they may collect), oldest first."""
    return scope.scoped(
        CollectedEntry.objects.filter(status=CollectedStatus.CONFLICT), user, codename=COLLECT
    ).order_by("synced_at", "id")


def access_collected(user: Any, entry_id: Any) -> CollectedEntry:
    try:
        pk = int(entry_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    entry = CollectedEntry.objects.select_related("division", "subject", "collected_by").filter(pk=pk).first()
    return scope.access_located(user, entry, codename=COLLECT)  # type: ignore[return-value]
