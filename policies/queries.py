"""Reading the policy base: public law, readable by every signed-in member of staff (no jurisdiction)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jurisdictions import scope
from jurisdictions.perms import AUDIT, SUPERVISE

from . import calendar
from .models import CalendarDay, CalendarYear, Citation, DaySource, PolicyArticle


def current_q() -> Q:
    """The version in force today of each article: the newest version, effective, not repealed."""
    today = timezone.localdate()
    newer = PolicyArticle.objects.filter(
        document=OuterRef("document"), number=OuterRef("number"), version__gt=OuterRef("version")
    )
    return Q(~Exists(newer), effective_on__lte=today) & (Q(repealed_on__isnull=True) | Q(repealed_on__gt=today))


def search(q: str = "", *, include_repealed: bool = False) -> QuerySet[PolicyArticle]:
    """Articles matching ``q`` in the document number or title, the article number, title or text."""
    qs = PolicyArticle.objects.select_related("document")
    if not include_repealed:
        qs = qs.filter(current_q())
    for word in q.split():
        qs = qs.filter(
            Q(document__number__icontains=word)
            | Q(document__title__icontains=word)
            | Q(number__icontains=word)
            | Q(title__icontains=word)
            | Q(text__icontains=word)
        )
    return qs.order_by("document__title", F("position").asc(nulls_last=True), "number", "-version", "id")


def access_article(pk: int | str) -> PolicyArticle:
    article = PolicyArticle.objects.select_related("document").filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def versions_of(article: PolicyArticle) -> QuerySet[PolicyArticle]:
    """Every version of the article, newest first."""
    return PolicyArticle.objects.filter(document=article.document, number=article.number).order_by("-version")


def is_current(article: PolicyArticle) -> bool:
    return PolicyArticle.objects.filter(current_q(), pk=article.pk).exists()


@dataclass(frozen=True)
class CalendarRow:
    date: datetime.date
    is_working: bool
    name: str
    source: str  # "package", DaySource.FILE or DaySource.ENTERED
    overrides: bool  # an entered row where the package or a file said otherwise (or nothing)


def calendar_days(year: int) -> list[CalendarRow]:
    """The year's exceptions to the plain week, each with where it comes from: the rows (loaded or
    entered) over the ``chinese-calendar`` package's days."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    package = {day: value for day, value in calendar.package_days().items() if day.year == year}
    rows = {row.date: row for row in CalendarDay.objects.filter(date__range=(first, last))}
    found: list[CalendarRow] = []
    for day in sorted(set(package) | set(rows)):
        row = rows.get(day)
        if row is None:
            working, name = package[day]
            found.append(CalendarRow(day, working, name, "package", False))
        else:
            found.append(CalendarRow(day, row.is_working, row.name, row.source, row.source == DaySource.ENTERED))
    return found


def loaded_year(year: int) -> CalendarYear | None:
    return CalendarYear.objects.filter(year=year).first()


def package_span() -> tuple[int, int] | None:
    years = calendar.package_years()
    return (min(years), max(years)) if years else None


def repealed_q(today: datetime.date) -> Q:
    """Citations of an article that has since been repealed: a version of it (the cited one or a
    later one) carries a repeal date on or before ``today``."""
    repealed = PolicyArticle.objects.filter(
        document=OuterRef("article__document"),
        number=OuterRef("article__number"),
        repealed_on__isnull=False,
        repealed_on__lte=today,
    )
    return Q(Exists(repealed))


def citations_of_repealed(user: Any) -> QuerySet[Citation]:
    """The citations, in ``user``'s jurisdiction (as supervisor or auditor), of since-repealed articles."""
    where = scope.scope_q(user, codename=SUPERVISE) | scope.scope_q(user, codename=AUDIT)
    return (
        Citation.objects.filter(repealed_q(timezone.localdate()))
        .filter(where)
        .select_related("article__document")
        .order_by("-cited_on", "document_type", "document_id", "position")
    )


def may_see_citations(user: Any) -> bool:
    return bool(user.is_superuser or scope.codes_with(user, SUPERVISE) or scope.codes_with(user, AUDIT))
