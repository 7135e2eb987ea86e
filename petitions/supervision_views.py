"""The 督办 page: orders the user may see (supervisors: their subtree's; the supervised body: its own),
a form to issue one (supervisors) and the completion report form (the supervised body).

Authorises as the API does (``petitions.supervision``): 404 outside the jurisdiction, 403 visible
but not allowed; a refusal by a rule shows on the form's field, nothing saved.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.queries import access_case
from core.pages import apply_errors, domain_errors_as_pages
from jurisdictions import scope
from jurisdictions.perms import HANDLE_CASES, SUPERVISE
from jurisdictions.scope import access_division

from . import supervision
from .models import Intensity


class IssueForm(forms.Form):
    case = forms.IntegerField(label=gettext_lazy("Case (id)"), required=False, min_value=1, max_value=2**31 - 1)
    body = forms.CharField(label=gettext_lazy("Body (division code)"), required=False, max_length=12)
    intensity = forms.ChoiceField(label=gettext_lazy("Intensity"), choices=Intensity.choices)
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    instructions = forms.CharField(
        label=gettext_lazy("Instructions"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReportForm(forms.Form):
    report = forms.CharField(
        label=gettext_lazy("Completion report"),
        max_length=supervision.REPORT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
@domain_errors_as_pages
def orders(request: HttpRequest) -> HttpResponse:
    may_issue = bool(scope.codes_with(request.user, SUPERVISE))
    form = IssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = access_case(request.user, data["case"]) if data["case"] else None
            body = access_division(request.user, data["body"].strip()) if data["body"].strip() else None
            supervision.do_issue_order(
                actor=request.user,
                case=case,
                body=body,
                intensity=data["intensity"],
                deadline=data["deadline"],
                instructions=data["instructions"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="case")
        else:
            messages.success(request, _("The supervision order was issued."))
            return redirect("petitions:supervision")
    rows = []
    for order in supervision.orders_for(request.user)[:200]:
        state = supervision.state_of(order)
        may_report = order.reported_on is None and scope.has_perm_at(request.user, HANDLE_CASES, order.division_id)
        rows.append({"order": order, "state": supervision.STATE_LABELS[state], "may_report": may_report})
    return render(
        request,
        "petitions/supervision.html",
        {"rows": rows, "form": form, "may_issue": may_issue, "report_form": ReportForm()},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
@domain_errors_as_pages
def report(request: HttpRequest, pk: int) -> HttpResponse:
    order = supervision.access_order(request.user, pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            supervision.do_report_order(order, actor=request.user, report=form.cleaned_data["report"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The completion report was filed."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, _("Completion report: %(error)s") % {"error": error})
    return redirect("petitions:supervision")
