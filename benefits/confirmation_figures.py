"""The annual confirmation's figures for the reporting chain: the campaigns of a period's year in a
division's subtree.

Queries only. Every figure is an additive counter (nested dicts of integers), so a province's figures
are the sum of its counties' (``reports.snapshots.merge``). ``reports.snapshots.compile_live`` puts
them under the key ``"confirmation"`` of every report, as it puts the petition figures under
``"petitions"`` (benefits is below reports: reports calls down, nothing is registered).

- ``items``: confirmation items of the campaigns whose year lies in the period (a province's campaign
  counts in each county for that county's people); ``confirmed``, ``open``, ``overdue`` (still
  unconfirmed after the grace period: benefit suspended), ``cancelled``, ``death_record``;
- ``by_method``: confirmed items by method (``data_match`` is the silent confirmation);
- ``silent_by_rule``: silent confirmations by the living-evidence rule that gave the evidence;
- ``spot_check``: confirmations drawn for a spot check (``drawn``), of them ``pending``, ``upheld``,
  ``rejected``;
- ``suspended``: items whose benefit was ever suspended for them; ``resumed``: of those, confirmed
  later (the benefit resumed with back-pay).

A closed campaign's figures were frozen per county when it closed (:func:`freeze`); the report reads
the frozen ones, so a report compiled after the close says what the campaign said when it closed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from jurisdictions.models import NATION_CODE

from . import confirmation
from .models import CampaignStatus, ConfirmationCampaign, ConfirmationItem, ConfirmationMethod, ConfirmationStatus

SPOT_KEYS = ("drawn", "pending", "upheld", "rejected")


def empty() -> dict[str, Any]:
    """Zero figures: every key present, every method and every (non-veto) rule."""
    return {
        "items": 0,
        "confirmed": 0,
        "open": 0,
        "overdue": 0,
        "cancelled": 0,
        "death_record": 0,
        "suspended": 0,
        "resumed": 0,
        "by_method": dict.fromkeys(ConfirmationMethod.values, 0),
        "silent_by_rule": {code: 0 for code, rule in confirmation.EVIDENCE_RULES.items() if not rule.veto},
        "spot_check": dict.fromkeys(SPOT_KEYS, 0),
    }


def _subtree_q(code: str) -> Q:
    if code == NATION_CODE:
        return Q()
    column = {2: "province_code", 4: "city_code", 6: "county_code"}.get(len(code), "division_id")
    return Q(**{column: code})


def _fold(rows: Any, into: dict[str, Any] | None = None) -> dict[str, Any]:
    """Figures from ``(status, method, evidence_rule, spot_check, suspended, death_record, n)`` rows."""
    out = into if into is not None else empty()
    for row in rows:
        n = int(row["n"])
        status = row["status"]
        out["items"] += n
        if status in (ConfirmationStatus.CONFIRMED, ConfirmationStatus.OPEN, ConfirmationStatus.OVERDUE):
            out[str(status)] += n
        elif status == ConfirmationStatus.CANCELLED:
            out["cancelled"] += n
        if row["death_record"]:
            out["death_record"] += n
        if row["suspended"]:
            out["suspended"] += n
        if status == ConfirmationStatus.CONFIRMED:
            method = row["method"] or ""
            out["by_method"][method] = out["by_method"].get(method, 0) + n
            if row["suspended"]:
                out["resumed"] += n
            if method == ConfirmationMethod.DATA_MATCH and row["evidence_rule"]:
                rule = row["evidence_rule"]
                out["silent_by_rule"][rule] = out["silent_by_rule"].get(rule, 0) + n
        if row["spot_check"]:
            out["spot_check"]["drawn"] += n
            out["spot_check"][row["spot_check"]] = out["spot_check"].get(row["spot_check"], 0) + n
    return out


def _grouped(items: QuerySet[ConfirmationItem], *extra: str) -> Any:
    return (
        items.order_by()
        .values(*extra, "status", "method", "evidence_rule", "spot_check", "death_record")
        .annotate(n=Count("id"), suspended=Count("id", filter=Q(suspended_at__isnull=False)))
    )


def _rows(items: QuerySet[ConfirmationItem], *extra: str) -> list[dict[str, Any]]:
    """One GROUP BY; a group's suspended items are split out so every row is all or nothing."""
    rows: list[dict[str, Any]] = []
    for row in _grouped(items, *extra):
        suspended = int(row.pop("suspended"))
        n = int(row.pop("n"))
        if suspended:
            rows.append({**row, "n": suspended, "suspended": True})
        if n - suspended:
            rows.append({**row, "n": n - suspended, "suspended": False})
    return rows


def campaign_figures(campaign: ConfirmationCampaign) -> dict[str, Any]:
    """The whole campaign's live figures, per county: ``{"total": figures, "counties": {code: figures}}``."""
    counties: dict[str, dict[str, Any]] = {}
    for row in _rows(ConfirmationItem.objects.filter(campaign=campaign), "county_code"):
        code = row.pop("county_code")
        _fold([row], counties.setdefault(code, empty()))
    total = empty()
    for figures in counties.values():
        _add(total, figures)
    return {"total": total, "counties": counties}


def _add(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict):
            _add(into.setdefault(key, {}), value)
        else:
            into[key] = into.get(key, 0) + int(value)


def figures(code: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The confirmation figures of ``code``'s subtree for the campaigns of the years ``start``–``end``."""
    campaigns = list(
        ConfirmationCampaign.objects.filter(year__gte=start.year, year__lte=end.year).values_list(
            "pk", "status", "final_figures"
        )
    )
    out = empty()
    live = [pk for pk, status, _frozen in campaigns if status != CampaignStatus.CLOSED]
    if live:
        _fold(_rows(ConfirmationItem.objects.filter(_subtree_q(code), campaign_id__in=live)), out)
    for _pk, status, frozen in campaigns:
        if status != CampaignStatus.CLOSED:
            continue
        for county, county_figures in (frozen or {}).get("counties", {}).items():
            if code == NATION_CODE or county.startswith(code):
                _add(out, county_figures)
    return out
