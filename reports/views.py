"""Reports pages: dashboards, downloads, periods and the report workflow. Thin: queries read, actions write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from core.pages import apply_errors
from jurisdictions.models import NATION_CODE, Division, Level

from . import actions, dashboard, exports, queries, snapshots, tables
from .forms import AnalysisForm, PeriodForm, ReturnForm
from .models import Report, ReportStatus


def _conflict(request: HttpRequest, report: Report | None = None) -> HttpResponse:
    return render(request, "reports/conflict.html", {"report": report}, status=409)


def _division_param(request: HttpRequest) -> Division:
    code = request.GET.get("division") or queries.home_division(request.user) or ""
    return queries.access_subtree(request.user, code)


def _crumbs(user: Any, division: Division) -> list[Division]:
    """The ancestors of ``division`` the user may open (``queries.access_subtree``): a county user's
    breadcrumbs start at their county, never at a province page that would answer 404."""
    from jurisdictions.scope import ancestors_of, can_see

    found = ancestors_of([division.code])
    return [found[c] for c in division.ancestor_codes if c in found and c != division.code and can_see(user, c)]


@login_required
@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    home = queries.home_division(request.user)
    if home is None:
        raise Http404(_("Not found."))
    return render(
        request,
        "reports/index.html",
        {
            "home": home,
            "periods": queries.periods()[:24],
            "reports": queries.reports_for(request.user).order_by("-updated_at")[:50],
            "period_form": PeriodForm() if queries.may_open_period(request.user) else None,
        },
    )


@login_required
@require_POST
def open_period(request: HttpRequest) -> HttpResponse:
    queries.require(queries.may_open_period(request.user))
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            period = actions.do_open_period(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The reporting period is open."))
            return redirect("reports:period", key=period.key)
    return render(
        request,
        "reports/index.html",
        {
            "home": queries.home_division(request.user),
            "periods": queries.periods()[:24],
            "reports": queries.reports_for(request.user).order_by("-updated_at")[:50],
            "period_form": form,
        },
        status=400,
    )


@login_required
@never_cache
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    division = _division_param(request)
    built, as_of = dashboard.build_with_time(request.user, division)
    return render(
        request,
        "reports/dashboard.html",
        {
            "division": division,
            "crumbs": _crumbs(request.user, division),
            "tables": built,
            "as_of": as_of,
            "cache_minutes": dashboard.cache_seconds(division) // 60,
            "formats": exports.FORMATS,
            "drill": division.level < Level.COUNTY,
        },
    )


@login_required
@never_cache
@require_GET
def dashboard_export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    if key not in tables.TABLE_KEYS or fmt not in exports.FORMATS:
        raise Http404(_("Not found."))
    division = _division_param(request)
    (table,) = dashboard.build(request.user, division, [key])
    actions.do_record_export(actor=request.user, division_code=division.code, table=key, fmt=fmt, rows=len(table.rows))
    return exports.response(table, fmt, f"{key}-{division.code}")


@login_required
@never_cache
@require_GET
def period(request: HttpRequest, key: str) -> HttpResponse:
    the_period = queries.access_period(key)
    division = _division_param(request)
    expected = queries.expected_reports(the_period, division)
    rollup_tables = None
    rollup_sources: list[Report] = []
    if division.code == NATION_CODE:
        rollup_sources = list(queries.national_rollup_sources(the_period))
        rollup_tables = tables.snapshot_tables(snapshots.merge(r.snapshot for r in rollup_sources))
    compile_here = None
    if division.level in (Level.COUNTY, Level.PROVINCE) and queries.may_compile(
        request.user, division.level, division.code
    ):
        compile_here = division
    return render(
        request,
        "reports/period.html",
        {
            "period": the_period,
            "division": division,
            "crumbs": _crumbs(request.user, division),
            "expected": expected,
            "late_count": sum(1 for e in expected if e.late and not e.submitted),
            "compile_here": compile_here,
            "analysis_form": AnalysisForm(),
            "rollup_tables": rollup_tables,
            "rollup_sources": rollup_sources,
        },
    )


@login_required
@require_POST
def compile_report(request: HttpRequest, key: str, code: str) -> HttpResponse:
    the_period = queries.access_period(key)
    division = queries.access_subtree(request.user, code)
    queries.require(queries.may_compile(request.user, division.level, division.code))
    form = AnalysisForm(request.POST)
    analysis = form.cleaned_data["analysis"] if form.is_valid() else None
    action: Callable[..., Report] = (
        actions.do_compile_province_report if division.level == Level.PROVINCE else actions.do_compile_report
    )
    try:
        report = action(division, actor=request.user, period=the_period, analysis=analysis or None)
    except (TransitionNotAllowed, ConcurrentTransition):
        return _conflict(request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{_period_url(key)}?division={division.code}")
    messages.success(request, _("The report was compiled from the current data."))
    return redirect("reports:detail", report_id=report.pk)


def _period_url(key: str) -> str:
    from django.urls import reverse

    return reverse("reports:period", kwargs={"key": key})


def _detail_context(request: HttpRequest, report: Report, **extra: Any) -> dict[str, Any]:
    editable = report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
    may_compile = queries.may_compile(request.user, report.level, report.division_id)
    context = {
        "report": report,
        "tables": tables.snapshot_tables(report.snapshot),
        "missing": actions.pdf_context(report)["missing"],
        "sources": report.sources.select_related("division").order_by("division_id"),
        "documents": report.documents.order_by("-number"),
        "formats": exports.FORMATS,
        "may_edit": editable and may_compile,
        "may_review": report.status == ReportStatus.SUBMITTED and queries.may_review(request.user, report),
        "analysis_form": AnalysisForm(initial={"analysis": report.analysis}),
        "return_form": ReturnForm(),
    }
    context.update(extra)
    return context


@login_required
@never_cache
@require_GET
def detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = queries.access_report(request.user, report_id)
    return render(request, "reports/detail.html", _detail_context(request, report))


@login_required
@never_cache
@require_GET
def report_export(request: HttpRequest, report_id: int, key: str, fmt: str) -> HttpResponse:
    report = queries.access_report(request.user, report_id)
    found = [t for t in tables.snapshot_tables(report.snapshot) if t.key == key]
    if not found or fmt not in exports.FORMATS:
        raise Http404(_("Not found."))
    table = found[0]
    actions.do_record_export(
        actor=request.user, division_code=report.division_id, table=key, fmt=fmt, rows=len(table.rows), report=report
    )
    return exports.response(table, fmt, f"{key}-{report.division_id}-{report.period.key}")


@login_required
@never_cache
@require_GET
def report_workbook(request: HttpRequest, report_id: int) -> HttpResponse:
    """The whole report as one spreadsheet, a sheet per table (the annual petition report's spreadsheet)."""
    report = queries.access_report(request.user, report_id)
    all_tables = tables.snapshot_tables(report.snapshot)
    actions.do_record_export(
        actor=request.user,
        division_code=report.division_id,
        table="all",
        fmt="xlsx",
        rows=sum(len(t.rows) for t in all_tables),
        report=report,
    )
    resp = HttpResponse(exports.workbook(all_tables), content_type=exports.XLSX)
    resp["Content-Disposition"] = f'attachment; filename="report-{report.division_id}-{report.period.key}.xlsx"'
    resp["Cache-Control"] = "no-store"
    return resp


def _transition(
    request: HttpRequest, report_id: int, allowed: Callable[[Report], bool], run: Callable[[Report], Any], done: str
) -> HttpResponse:
    report = queries.access_report(request.user, report_id)
    queries.require(allowed(report))
    try:
        run(report)
    except (TransitionNotAllowed, ConcurrentTransition):
        return _conflict(request, report)
    messages.success(request, done)
    return redirect("reports:detail", report_id=report.pk)


@login_required
@require_POST
def submit(request: HttpRequest, report_id: int) -> HttpResponse:
    return _transition(
        request,
        report_id,
        lambda r: queries.may_compile(request.user, r.level, r.division_id),
        lambda r: actions.do_submit_report(r, actor=request.user),
        _("The report was signed off and submitted."),
    )


@login_required
@require_POST
def approve(request: HttpRequest, report_id: int) -> HttpResponse:
    return _transition(
        request,
        report_id,
        lambda r: queries.may_review(request.user, r),
        lambda r: actions.do_approve_report(r, actor=request.user),
        _("The report was approved."),
    )


@login_required
@require_POST
def return_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = queries.access_report(request.user, report_id)
    queries.require(queries.may_review(request.user, report))
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            actions.do_return_report(report, actor=request.user, comments=form.cleaned_data["comments"])
        except (TransitionNotAllowed, ConcurrentTransition):
            return _conflict(request, report)
        except ValidationError as exc:
            form.add_error("comments", exc.messages)
        else:
            messages.success(request, _("The report was returned with your comments."))
            return redirect("reports:detail", report_id=report.pk)
    return render(request, "reports/detail.html", _detail_context(request, report, return_form=form), status=400)


@login_required
@require_POST
def edit_analysis(request: HttpRequest, report_id: int) -> HttpResponse:
    report = queries.access_report(request.user, report_id)
    queries.require(queries.may_compile(request.user, report.level, report.division_id))
    form = AnalysisForm(request.POST)
    if form.is_valid():
        try:
            actions.do_edit_report_analysis(report, actor=request.user, analysis=form.cleaned_data["analysis"])
        except ValidationError:
            return _conflict(request, report)
        messages.success(request, _("The analysis was saved."))
    return redirect("reports:detail", report_id=report.pk)


@login_required
@never_cache
@require_GET
def document(request: HttpRequest, report_id: int, number: int) -> FileResponse:
    report = queries.access_report(request.user, report_id)
    doc = report.documents.filter(number=number).first()
    if doc is None or not doc.file.name or not default_storage.exists(doc.file.name):
        raise Http404(_("Not found."))
    return FileResponse(
        default_storage.open(str(doc.file.name), "rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"report-{report.division_id}-{report.period.key}-{doc.number}.pdf",
    )
