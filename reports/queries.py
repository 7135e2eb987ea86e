"""Reading reports and deciding who may act on them, always through the jurisdiction scope.

- Visibility: a report is a Located row, so :func:`jurisdictions.scope.scope_q` limits lists
  and :func:`access_report` answers 404 outside the user's jurisdiction (nobody sees another
  province's reports; a city sees its counties', not the province's).
- Who acts (403 when visible but not allowed). The grant must sit on the exact division that
  acts, so that the level above cannot sign off in a county's name:
  a county report is compiled and submitted by an approver or supervisor **of that county**
  and reviewed (approved or returned) by a supervisor **of its city**; a province report is
  compiled and signed off by a supervisor **of the province** and reviewed by a national
  (``CN``) supervisor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jurisdictions import scope
from jurisdictions.models import NATION_CODE, Division, Level, level_of_code, normalise_code
from jurisdictions.roles import VIEW

from .models import Report, ReportingPeriod, ReportStatus

SUPERVISE = "supervise"
APPROVE = "approve_cases"


def _granted_at(user: Any, code: str, *codenames: str) -> bool:
    """Whether one of ``codenames`` is granted on exactly ``code`` (not inherited from above)."""
    held = scope.division_grants(user).get(code, frozenset())
    return any(name in held for name in codenames)


def may_compile(user: Any, level: int, code: str) -> bool:
    """Compile, edit and submit (sign off) the report of division ``code``."""
    if level == Level.COUNTY:
        return _granted_at(user, code, APPROVE, SUPERVISE)
    if level == Level.PROVINCE:
        return _granted_at(user, code, SUPERVISE)
    return False


def may_review(user: Any, report: Report) -> bool:
    """Approve or return a submitted report: the level above."""
    if report.level == Level.COUNTY:
        return _granted_at(user, report.city_code, SUPERVISE)
    if report.level == Level.PROVINCE:
        return _granted_at(user, NATION_CODE, SUPERVISE)
    return False


def may_open_period(user: Any) -> bool:
    return _granted_at(user, NATION_CODE, SUPERVISE)


def reports_for(user: Any) -> QuerySet[Report]:
    return scope.scoped(Report.objects.all(), user).select_related("period", "division")


def access_report(user: Any, report_id: Any) -> Report:
    """The report if the user may see it (404 otherwise)."""
    try:
        report = Report.objects.select_related("period", "division").get(pk=int(report_id))
    except (Report.DoesNotExist, TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    scope.access_located(user, report)
    return report


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this here."))


def access_period(key: str) -> ReportingPeriod:
    try:
        return ReportingPeriod.objects.get(key=key)
    except ReportingPeriod.DoesNotExist:
        raise Http404(_("Not found.")) from None


def access_subtree(user: Any, raw_code: str) -> Division:
    """A division whose whole subtree the user may see (404 otherwise: ancestors are not enough)."""
    code = normalise_code(raw_code or "")
    if level_of_code(code) is None or not scope.can_see(user, code):
        raise Http404(_("Not found."))
    try:
        return Division.objects.get(code=code)
    except Division.DoesNotExist:
        raise Http404(_("Not found.")) from None


def home_division(user: Any) -> str | None:
    """The widest division the user sees (their dashboard's starting point)."""
    codes = scope.codes_with(user, VIEW)
    if not codes:
        return None
    return sorted(codes, key=lambda c: (0 if c == NATION_CODE else len(c), c))[0]


def periods() -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.all()


# --- Late and missing submissions -----------------------------------------------------------


@dataclass
class Expected:
    """One division expected to report for a period, and where its report stands."""

    division: Division
    level: int
    report: Report | None
    due: dt.date

    @property
    def state(self) -> str:
        return self.report.status if self.report is not None else "missing"

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)

    @property
    def late(self) -> bool:
        """Past the due date without a submission, or submitted after it."""
        if self.submitted and self.report is not None and self.report.submitted_at is not None:
            return timezone.localtime(self.report.submitted_at).date() > self.due
        return timezone.localdate() > self.due


def expected_reports(period: ReportingPeriod, parent: Division) -> list[Expected]:
    """Who must report for ``period`` under ``parent``, with their reports (two queries).

    The nation expects its provinces' reports; a province and a city expect their counties'
    (and a province its own); a county expects its own.
    """
    if parent.level == Level.NATION:
        level = Level.PROVINCE
        divisions = Division.objects.filter(level=Level.PROVINCE)
    elif parent.level in (Level.PROVINCE, Level.CITY):
        level = Level.COUNTY
        divisions = Division.objects.filter(level=Level.COUNTY, code__startswith=parent.code)
    else:
        level = Level.COUNTY
        divisions = Division.objects.filter(code=parent.code)
    divisions = divisions.order_by("code")
    reports = {
        r.division_id: r
        for r in Report.objects.filter(period=period, level=level, division__in=divisions).select_related("period")
    }
    due: dt.date = period.due_for(level)  # type: ignore[assignment]
    rows = [Expected(d, level, reports.get(d.code), due) for d in divisions]
    if parent.level == Level.PROVINCE:
        own = Report.objects.filter(period=period, division=parent).first()
        rows.insert(0, Expected(parent, Level.PROVINCE, own, period.province_due))
    return rows


def approved_county_reports(period: ReportingPeriod, province_code: str) -> QuerySet[Report]:
    return Report.objects.filter(
        period=period, level=Level.COUNTY, province_code=province_code, status=ReportStatus.APPROVED
    ).order_by("division_id")


def national_rollup_sources(period: ReportingPeriod) -> QuerySet[Report]:
    """Province reports that reached the ministry (submitted or approved) for ``period``."""
    return Report.objects.filter(
        period=period, level=Level.PROVINCE, status__in=[ReportStatus.SUBMITTED, ReportStatus.APPROVED]
    ).order_by("division_id")
