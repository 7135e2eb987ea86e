"""Every write to reporting periods and reports goes through here.

Each action runs in one transaction, locks the report row first (``select_for_update``),
applies a model-local FSM transition (a lost race raises django-fsm's
``TransitionNotAllowed`` or ``ConcurrentTransition``: 409 on the pages and the API, nothing
half-applied), and writes the audit event. Actions trust their caller: authorisation
happens at the entry point (``reports.queries.may_*``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, staff_or_none
from audit.log import record
from jurisdictions.models import Division, Level

from . import queries, snapshots
from .models import PeriodKind, Report, ReportDocument, ReportingPeriod, ReportStatus
from .pdf import issue_frame, render_report_pdf, signer_name_or_blank


def _division(division: Division | str) -> Division:
    return division if isinstance(division, Division) else Division.objects.get(code=division)


def _lock(report: Report | int) -> Report:
    pk = report if isinstance(report, int) else report.pk
    return Report.objects.select_for_update(of=("self",)).select_related("period", "division").get(pk=pk)


def _audit(event_type: str, report: Report, actor: Actor, **data: Any) -> None:
    record(
        event_type=event_type,
        actor=actor,
        obj=report,
        data={"period": report.period.key, "level": report.level, "status": report.status, **data},
    )


@transaction.atomic
def do_open_period(
    *,
    actor: Actor,
    key: str,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    county_due: dt.date,
    province_due: dt.date,
    kind: str = PeriodKind.MONTH,
) -> ReportingPeriod:
    """Open a reporting period (a month or a phase) with the due dates of counties and provinces."""
    errors: dict[str, str] = {}
    if ends_on < starts_on:
        errors["ends_on"] = _("The period cannot end before it starts.")
    if county_due < ends_on:
        errors["county_due"] = _("Counties cannot be due before the period ends.")
    if province_due < county_due:
        errors["province_due"] = _("Provinces cannot be due before their counties.")
    if kind == PeriodKind.YEAR and (
        (starts_on.month, starts_on.day) != (1, 1) or ends_on != dt.date(starts_on.year, 12, 31)
    ):
        errors["ends_on"] = _(
            "An annual petition report covers one calendar year: from 1 January to 31 December of the same year."
        )
    if ReportingPeriod.objects.filter(key=key).exists():
        errors["key"] = _("A period with this key already exists.")
    if errors:
        raise ValidationError(errors)
    period = ReportingPeriod.objects.create(
        key=key,
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        county_due=county_due,
        province_due=province_due,
        created_by=staff_or_none(actor),
    )
    record(
        event_type="report.period_opened",
        actor=actor,
        obj=period,
        data={"key": key, "county_due": county_due, "province_due": province_due},
    )
    return period


def _existing(period: ReportingPeriod, division: Division) -> Report | None:
    return Report.objects.select_for_update().filter(period=period, division=division).first()


def _store(
    period: ReportingPeriod,
    division: Division,
    level: int,
    *,
    actor: Actor,
    snapshot: dict[str, Any],
    analysis: str | None,
    now: dt.datetime,
) -> tuple[Report, bool]:
    report = _existing(period, division)
    created = report is None
    if report is None:
        report = Report(period=period, division=division, level=level, compiled_by=actor, compiled_at=now)
    else:
        report.recompile()  # TransitionNotAllowed once submitted or approved
    report.snapshot = snapshot
    report.compiled_by = actor
    report.compiled_at = now
    if analysis is not None:
        report.analysis = analysis
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ValidationError(_("Someone compiled this report at the same time. Reload and try again.")) from None
    return report, created


@transaction.atomic
def do_compile_report(
    division: Division | str, *, actor: Actor, period: ReportingPeriod, analysis: str | None = None
) -> Report:
    """Freeze a county's live figures for ``period`` as its (draft) report; recompiling replaces the draft."""
    county = _division(division)
    if county.level != Level.COUNTY:
        raise ValidationError(_("Only a county compiles a report from live data."))
    now = timezone.now()
    snapshot = snapshots.compile_live(county.code, start=period.starts_on, end=period.ends_on, now=now)
    snapshot["period"] = period.key
    report, created = _store(period, county, Level.COUNTY, actor=actor, snapshot=snapshot, analysis=analysis, now=now)
    _audit("report.compiled", report, actor, created=created, subjects=snapshot["subjects"]["total"])
    return report


@transaction.atomic
def do_compile_province_report(
    division: Division | str, *, actor: Actor, period: ReportingPeriod, analysis: str | None = None
) -> Report:
    """Sum the province's approved county reports into its report for ``period``.

    Counties without an approved report are listed as missing in the snapshot (the figures
    are then the sum of those that were approved).
    """
    province = _division(division)
    if province.level != Level.PROVINCE:
        raise ValidationError(_("Only a province compiles a provincial report."))
    now = timezone.now()
    sources = list(queries.approved_county_reports(period, province.code))
    counties = list(
        Division.objects.filter(level=Level.COUNTY, code__startswith=province.code)
        .order_by("code")
        .values_list("code", flat=True)
    )
    included = {r.division_id for r in sources}
    snapshot = snapshots.merge(r.snapshot for r in sources)
    snapshot.update(
        {
            "version": snapshots.SNAPSHOT_VERSION,
            "as_of": now.isoformat(),
            "division": province.code,
            "period": period.key,
            "counties": sorted(included),
            "missing": [code for code in counties if code not in included],
        }
    )
    report, created = _store(
        period, province, Level.PROVINCE, actor=actor, snapshot=snapshot, analysis=analysis, now=now
    )
    report.sources.set(sources)
    _audit("report.compiled", report, actor, created=created, counties=len(included), missing=len(snapshot["missing"]))
    return report


@transaction.atomic
def do_edit_report_analysis(report: Report, *, actor: Actor, analysis: str) -> Report:
    """Change the analysis text of a draft or returned report (the figures stay frozen)."""
    report = _lock(report)
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise ValidationError(_("A submitted report can no longer be edited."))
    report.analysis = analysis
    report.save(update_fields=["analysis", "updated_at"])
    _audit("report.edited", report, actor)
    return report


def pdf_context(report: Report) -> dict[str, Any]:
    from . import tables

    names = dict(Division.objects.filter(code__in=report.snapshot.get("missing", [])).values_list("code", "name"))
    return {
        "tables": tables.snapshot_tables(report.snapshot),
        "missing": [(code, names.get(code, code)) for code in report.snapshot.get("missing", [])],
    }


@transaction.atomic
def do_submit_report(report: Report, *, actor: Actor) -> Report:
    """Sign off and send the report up; renders the PDF of this submission with the sign-off."""
    report = _lock(report)
    report.submit()
    now = timezone.now()
    report.submitted_by = staff_or_none(actor)
    report.submitted_at = now
    report.save()
    number = report.documents.count() + 1
    # Issued like a letter: numbered (文号), sealed, signed, verifiable by its code.
    frame = issue_frame(report, on=timezone.localdate())
    pdf = render_report_pdf(report, {**pdf_context(report), "issue": frame})
    digest = hashlib.sha256(pdf).hexdigest()
    document = ReportDocument(
        report=report,
        number=number,
        sha256=digest,
        signed_by=staff_or_none(actor),
        signed_at=now,
        document_number=frame["number"],
        verification_code=frame["code"],
        signer=signer_name_or_blank(pdf),
    )
    document.file.save(f"{report.pk}-{number}.pdf", ContentFile(pdf), save=False)
    document.save()
    _audit("report.submitted", report, actor, document=number, sha256=digest, number=frame["number"])
    return report


@transaction.atomic
def do_approve_report(report: Report, *, actor: Actor) -> Report:
    """The level above accepts a submitted report."""
    report = _lock(report)
    report.approve()
    report.reviewed_by = staff_or_none(actor)
    report.reviewed_at = timezone.now()
    report.save()
    _audit("report.approved", report, actor)
    return report


@transaction.atomic
def do_return_report(report: Report, *, actor: Actor, comments: str) -> Report:
    """Send a submitted report back to its division with the reviewer's comments."""
    comments = comments.strip()
    if not comments:
        raise ValidationError({"comments": _("Say what must be corrected.")})
    report = _lock(report)
    report.send_back()
    report.comments = comments
    report.reviewed_by = staff_or_none(actor)
    report.reviewed_at = timezone.now()
    report.save()
    _audit("report.returned", report, actor, reason=comments)
    return report


@transaction.atomic
def do_record_export(
    *, actor: Actor, division_code: str, table: str, fmt: str, rows: int, report: Report | None = None
) -> None:
    """Audit a download of a dashboard or report table (``report.exported``)."""
    record(
        event_type="report.exported",
        actor=actor,
        obj=report,
        division_code=division_code,
        object_type="" if report is not None else "reports.dashboard",
        object_id="" if report is not None else division_code,
        data={"table": table, "format": fmt, "rows": rows},
    )
