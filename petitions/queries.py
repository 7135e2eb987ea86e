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
