"""Scoped reads of the subject registry, and ``access_subject`` for every entry point."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core.keyset import Sort, Total, total
from jurisdictions import scope
from jurisdictions.models import NATION_CODE
from jurisdictions.perms import VIEW

from . import ids
from .models import Benefit, DuplicateFlag, ImportBatch, Subject

REVEAL = "reveal_id_number"


def subjects_for(user: Any) -> QuerySet[Subject]:
    """Every subject the user may see."""
    return scope.scoped(Subject.objects.all(), user)


def access_subject(user: Any, subject_id: Any, *, codename: str | None = None) -> Subject:
    """The subject if the user may see it: 404 outside the jurisdiction (or unknown), 403 without ``codename``."""
    try:
        pk = int(subject_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    subject = Subject.objects.select_related("division").filter(pk=pk).first()
    return scope.access_located(user, subject, codename=codename)  # type: ignore[return-value]


def can_reveal(user: Any, subject: Subject) -> bool:
    return scope.has_perm_at(user, REVEAL, subject.division_id)


def search(
    user: Any,
    *,
    id_number: str = "",
    name: str = "",
    category: str = "",
    township: str = "",
    division: str = "",
    status: str = "",
) -> QuerySet[Subject]:
    """Scoped search. ``id_number`` is an exact match on the full number (via the blind index);
    a malformed number matches nothing rather than erroring. ``township`` matches the
    household registration township or the collection point.
    """
    qs = subjects_for(user)
    if id_number.strip():
        qs = qs.filter(id_number_hmac=ids.blind_index(id_number))
    if name.strip():
        qs = qs.filter(name__contains=name.strip())
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if township:
        qs = qs.filter(Q(division_id=township) | Q(collection_point_id=township))
    if division:
        qs = qs.filter(_division_q(division))
    return qs.select_related("division")


def _division_q(code: str) -> Q:
    if code == NATION_CODE:
        return Q()
    column = {2: "province_code", 4: "city_code", 6: "county_code"}.get(len(code), "division_id")
    return Q(**{column: code})


def lookup(user: Any, id_number: str) -> QuerySet[Subject]:
    """Subjects in the user's scope whose full ID number is exactly ``id_number``."""
    return subjects_for(user).filter(id_number_hmac=ids.blind_index(id_number))


def benefits_of(subject: Subject) -> QuerySet[Benefit]:
    return Benefit.objects.filter(subject=subject).order_by("status", "-start", "-id")


def related_people(subject: Subject, user: Any) -> dict[str, Any]:
    """The serviceman (if on file and visible) and the visible family members linked to him."""
    serviceman = None
    if subject.serviceman_id:
        serviceman = subjects_for(user).filter(pk=subject.serviceman_id).first()
    family = subjects_for(user).filter(serviceman=subject).order_by("name")
    return {"serviceman": serviceman, "family": list(family[:100])}


def duplicate_flags_for(user: Any) -> QuerySet[DuplicateFlag]:
    """Open duplicate flags for either county in the user's supervised jurisdiction."""
    q = Q(pk__in=[])
    for code in scope.codes_with(user, "supervise"):
        if code == NATION_CODE:
            q = Q()
            break
        q |= Q(existing_county_code__startswith=code[:6]) | Q(attempted_county_code__startswith=code[:6])
    return DuplicateFlag.objects.filter(q, resolved_at__isnull=True)


def imports_for(user: Any) -> QuerySet[ImportBatch]:
    return scope.scoped(ImportBatch.objects.all(), user)


def access_import(user: Any, batch_id: Any) -> ImportBatch:
    try:
        pk = int(batch_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    batch = ImportBatch.objects.filter(pk=pk).first()
    return scope.access_located(user, batch)  # type: ignore[return-value]


# Bookkeeping columns of the history model that are not the person's fields.
_HISTORY_SKIP = {"pgh_id", "pgh_created_at", "pgh_label", "pgh_obj", "pgh_context", "id"}


def field_history(subject: Subject, *, limit: int = 50) -> list[dict[str, Any]]:
    """Field-level changes of ``subject``, newest first, from the PostgreSQL trigger history.

    Each history row holds the record as it was before one UPDATE (bulk and raw SQL included);
    the state after it is the next row, or the current record. Empty on SQLite (no triggers).
    """
    from django.apps import apps
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    history = apps.get_model("subjects", "SubjectHistory")
    fields = [f for f in history._meta.concrete_fields if f.name not in _HISTORY_SKIP]
    snapshots = list(
        history.objects.filter(pgh_obj_id=subject.pk, pgh_label="before_update")
        .select_related("pgh_context")
        .order_by("-pgh_id")[: limit + 1]
    )
    after: Any = subject
    changes: list[dict[str, Any]] = []
    for before in snapshots:
        diff = []
        for field in fields:
            old, new = getattr(before, field.attname), getattr(after, field.attname)
            if old != new:
                diff.append(
                    {"label": field.verbose_name, "old": _display(before, field), "new": _display(after, field)}
                )
        if diff:
            context = before.pgh_context.metadata if before.pgh_context_id else {}
            changes.append({"at": before.pgh_created_at, "context": context, "changes": diff})
        after = before
    return changes[:limit]


def _display(obj: Any, field: Any) -> Any:
    value = getattr(obj, field.attname)
    if field.choices and value not in (None, ""):
        return dict(field.flatchoices).get(value, value)
    return value


# The orders of the register (column headers), each on its keyset indexes by scope level.
SUBJECT_SORTS: dict[str, Sort] = {
    s.key: s
    for s in (
        Sort("-registered", "created_at", descending=True, label=pgettext_lazy("sort", "Newest registered first")),
        Sort("registered", "created_at", label=pgettext_lazy("sort", "Oldest registered first")),
        Sort("name", "name", label=pgettext_lazy("sort", "Name, ascending")),
        Sort("-name", "name", descending=True, label=pgettext_lazy("sort", "Name, descending")),
    )
}
DEFAULT_SUBJECT_SORT = "-registered"


def search_total(user: Any, filters: dict[str, Any], qs: QuerySet[Subject]) -> Total:
    """How many people the search finds: exact for a county or below, cached above it."""
    return total(qs, exact=scope.within_county(user), key=("subjects", scope.codes_with(user, VIEW), filters))
