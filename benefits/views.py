"""Benefit pages: the person's ledger (every monthly line and why), the recovery list, the standards."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.pages import domain_errors_as_pages
from jurisdictions import scope
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, VIEW
from subjects.models import BenefitType, Category
from subjects.queries import access_subject

from . import actions, changes, queries, recovery_cases, rosters
from .forms import ChangeStandardForm, RecoveryCaseForm, RepaymentForm, ResumeForm, SuspendForm
from .models import Entitlement, EntitlementStatus, RecoveryStatus, RegionalBase


def _require_staff(user: Any) -> None:
    """Pages for staff with a jurisdiction: anyone else sees 404."""
    if not scope.codes_with(user, VIEW):
        raise Http404(_("Not found."))


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_GET
def subject_ledger(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = access_subject(request.user, subject_id)
    entitlements = queries.entitlements_of(subject)
    numbers = {line.article for e in entitlements for line in e.line_list if line.article}  # type: ignore[attr-defined]
    articles = queries.articles_by_number(numbers)
    for e in entitlements:
        for line in e.line_list:  # type: ignore[attr-defined]
            line.policy_article = articles.get(line.article)
    return render(
        request,
        "benefits/subject_ledger.html",
        {
            "subject": subject,
            "entitlements": entitlements,
            "recoveries": _with_cases(queries.recoveries_of(subject)),
            "balance": queries.balance_of(subject),
            "may_handle": scope.has_perm_at(request.user, HANDLE_CASES, subject.division_id),
            "may_approve": scope.has_perm_at(request.user, APPROVE_CASES, subject.division_id),
            "suspend_form": SuspendForm(),
            "resume_form": ResumeForm(),
            "repay_form": RepaymentForm(),
            "ACTIVE": EntitlementStatus.ACTIVE,
            "SUSPENDED": EntitlementStatus.SUSPENDED,
            "PROVINCE_REASONS": changes.PROVINCE_SUSPEND_REASONS,
            "OPEN": RecoveryStatus.OPEN,
            "INSTALMENTS": RecoveryStatus.INSTALMENTS,
        },
    )


def _entitlement(request: HttpRequest, pk: int) -> Entitlement:
    entitlement = Entitlement.objects.filter(pk=pk).first()
    scope.access_located(request.user, entitlement, codename=HANDLE_CASES)
    assert entitlement is not None
    return entitlement


@login_required
@require_POST
@domain_errors_as_pages
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    entitlement = _entitlement(request, pk)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            actions.do_suspend(entitlement, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The benefit is suspended."))
        except ValidationError as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Choose a reason for the suspension from the list."))
    return redirect("benefits:subject", entitlement.subject_id)


@login_required
@require_POST
@domain_errors_as_pages
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    entitlement = _entitlement(request, pk)
    form = ResumeForm(request.POST)
    form.is_valid()
    if entitlement.reason in changes.PROVINCE_SUSPEND_REASONS:
        messages.error(request, _("The province decided this suspension (Art. 59): resume it through a case."))
        return redirect("benefits:subject", entitlement.subject_id)
    try:
        actions.do_resume(entitlement, actor=request.user, note=form.cleaned_data.get("note", ""))
        messages.success(request, _("The benefit is paid again."))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("benefits:subject", entitlement.subject_id)


@login_required
@require_POST
@domain_errors_as_pages
def file_recovery_case(request: HttpRequest, pk: int) -> HttpResponse:
    """File the case that decides an overpayment (in full, in instalments, or a waiver), with the
    proposal posted; its approval applies it. The old decision address (``recoveries/<pk>/decide/``)
    comes here too: what it posted becomes the case's proposal, nothing is decided at once."""
    item = queries.access_recovery(request.user, pk, codename=HANDLE_CASES)
    form = RecoveryCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the amount to recover and the number of instalments."))
        return redirect(f"{reverse('benefits:subject', args=[item.subject_id])}#recovery-{item.pk}")
    try:
        filed = recovery_cases.file_case(
            item,
            actor=request.user,
            plan=form.plan_of(item.amount),
            amount=form.cleaned_data.get("to_recover"),
            instalments=form.cleaned_data.get("instalments"),
            first_month=form.cleaned_data.get("first_month"),
            reason=form.cleaned_data.get("reason") or "",
        )
    except ValidationError as exc:
        _refused(request, exc)
        return redirect(f"{reverse('benefits:subject', args=[item.subject_id])}#recovery-{item.pk}")
    messages.success(
        request,
        _("Case %(number)s filed: the overpayment is decided when an approver approves it.") % {"number": filed.number},
    )
    return redirect("cases:detail", filed.pk)


@login_required
@require_POST
@domain_errors_as_pages
def record_repayment(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.access_recovery(request.user, pk, codename=HANDLE_CASES)
    form = RepaymentForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_repayment(item, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The repayment is recorded."))
        except ValidationError as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Enter the amount repaid and the date."))
    return redirect("benefits:subject", item.subject_id)


@login_required
@require_GET
def recovery_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    status = request.GET.get("status", "open")
    if status not in ("", "open", *RecoveryStatus.values):
        status = "open"
    rows = list(queries.recoveries_for(request.user, status=status)[:201])
    return render(
        request,
        "benefits/recovery_list.html",
        {
            "items": _with_cases(rows[:200]),
            "more": len(rows) > 200,
            "status": status,
            "statuses": RecoveryStatus.choices,
            "OPEN": RecoveryStatus.OPEN,
            "may_file": bool(scope.codes_with(request.user, HANDLE_CASES)),
        },
    )


def _with_cases(items: list[Any]) -> list[Any]:
    """Each overpayment with its latest recovery case (``case``: number, state, undecided or not)."""
    found = recovery_cases.cases_of(item.pk for item in items)
    for item in items:
        item.case = found.get(item.pk)
        item.form = RecoveryCaseForm(auto_id=f"recovery-{item.pk}-%s")
    return items


@login_required
@require_GET
def standard_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    rows = list(queries.standards())
    for row in rows:
        row.type_label = BenefitType(row.benefit_type).label  # type: ignore[attr-defined]
        row.category_label = Category(row.category).label if row.category else ""  # type: ignore[attr-defined]
        row.may_change = row.effective_to is None and actions.is_province_approver(request.user, row.region)  # type: ignore[attr-defined]
    bases = RegionalBase.objects.select_related(None).order_by("name", "region", "effective_from")
    return render(
        request, "benefits/standard_list.html", {"standards": rows, "bases": bases, "form": ChangeStandardForm()}
    )


@login_required
@require_POST
@domain_errors_as_pages
def change_standard(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request.user)
    standard = queries.access_standard(pk)
    if not actions.is_province_approver(request.user, standard.region):
        raise PermissionDenied(_("Only an approver of the province may change its standards."))
    form = ChangeStandardForm(request.POST)
    if form.is_valid():
        try:
            actions.do_change_standard(standard, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The new figure is saved and the benefits paid from it are recomputed."))
        except ValidationError as exc:
            _refused(request, exc)
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}" if field in form.fields else str(error))
    return redirect("benefits:standards")


# --- payment rosters ---------------------------------------------------------------------------------


@login_required
@require_GET
def roster_list(request: HttpRequest) -> HttpResponse:
    """Rosters of the caller's counties, each with its reconciliation and the next step's button."""
    _require_staff(request.user)
    period = request.GET.get("period", "").strip()
    if period and not rosters.PERIOD_RE.match(period):
        period = ""
    listed = queries.rosters_for(request.user)
    if period:
        listed = listed.filter(period=period)
    rows = list(listed.select_related("division", "made_by", "approved_by")[:201])
    sums = queries.reconciliations([row.pk for row in rows])
    for row in rows:
        row.summary = sums[row.pk]  # type: ignore[attr-defined]
    counties = [code for code in scope.codes_with(request.user, HANDLE_CASES) if len(code) == 6]
    # Above a county (a city or a province): every county's rosters and their reconciliation first.
    by_county = [] if scope.within_county(request.user) else queries.rosters_by_county(request.user, period=period)
    return render(
        request,
        "benefits/roster_list.html",
        {
            "rosters": rows[:200],
            "more": len(rows) > 200,
            "counties": counties,
            "by_county": by_county,
            "period": period,
            "user_id": request.user.pk,
        },
    )


@login_required
@require_POST
@domain_errors_as_pages
def generate_roster(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    division = scope.access_division(request.user, request.POST.get("division", "").strip())
    try:
        roster = rosters.do_generate_roster(division.code, request.POST.get("period", "").strip(), actor=request.user)
        messages.success(
            request, _("Roster %(period)s made: %(n)d lines.") % {"period": roster.period, "n": roster.item_count}
        )
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("benefits:rosters")


@login_required
@require_POST
@domain_errors_as_pages
def approve_roster(request: HttpRequest, pk: int) -> HttpResponse:
    roster = queries.access_roster(request.user, pk)
    try:
        rosters.do_approve_roster(roster, actor=request.user)
        messages.success(request, _("The roster is approved."))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("benefits:rosters")


@login_required
@require_GET
@domain_errors_as_pages
def roster_bank_file(request: HttpRequest, pk: int) -> HttpResponse:
    roster = queries.access_roster(request.user, pk)
    try:
        bank_file = rosters.do_export_bank_file(roster, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("benefits:rosters")
    response = HttpResponse(bank_file.content, content_type=bank_file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{bank_file.filename}"'
    return response


@login_required
@require_POST
@domain_errors_as_pages
def roster_returns(request: HttpRequest, pk: int) -> HttpResponse:
    roster = queries.access_roster(request.user, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": _("Upload the bank's return file.")})
        raw = upload.read()
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = raw.decode("gb18030", errors="replace")
        rosters.do_import_returns(roster, content, actor=request.user)
        messages.success(request, _("The return file is imported."))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("benefits:rosters")


@login_required
@require_POST
@domain_errors_as_pages
def close_roster(request: HttpRequest, pk: int) -> HttpResponse:
    roster = queries.access_roster(request.user, pk)
    try:
        rosters.do_close_roster(roster, actor=request.user)
        messages.success(request, _("The cycle is reconciled and closed."))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("benefits:rosters")
