"""Reading grievances (the case itself is found through ``cases.queries.access_case``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import OPEN_STAGES, Petition

# The columns of a row of :func:`notices_due`.
NOTICE_DUE_FIELDS = ("case_id", "case__number", "case__division_id", "stage", "case__due_at")


def petition_of(case: Any) -> Petition | None:
    """The grievance of ``case`` (``None`` for a case of another kind, or filed before grievances)."""
    try:
        return case.petition
    except Petition.DoesNotExist:
        return None


def notices_due(on: datetime.date) -> QuerySet[Petition, tuple[Any, ...]]:
    """The daily deadline scan: the open grievances whose current limit ends on ``on`` (local day), so
    that their notice is due that day — the 受理告知书 / 不予受理告知书 of a registered matter (15 days),
    the 信访处理意见书 of one being handled (60 days, or the extended limit). A paused clock is not due.

    Rows of :data:`NOTICE_DUE_FIELDS` (case id, case number, division, stage, due at), by case id.
    The limit is the case's ``due_at`` (kept equal to the limit on the calendar by the actions and
    the calendar's recompute, ``petitions.actions.recompute_due_dates``).
    """
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(on, datetime.time.min, tzinfo=tz)
    end = start + datetime.timedelta(days=1)
    return (
        Petition.objects.filter(
            stage__in=OPEN_STAGES, paused_since__isnull=True, case__due_at__gte=start, case__due_at__lt=end
        )
        .order_by("case_id")
        .values_list(*NOTICE_DUE_FIELDS)
    )


def bounce_counts(divisions: Any) -> dict[str, dict[str, int]]:
    """Bounces per body among ``divisions`` (codes, or a query of them): ``{code: {kind: n, ..., "total": n}}``."""
    from django.db.models import Count

    from .models import Bounce

    counts: dict[str, dict[str, int]] = {}
    rows = Bounce.objects.filter(division_id__in=divisions).values("division_id", "kind").annotate(n=Count("id"))
    for row in rows:
        entry = counts.setdefault(row["division_id"], dict.fromkeys(Bounce.Kind.values, 0) | {"total": 0})
        entry[row["kind"]] += row["n"]
        entry["total"] += row["n"]
    return counts


def bounce_table(user: Any) -> list[dict[str, Any]]:
    """The bodies in the user's jurisdiction with bounces counted against them, most bounced first:
    ``[{"body": {"code", "name"}, "returned", "redirected", "lapsed", "total"}]``."""
    from django.db.models import Q

    from jurisdictions import scope
    from jurisdictions.models import NATION_CODE, Division
    from jurisdictions.perms import VIEW

    from .models import Bounce

    within = Q(pk__in=[])
    for code in scope.codes_with(user, VIEW):
        within |= Q() if code == NATION_CODE else Q(code__startswith=code)
    visible = Division.objects.filter(within)  # the user's subtrees (not the levels above them)
    codes = Bounce.objects.filter(division__in=visible).values_list("division_id", flat=True).distinct()
    counts = bounce_counts(list(codes))
    names = dict(visible.filter(code__in=list(counts)).values_list("code", "name"))
    rows = [{"body": {"code": code, "name": names.get(code, "")}, **entry} for code, entry in counts.items()]
    return sorted(rows, key=lambda r: (-r["total"], r["body"]["code"]))
