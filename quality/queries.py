"""Who sees and who may review a quality review; the population of a month's closed decisions; the report."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from cases.models import Case, Kind, Outcome
from jurisdictions import scope
from jurisdictions.perms import SUPERVISE

from .models import Finding, QualityReview

# Closed decisions: claims, data corrections and grievances closed with an outcome on their merits.
DECIDED_KINDS = (Kind.BENEFIT_CLAIM, Kind.DATA_CORRECTION, Kind.GRIEVANCE)
DECIDED_OUTCOMES = (Outcome.APPROVED, Outcome.PARTLY_APPROVED, Outcome.REJECTED)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of ``month`` and of the next one, in the local time zone."""
    start = month.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(following, datetime.time.min, tzinfo=tz),
    )


def closed_decisions(month: datetime.date) -> QuerySet[Case]:
    """The month's closed decisions, ordered by id (the order the draw samples from)."""
    start, end = month_bounds(month)
    return Case.objects.filter(
        kind__in=DECIDED_KINDS, outcome__in=DECIDED_OUTCOMES, closed_at__gte=start, closed_at__lt=end
    ).order_by("pk")


def unit_of(division_code: str) -> str:
    """The unit a decision is drawn in: its county, or the division itself above county level."""
    return division_code[:6] if len(division_code) >= 6 else division_code


def review_level(division_code: str) -> str:
    """Where a decision's reviewer sits: the level above its county (the city); for a city's or a
    province's own decisions, the province."""
    if len(division_code) >= 6:
        return division_code[:4]
    return division_code[:2]


def participants(case: Case) -> set[int]:
    """Everyone who took part in the decision: the filer, the decider and every task actor."""
    ids = {pk for pk in (case.filed_by_id, case.decided_by_id) if pk is not None}
    if case.process_id is not None:
        ids.update(
            Task.objects.filter(process_id=case.process_id, owner_id__isnull=False).values_list("owner_id", flat=True)
        )
    return ids


def reviews_for(user: Any) -> QuerySet[QualityReview]:
    """The reviews of decisions the user supervises (a county's supervisor sees its own, read only)."""
    return (
        QualityReview.objects.filter(scope.scope_q(user, codename=SUPERVISE))
        .select_related("case", "case__decided_by", "sample", "reviewer", "division")
        .order_by("-id")
    )


def access_review(user: Any, pk: Any) -> QualityReview:
    """The review if the user supervises its decision's division, else 404."""
    try:
        review = reviews_for(user).get(pk=int(pk))
    except (QualityReview.DoesNotExist, TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    return review


def took_part_message() -> str:
    return _("You took part in this decision (filed, decided or worked on it): another reviewer must review it.")


def took_part(user: Any, case: Case) -> bool:
    return user.pk in participants(case)


def review_refusal(user: Any, review: QualityReview) -> str:
    """Why ``user`` may not record a finding on ``review`` ("" when they may)."""
    if took_part(user, review.case):
        return took_part_message()
    if not scope.has_perm_at(user, SUPERVISE, review_level(review.division_id)):
        return _("Only a supervisor at the level above the decision may review it.")
    return ""


def may_review(user: Any, review: QualityReview) -> bool:
    return not review.finding and not review_refusal(user, review)


def waiting_count(user: Any) -> int:
    return reviews_for(user).filter(finding="").count()


def report(user: Any, month: datetime.date | None = None) -> dict[str, list[Any]]:
    """Findings by county and by the caseworker who decided, over the user's reviews."""
    qs = QualityReview.objects.filter(scope.scope_q(user, codename=SUPERVISE))
    if month is not None:
        qs = qs.filter(sample__month=month.replace(day=1))
    counts = {
        "total": Count("id"),
        "waiting": Count("id", filter=Q(finding="")),
        "agree": Count("id", filter=Q(finding=Finding.AGREE)),
        "minor": Count("id", filter=Q(finding=Finding.MINOR)),
        "wrong": Count("id", filter=Q(finding=Finding.WRONG)),
    }
    by_county = list(
        qs.values("sample__division_id", "sample__division__name").annotate(**counts).order_by("sample__division_id")
    )
    by_caseworker = list(
        qs.values("case__decided_by_id", "case__decided_by__username")
        .annotate(**counts)
        .order_by("case__decided_by__username")
    )
    return {"by_county": by_county, "by_caseworker": by_caseworker}
