"""Scoped reads of the benefits ledger; ``access_*`` helpers for every entry point (404 outside)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet, Sum
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
