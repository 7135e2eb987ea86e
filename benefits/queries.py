"""Scoped reads of the benefits ledger; ``access_*`` helpers for every entry point (404 outside)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from jurisdictions import scope
from policies.models import PolicyArticle
from subjects.models import Subject

from .models import (
    STATUTE,
    BenefitStandard,
    Entitlement,
    MinistryFiling,
    MonthlyLine,
    RecoveryItem,
    RecoveryStatus,
    Roster,
)

OPEN_RECOVERIES = [RecoveryStatus.OPEN, RecoveryStatus.INSTALMENTS]


def standards(*, benefit_type: str = "", current_only: bool = False) -> QuerySet[BenefitStandard]:
    """The standards table (not personal data: every member of staff may read it)."""
    qs = BenefitStandard.objects.all()
    if benefit_type:
        qs = qs.filter(benefit_type=benefit_type)
    if current_only:
        qs = qs.filter(effective_to__isnull=True)
    return qs.order_by("benefit_type", "region", "category", "grade", "cause", "care_level", "effective_from", "id")


def access_standard(pk: Any) -> BenefitStandard:
    try:
        return BenefitStandard.objects.get(pk=int(pk))
    except (TypeError, ValueError, BenefitStandard.DoesNotExist):
        raise Http404(_("Not found.")) from None


def entitlements_of(subject: Subject) -> list[Entitlement]:
    """The person's benefits paid here, each with its lines (two queries)."""
    rows = list(
        Entitlement.objects.filter(subject=subject)
        .select_related("benefit", "standard")
        .order_by("effective_month", "id")
    )
    lines: dict[int, list[MonthlyLine]] = {row.pk: [] for row in rows}
    for line in (
        MonthlyLine.objects.filter(entitlement__subject=subject).select_related("standard").order_by("month", "id")
    ):
        lines[line.entitlement_id].append(line)
    filings: dict[int, list[MinistryFiling]] = {row.pk: [] for row in rows}
    for filing in MinistryFiling.objects.filter(subject=subject).order_by("filed_at", "id"):
        filings[filing.entitlement_id].append(filing)
    for row in rows:
        row.line_list = lines[row.pk]
        row.filing_list = filings[row.pk]
    return rows


def articles_by_number(numbers: set[str]) -> dict[str, PolicyArticle]:
    """The current version of each cited article of the 军人抚恤优待条例 in the policy base, by number."""
    found: dict[str, PolicyArticle] = {}
    for article in PolicyArticle.objects.filter(document__title=STATUTE, number__in=sorted(numbers)).order_by(
        "number", "-version"
    ):
        found.setdefault(article.number, article)
    return found


def recoveries_for(user: Any, *, status: str = "") -> QuerySet[RecoveryItem]:
    qs = scope.scoped(RecoveryItem.objects.all(), user).select_related("subject", "division")
    if status == "open":
        qs = qs.filter(status__in=OPEN_RECOVERIES)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def recoveries_of(subject: Subject) -> list[RecoveryItem]:
    return list(
        RecoveryItem.objects.filter(subject=subject).prefetch_related("repayments").order_by("-created_at", "-id")
    )


def access_recovery(user: Any, pk: Any, *, codename: str | None = None) -> RecoveryItem:
    try:
        item = RecoveryItem.objects.select_related("subject").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    return scope.access_located(user, item, codename=codename)  # type: ignore[return-value]


def balance_of(subject: Subject) -> Decimal:
    """What the person still owes across their open recovery items."""
    total = RecoveryItem.objects.filter(subject=subject, status__in=OPEN_RECOVERIES).aggregate(
        owed=Sum(F("to_recover") - F("repaid"))
    )["owed"]
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))  # SQLite sums decimals as floats


def rosters_for(user: Any) -> QuerySet[Roster]:
    """Rosters of the counties in the user's jurisdiction, newest cycle first."""
    return scope.scoped(Roster.objects.all(), user).order_by("-period", "-id")


def access_roster(user: Any, pk: Any) -> Roster:
    """The roster if it lies in the user's jurisdiction, else 404."""
    try:
        roster = Roster.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        roster = None
    return scope.access_located(user, roster)  # type: ignore[return-value]


def reconciliations(roster_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Paid, returned and pending amounts and line counts of many rosters in one grouped query."""
    from .models import ItemStatus, RosterItem

    found: dict[int, dict[str, Any]] = {
        pk: {f"{s}{suffix}": (0 if suffix else Decimal("0.00")) for s in ItemStatus.values for suffix in ("", "_lines")}
        for pk in roster_ids
    }
    rows = (
        RosterItem.objects.filter(roster_id__in=roster_ids)
        .values("roster_id", "status")
        .annotate(amount=Sum("amount"), lines=Count("id"))
        .values_list("roster_id", "status", "amount", "lines")
    )
    for roster_id, status, amount, lines in rows:
        found[roster_id][status] = Decimal(str(amount or 0)).quantize(Decimal("0.01"))
        found[roster_id][f"{status}_lines"] = lines
    return found


def rosters_by_county(user: Any, *, period: str = "") -> list[dict[str, Any]]:
    """Each county in the user's jurisdiction that has rosters: how many, how many not closed, and the
    reconciliation of their lines (total = paid + returned once nothing is pending). Two queries."""
    from jurisdictions.models import Division

    from .models import RosterItem, RosterStatus

    rosters = scope.scoped(Roster.objects.all(), user)
    if period:
        rosters = rosters.filter(period=period)
    per_county: dict[str, dict[str, Any]] = {}
    for code, status, total in rosters.values_list("county_code", "status", "total"):
        row = per_county.setdefault(
            code,
            {"division": code, "rosters": 0, "unreconciled": 0, "total": Decimal("0.00")}
            | {key: Decimal("0.00") for key in ("paid", "returned", "pending")},
        )
        row["rosters"] += 1
        row["unreconciled"] += status != RosterStatus.CLOSED
        row["total"] += Decimal(str(total))
    items = (
        RosterItem.objects.filter(roster__in=rosters)
        .values("roster__county_code", "status")
        .annotate(amount=Sum("amount"))
        .values_list("roster__county_code", "status", "amount")
    )
    for code, status, amount in items:
        per_county[code][status] += Decimal(str(amount or 0)).quantize(Decimal("0.01"))
    names = dict(Division.objects.filter(code__in=list(per_county)).values_list("code", "name"))
    rows = []
    for code in sorted(per_county):
        row = per_county[code]
        row["name"] = names.get(code, code)
        row["balanced"] = row["pending"] == 0 and row["paid"] + row["returned"] == row["total"]
        rows.append(row)
    return rows
