"""The rules that turn a benefit's terms into money: months, the standard that applies, the amount.

Pure reads: nothing here writes. Amounts are computed, never typed (docs/benefits.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from subjects.models import BenefitType

from .models import BaseName, BenefitStandard, Formula, RegionalBase

CENT = Decimal("0.01")

# Paid by veterans' affairs from a standard, month by month (the funeral grant is a lump sum).
PERIODIC_TYPES = (
    BenefitType.PERIODIC_PENSION,
    BenefitType.DISABILITY_PENSION,
    BenefitType.CARE_ALLOWANCE,
    BenefitType.LIVING_SUBSIDY,
)
STATUTORY_TYPES = (*PERIODIC_TYPES, BenefitType.FUNERAL_GRANT)
# The article behind each type's effective month.
EFFECTIVE_ARTICLE = {
    BenefitType.PERIODIC_PENSION: "第十九条",
    BenefitType.DISABILITY_PENSION: "第二十七条",
    BenefitType.CARE_ALLOWANCE: "第三十四条",
    BenefitType.LIVING_SUBSIDY: "第六十二条",
}
# 护理费 (Art. 34): the share of the regional base by care level (sample rows carry these figures).
CARE_PERCENT = {"1": Decimal("50"), "2": Decimal("40"), "3": Decimal("30"), "4": Decimal("25")}


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last`` inclusive (first days)."""
    out: list[dt.date] = []
    month = month_of(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def effective_month(benefit_type: str, *, approved_on: dt.date, confirmed_on: dt.date | None = None) -> dt.date:
    """The first month paid: 定期抚恤金 from the month eligibility is confirmed (Art. 19), 残疾抚恤金
    from the month approved (Art. 27), the others from the month approved."""
    if benefit_type == BenefitType.PERIODIC_PENSION and confirmed_on is not None:
        return month_of(confirmed_on)
    return month_of(approved_on)


@dataclass(frozen=True)
class Terms:
    benefit_type: str
    category: str = ""
    grade: str = ""
    cause: str = ""
    care_level: str = ""
    division: str = ""  # the person's division code (region matching by prefix)


def region_prefixes(division: str) -> list[str]:
    """The regions a division lies in, most specific first ('' = the nation)."""
    return [division[:n] for n in (6, 4, 2) if len(division) >= n] + [""]


def find_standard(terms: Terms, month: dt.date) -> BenefitStandard | None:
    """The standard row for ``terms`` in ``month``: the most specific region first, then rows naming
    the category, grade, cause and care level before rows that leave them open."""
    regions = list(dict.fromkeys(region_prefixes(terms.division)))
    rows = BenefitStandard.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=month),
        benefit_type=terms.benefit_type,
        effective_from__lte=month,
        region__in=regions,
        category__in=[terms.category, ""],
        grade__in=[terms.grade, ""],
        cause__in=[terms.cause, ""],
        care_level__in=[terms.care_level, ""],
    )

    def rank(row: BenefitStandard) -> tuple[int, ...]:
        return (
            regions.index(row.region),
            int(row.category == ""),
            int(row.grade == ""),
            int(row.cause == ""),
            int(row.care_level == ""),
        )

    found = sorted(rows, key=rank)
    return found[0] if found else None


def find_base(name: str, division: str, month: dt.date) -> RegionalBase | None:
    regions = list(dict.fromkeys(region_prefixes(division)))
    rows = RegionalBase.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=month),
        name=name,
        effective_from__lte=month,
        region__in=regions,
    )
    found = sorted(rows, key=lambda row: regions.index(row.region))
    return found[0] if found else None


def samples_allowed() -> bool:
    return bool(getattr(settings, "LAUREL_ALLOW_SAMPLE_STANDARDS", False))


@dataclass(frozen=True)
class Amount:
    amount: Decimal
    standard: BenefitStandard
    base: RegionalBase | None = None

    @property
    def article(self) -> str:
        return self.standard.article


def amount_for(standard: BenefitStandard, division: str, month: dt.date) -> Amount:
    """The monthly amount ``standard`` gives in ``month`` for a person in ``division``.

    Refuses (a field error on ``standard``) a sample row when samples may not be paid, and a
    percentage whose regional base is missing."""
    if standard.is_sample and not samples_allowed():
        raise ValidationError(
            {
                "standard": _(
                    "The standard for %(type)s from %(from)s is a sample figure (示例): load the official "
                    "standards before paying."
                )
                % {"type": BenefitType(standard.benefit_type).label, "from": standard.effective_from.isoformat()}
            }
        )
    if standard.formula == Formula.FIXED:
        return Amount(Decimal(standard.amount or 0).quantize(CENT), standard)
    base = find_base(standard.base, division, month)
    if base is None:
        raise ValidationError(
            {
                "standard": _("No regional base “%(base)s” applies to %(division)s in %(month)s.")
                % {"base": BaseName(standard.base).label, "division": division, "month": f"{month:%Y-%m}"}
            }
        )
    if base.is_sample and not samples_allowed():
        raise ValidationError(
            {"standard": _("The regional base for %(division)s is a sample figure (示例).") % {"division": division}}
        )
    value = (base.amount * Decimal(standard.percent or 0) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Amount(value, standard, base)


def compute(terms: Terms, month: dt.date) -> Amount:
    """The amount for ``terms`` in ``month`` from the table; a field error when no row applies."""
    standard = find_standard(terms, month)
    if standard is None:
        raise ValidationError(
            {
                "benefit_type": _("No standard for %(type)s applies to this person in %(month)s.")
                % {"type": BenefitType(terms.benefit_type).label, "month": f"{month:%Y-%m}"}
            }
        )
    return amount_for(standard, terms.division, month)
