"""The petition figures of a division's subtree over a period: the annual petition report (Art. 41).

Queries only. Every figure is an additive counter (nested dicts of integers), so a province's
figures are the sum of its counties' (``reports.snapshots.merge``) and a report frozen at one level
rolls up the reporting chain as the other figures do. ``reports.snapshots.compile_live`` puts them
under the key ``"petitions"`` of every report; the year's report (a reporting period of kind
``year``) is the annual petition report.

- ``registered``: matters registered in the period, by channel (``total`` too);
- ``fields``: the same matters by the field they concern (涉及领域);
- ``respondents``: the same matters by the body complained about, as named (the report lists the most named);
- ``outcomes``: accepted, not accepted (不予受理) and decided in the period; ``opinions``: decisions by opinion;
- ``on_time``: matters decided in the period (``decided``) and those decided within their limit (``on_time``);
- ``routing``: matters forwarded (转送、交办) by bodies in the subtree in the period, of them designated, and the
  bounces counted against bodies in the subtree (objections agreed, redirected, lapsed 签收);
- ``supervision``: 督办 orders issued in the period by intensity, and how many were urged, circulated, reported;
- ``suggestions``: suggestions made in the period, answered and adopted (Art. 41);
- ``ratings``: ratings given in the period on grievances, by score 1–5.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Kind, Rating
from jurisdictions.models import NATION_CODE

from .deadlines import deadlines_of
from .models import Bounce, Channel, Field, Intensity, Opinion, Petition, Stage, Suggestion, SupervisionOrder


def _code_q(code: str, column: str) -> Q:
    """Rows whose division code (``column``) lies in ``code``'s subtree."""
    if code == NATION_CODE:
        return Q()
    return Q(**{f"{column}__startswith": code})


def _case_q(code: str, prefix: str) -> Q:
    """Rows of cases in ``code``'s subtree through the case's denormalised codes (indexed equality)."""
    if code == NATION_CODE:
        return Q()
    column = {2: "province_code", 4: "city_code", 6: "county_code"}.get(len(code), "division_id")
    return Q(**{f"{prefix}{column}": code})


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return lo, hi


def _counts(rows: Any, key: str) -> dict[str, int]:
    return {str(row[key]): int(row["n"]) for row in rows if row[key] not in (None, "")}


def figures(code: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The petition figures of ``code``'s subtree for the days ``start``–``end`` (inclusive, local dates)."""
    petitions = Petition.objects.filter(_case_q(code, "case__")).order_by()
    registered = petitions.filter(registered_on__range=(start, end))
    by_channel = _counts(registered.values("channel").annotate(n=Count("id")), "channel")
    by_field = _counts(registered.values("field").annotate(n=Count("id")), "field")
    by_respondent = _counts(
        registered.exclude(respondent="").values("respondent").annotate(n=Count("id")), "respondent"
    )
    lo, hi = _bounds(start, end)
    outcomes = petitions.aggregate(
        accepted=Count("id", filter=Q(accepted_on__range=(start, end))),
        not_accepted=Count("id", filter=Q(stage=Stage.REFUSED, case__decided_at__gte=lo, case__decided_at__lt=hi)),
        decided=Count("id", filter=Q(decided_on__range=(start, end))),
    )
    decided = petitions.filter(decided_on__range=(start, end))
    by_opinion = _counts(decided.values("opinion").annotate(n=Count("id")), "opinion")
    on_time = 0
    total_decided = 0
    # One row per decision of the period: its limit is counted on the calendar, never stored.
    for petition in decided.only(
        "id", "received_on", "accepted_on", "redo_on", "paused_days", "extension_days", "decided_on"
    ).iterator(chunk_size=2000):
        total_decided += 1
        limit = deadlines_of(petition).current()
        if limit is None or petition.decided_on is None or petition.decided_on <= limit.date:
            on_time += 1
    routed = Petition.objects.filter(
        _code_q(code, "routing_division__code"), forwarded_on__range=(start, end)
    ).aggregate(forwarded=Count("id"), designated=Count("id", filter=Q(designated=True)))
    bounced = Bounce.objects.filter(_code_q(code, "division__code"), on__range=(start, end)).count()
    orders = SupervisionOrder.objects.filter(_code_q(code, "division__code"), issued_on__range=(start, end)).order_by()
    by_intensity = _counts(orders.values("intensity").annotate(n=Count("id")), "intensity")
    order_states = orders.aggregate(
        urged=Count("id", filter=Q(urged_on__isnull=False)),
        circulated=Count("id", filter=Q(circulated_on__isnull=False)),
        reported=Count("id", filter=Q(reported_on__isnull=False)),
    )
    suggestions = Suggestion.objects.filter(_code_q(code, "division__code"), made_on__range=(start, end)).aggregate(
        made=Count("id"),
        answered=Count("id", filter=Q(adopted__isnull=False)),
        adopted=Count("id", filter=Q(adopted=True)),
    )
    ratings = Rating.objects.filter(
        _case_q(code, "case__"), case__kind=Kind.GRIEVANCE, created_at__gte=lo, created_at__lt=hi
    ).order_by()
    by_score = _counts(ratings.values("score").annotate(n=Count("id")), "score")
    return {
        "registered": {"total": sum(by_channel.values()), **{c: by_channel.get(c, 0) for c in Channel.values}},
        "fields": {f: by_field.get(f, 0) for f in Field.values},
        "respondents": by_respondent,
        "outcomes": {key: int(value or 0) for key, value in outcomes.items()},
        "opinions": {o: by_opinion.get(o, 0) for o in Opinion.values},
        "on_time": {"decided": total_decided, "on_time": on_time},
        "routing": {**{key: int(value or 0) for key, value in routed.items()}, "bounced": bounced},
        "supervision": {
            "issued": sum(by_intensity.values()),
            **{i: by_intensity.get(i, 0) for i in Intensity.values},
            **{key: int(value or 0) for key, value in order_states.items()},
        },
        "suggestions": {key: int(value or 0) for key, value in suggestions.items()},
        "ratings": {str(score): by_score.get(str(score), 0) for score in range(1, 6)},
    }
