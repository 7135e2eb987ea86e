"""``manage.py load_benefit_standards FILE``: the standards table from a CSV (UTF-8 or GB18030) or XLSX file.

Columns (docs/benefits.md): ``table`` (``standard`` or ``base``), ``benefit_type``, ``category``,
``grade``, ``cause``, ``care_level``, ``region``, ``effective_from``, ``effective_to``, ``formula``,
``amount``, ``percent``, ``base``, ``article``, ``sample``. All or nothing: one bad row and nothing
is saved; every bad row is reported with its line and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import record
from core.readers import UnreadableFile, open_table
from subjects.models import Category

from . import rules
from .models import BaseName, BenefitStandard, Cause, Formula, RegionalBase

COLUMNS = [
    "table",
    "benefit_type",
    "category",
    "grade",
    "cause",
    "care_level",
    "region",
    "effective_from",
    "effective_to",
    "formula",
    "amount",
    "percent",
    "base",
    "article",
    "sample",
]
YES = {"1", "true", "yes", "是", "示例"}
NO = {"", "0", "false", "no", "否", "正式"}


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass
class LoadResult:
    standards: int = 0
    bases: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)


def _date(values: dict[str, str], name: str, *, required: bool) -> dt.date | None:
    value = values[name]
    if not value:
        if required:
            raise RowError(name, _("is missing"))
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(name, _("is not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from None


def _number(values: dict[str, str], name: str) -> Decimal:
    try:
        number = Decimal(values[name])
        if not number.is_finite() or number < 0:
            raise InvalidOperation
    except InvalidOperation:
        raise RowError(name, _("is not an amount of zero or more: %(value)s") % {"value": values[name]}) from None
    return number.quantize(rules.CENT)


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    values = {name: str(row.get(name) or "").strip() for name in COLUMNS}
    table = values["table"] or "standard"
    if table not in ("standard", "base"):
        raise RowError("table", _("must be standard or base: %(value)s") % {"value": values["table"]})
    start = _date(values, "effective_from", required=True)
    end = _date(values, "effective_to", required=False)
    assert start is not None
    if start.day != 1:
        raise RowError("effective_from", _("must be the first day of a month"))
    if end is not None and (end < start or rules.month_end(end) != end):
        raise RowError("effective_to", _("must be the last day of a month on or after the start"))
    region = values["region"]
    if region and (not region.isdigit() or len(region) not in (2, 4, 6)):
        raise RowError("region", _("must be a division code of 2, 4 or 6 digits, or empty for the nation"))
    flag = values["sample"].lower()
    if flag not in YES | NO:
        raise RowError("sample", _("must be 示例 or 正式: %(value)s") % {"value": values["sample"]})
    out: dict[str, Any] = {"region": region, "effective_from": start, "effective_to": end, "is_sample": flag in YES}
    if table == "base":
        if values["base"] not in BaseName.values:
            raise RowError("base", _("unknown regional base: %(value)s") % {"value": values["base"]})
        return {"table": "base", **out, "name": values["base"], "amount": _number(values, "amount")}
    if values["benefit_type"] not in rules.PERIODIC_TYPES:
        raise RowError(
            "benefit_type",
            _("not a benefit paid monthly by veterans' affairs: %(value)s") % {"value": values["benefit_type"]},
        )
    if values["category"] and values["category"] not in Category.values:
        raise RowError("category", _("unknown category: %(value)s") % {"value": values["category"]})
    if values["grade"] and values["grade"] not in [str(n) for n in range(1, 11)]:
        raise RowError("grade", _("must be a disability grade from 1 to 10"))
    if values["cause"] and values["cause"] not in Cause.values:
        raise RowError("cause", _("unknown cause: %(value)s") % {"value": values["cause"]})
    if values["care_level"] and values["care_level"] not in rules.CARE_PERCENT:
        raise RowError("care_level", _("must be a care level from 1 to 4"))
    if values["formula"] not in Formula.values:
        raise RowError(
            "formula",
            _("unknown formula kind: %(value)s (use fixed or percent_of_base)") % {"value": values["formula"]},
        )
    if not values["article"]:
        raise RowError("article", _("is missing: name the article of the 军人抚恤优待条例 behind the standard"))
    standard = {
        "table": "standard",
        **out,
        "benefit_type": values["benefit_type"],
        "category": values["category"],
        "grade": values["grade"],
        "cause": values["cause"],
        "care_level": values["care_level"],
        "formula": values["formula"],
        "article": values["article"][:40],
        "amount": None,
        "percent": None,
        "base": "",
    }
    if values["formula"] == Formula.FIXED:
        standard["amount"] = _number(values, "amount")
    else:
        standard["percent"] = _number(values, "percent")
        if standard["percent"] > 100:
            raise RowError("percent", _("a percentage is at most 100"))
        if values["base"] not in BaseName.values:
            raise RowError("base", _("unknown regional base: %(value)s") % {"value": values["base"]})
        standard["base"] = values["base"]
    return standard


def _periods_overlap(a: dict[str, Any], b: Any) -> bool:
    a_end = a["effective_to"] or dt.date.max
    b_from = b["effective_from"] if isinstance(b, dict) else b.effective_from
    b_to = (b["effective_to"] if isinstance(b, dict) else b.effective_to) or dt.date.max
    return a["effective_from"] <= b_to and b_from <= a_end


STANDARD_KEY = ("benefit_type", "category", "grade", "cause", "care_level", "region")


def _load_standard(values: dict[str, Any], result: LoadResult, seen: list[dict[str, Any]]) -> None:
    key = {name: values[name] for name in STANDARD_KEY}
    fields = {k: v for k, v in values.items() if k != "table"}
    if BenefitStandard.objects.filter(**fields).exists():
        result.unchanged += 1
        return
    for other in seen:
        if all(other[k] == key[k] for k in STANDARD_KEY) and _periods_overlap(values, other):
            raise RowError("effective_from", _("the period overlaps another row of this file for the same standard"))
    clash = BenefitStandard.objects.filter(**key).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=values["effective_from"])
    )
    if values["effective_to"] is not None:
        clash = clash.filter(effective_from__lte=values["effective_to"])
    found = clash.first()
    if found is not None:
        raise RowError(
            "effective_from",
            _(
                "the period overlaps the standard already loaded from %(from)s "
                "(close it first, or change it with an effective date)"
            )
            % {"from": found.effective_from.isoformat()},
        )
    seen.append(values)
    BenefitStandard.objects.create(**fields)
    result.standards += 1


def _load_base(values: dict[str, Any], result: LoadResult) -> None:
    fields = {k: v for k, v in values.items() if k != "table"}
    if RegionalBase.objects.filter(**fields).exists():
        result.unchanged += 1
        return
    clash = RegionalBase.objects.filter(name=values["name"], region=values["region"]).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=values["effective_from"])
    )
    if values["effective_to"] is not None:
        clash = clash.filter(effective_from__lte=values["effective_to"])
    if clash.exists():
        raise RowError("effective_from", _("the period overlaps a regional base already loaded for this region"))
    RegionalBase.objects.create(**fields)
    result.bases += 1


def do_load_benefit_standards(path: Path, *, actor: Actor | None) -> LoadResult:
    """Load the file in one transaction; any bad row and nothing is saved (the errors name line and column)."""
    try:
        table = open_table(path, path.name)
        rows = list(table.rows)
        header = table.header
    except (OSError, UnreadableFile) as exc:
        return LoadResult(errors=[(0, "", _("the file cannot be read: %(error)s") % {"error": exc})])
    missing = [name for name in ("benefit_type", "effective_from", "formula", "amount") if name not in header]
    if missing:
        return LoadResult(errors=[(1, ", ".join(missing), _("the header lacks these columns"))])
    result = LoadResult()
    seen: list[dict[str, Any]] = []
    with transaction.atomic():
        for line, cells in rows:
            if cells is not None and not any(cell.strip() for cell in cells):
                continue
            try:
                if cells is None:
                    raise RowError("", _("the row cannot be read"))
                values = _clean(dict(zip(header, cells, strict=False)))
                with transaction.atomic():
                    if values["table"] == "base":
                        _load_base(values, result)
                    else:
                        _load_standard(values, result, seen)
            except RowError as exc:
                result.errors.append((line, exc.column, str(exc)))
        if result.errors:
            transaction.set_rollback(True)
            return result
        record(
            event_type="benefit.standards_loaded",
            actor=actor,
            object_type="benefits.benefitstandard",
            data={
                "file": path.name,
                "standards": result.standards,
                "bases": result.bases,
                "unchanged": result.unchanged,
            },
        )
    return result
