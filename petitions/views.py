"""Pages of grievances: registration (from the workbench and the person's page), the grievance's part
of the case page (``core.panels.CASE``) and one page per named transition.

Each page authorises as the API does (``cases.queries.access_case``: 404; the handler: 403) and
calls the same handler; a refusal by a rule shows on the form's field, nothing saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import policy as case_policy
from cases.queries import access_case
from core.pages import apply_errors, domain_errors_as_pages
from jurisdictions import scope
from jurisdictions.perms import HANDLE_CASES

from . import actions, deadlines, forms, handlers, nodes
from .models import ReviewLevel, Stage
from .policy import require_may_work
from .queries import petition_of


@login_required
@domain_errors_as_pages
def register(request: HttpRequest) -> HttpResponse:
    """登记: first the person (by name), then the matter."""
    from subjects import queries as subject_queries

    if not scope.codes_with(request.user, HANDLE_CASES):
        raise PermissionDenied(_("Only a caseworker can register a grievance."))
    subject_id = request.GET.get("subject") or request.POST.get("subject")
    if not subject_id:
        name = request.GET.get("name", "").strip()
        people = (
            list(subject_queries.search(request.user, name=name).select_related("division").order_by("name", "id")[:50])
            if name
            else []
        )
        return render(request, "petitions/choose_person.html", {"name": name, "people": people, "searched": bool(name)})
    subject = subject_queries.access_subject(request.user, subject_id, codename=HANDLE_CASES)
    posted = request.method == "POST"
    form = forms.RegisterForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case_policy.require_not_own_subject(request.user, subject, action="register")
            case = actions.do_register_petition(subject, actor=request.user, **data)
        except DjangoValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The grievance %(number)s was registered.") % {"number": case.number})
            return redirect("cases:detail", case.pk)
    return render(
        request, "petitions/register.html", {"form": form, "subject": subject}, status=400 if form.is_bound else 200
    )


@login_required
@domain_errors_as_pages
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = access_case(request.user, pk)
    petition = petition_of(case)
    if petition is None or name not in handlers.HANDLERS:
        raise Http404
    form_class = forms.FORMS[name]
    appeal = None
    initial: dict[str, Any] = {}
    if name in ("request_review", "answer_review"):
        from .reviews import appeal_of

        appeal = appeal_of(petition)
        initial = {"level": appeal.next_level} if appeal.next_level else {}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if "citations" in data:
            data["citations"] = list(data["citations"])
        try:
            handlers.HANDLERS[name](request.user, case, data)
        except DjangoValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": forms.TITLES[name]})
            return redirect("cases:detail", case.pk)
    return render(
        request,
        "petitions/transition.html",
        {
            "case": case,
            "petition": petition,
            "form": form,
            "name": name,
            "title": forms.TITLES[name],
            "appeal": appeal,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
@domain_errors_as_pages
def hearing_record(request: HttpRequest, pk: int, hearing_id: int) -> HttpResponse:
    """Attach the record (笔录) of a hearing: a document of the case linked to the hearing."""
    case = access_case(request.user, pk)
    petition = petition_of(case)
    hearing = petition.hearings.filter(pk=hearing_id).first() if petition is not None else None
    if hearing is None:
        raise Http404
    require_may_work(request.user, case, nodes.HANDLE, action="hearing_record")
    upload = request.FILES.get("record")
    if upload is None:
        messages.error(request, _("Choose the file of the hearing's record."))
    else:
        try:
            actions.do_attach_hearing_record(hearing, actor=request.user, upload=upload)
        except DjangoValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The hearing's record was attached."))
    return redirect("cases:detail", case.pk)


# --- panels ------------------------------------------------------------------------------------


def case_panel(user: Any, *, case: Any) -> dict[str, Any] | None:
    """The grievance's part of the case page: its limits, clock, flags and the steps this user may take."""
    petition = petition_of(case)
    if petition is None:
        return None
    from .reviews import NODE_OF, answer_by, appeal_of

    limits = deadlines.deadlines_of(petition)
    appeal = appeal_of(petition)
    waiting = appeal.open_review
    offered = []
    for name in handlers.NAMES:
        if petition.stage not in handlers.OFFERED_AT[name]:
            continue
        if name == "request_review":
            if appeal.next_level is not None and scope.has_perm_at(user, HANDLE_CASES, case.division_id):
                offered.append({"name": name, "title": forms.TITLES[name]})
            continue
        if name == "answer_review":
            if waiting is not None and case_policy.may_work_on(user, NODE_OF[ReviewLevel(waiting.level)], case):
                offered.append({"name": name, "title": forms.TITLES[name]})
            continue
        if name == "pause_clock" and petition.paused_since is not None:
            continue
        if name == "resume_clock" and petition.paused_since is None:
            continue
        if name == "extend" and petition.extension_days:
            continue
        if case_policy.may_work_on(user, handlers.STEP[name], case):
            offered.append({"name": name, "title": forms.TITLES[name]})
    return {
        "case": case,
        "petition": petition,
        "limits": limits,
        "offered": offered,
        "open": petition.stage in (Stage.REGISTERED, Stage.HANDLING, Stage.EXTENSION_REQUESTED),
        "hearings": list(petition.hearings.all()),
        "may_record": case_policy.may_work_on(user, nodes.HANDLE, case),
        "reports": list(petition.upward_reports.select_related("division")),
        "appeal": appeal,
        "reviews": [
            {"review": r, "answer_by": answer_by(r)} for r in (appeal.review, appeal.re_review) if r is not None
        ],
        "petitioners": list(petition.petitioners.all()),
    }


def register_button(user: Any, **_objects: Any) -> dict[str, Any] | None:
    return {} if scope.codes_with(user, HANDLE_CASES) else None


def subject_register_button(user: Any, *, subject: Any) -> dict[str, Any] | None:
    return {"subject": subject} if scope.has_perm_at(user, HANDLE_CASES, subject.division_id) else None
