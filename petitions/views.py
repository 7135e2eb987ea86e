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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import policy as case_policy
from cases.queries import access_case
from core.pages import apply_errors, domain_errors_as_pages
from jurisdictions import scope
from jurisdictions.perms import HANDLE_CASES

from . import actions, deadlines, forms, handlers, nodes
from .models import ReviewLevel, Stage
from .policy import member_of, require_may_work, works_at_body
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
    if hasattr(form, "bind_case"):
        form.bind_case(request.user, case, petition)
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
@domain_errors_as_pages
def bounces(request: HttpRequest) -> HttpResponse:
    """The bodies of the user's jurisdiction with the bounces counted against them (most first)."""
    from .queries import bounce_table

    return render(request, "petitions/bounces.html", {"rows": bounce_table(request.user)})


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


def _rectification_step(user: Any, case: Any, name: str, rectification: Any) -> bool:
    """Offer 整改 while it is open (its task's holders); reopen or advise a review once it was rated poorly."""
    if rectification is None:
        return False
    if name == "rectify":
        return rectification.done_on is None and case_policy.may_work_on(user, nodes.RECTIFY, case)
    return rectification.followup == "pending" and case_policy.may_work_on(user, nodes.HANDLE, case)


def case_panel(user: Any, *, case: Any) -> dict[str, Any] | None:
    """The grievance's part of the case page: its limits, clock, flags and the steps this user may take."""
    petition = petition_of(case)
    if petition is None:
        return None
    from .reviews import NODE_OF, answer_by, appeal_of

    limits = deadlines.deadlines_of(petition)
    acknowledge_by = deadlines.acknowledge_by(petition)
    lapsed = acknowledge_by is not None and timezone.localdate() > acknowledge_by.date
    appeal = appeal_of(petition)
    waiting = appeal.open_review
    from .rectification import rectification_of

    rectification = rectification_of(case)
    offered = []
    at_body: dict[str, bool] = {}
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
        if name in ("rectify", "reopen", "advise_review"):
            if _rectification_step(user, case, name, rectification):
                offered.append({"name": name, "title": forms.TITLES[name]})
            continue
        if name == "pause_clock" and petition.paused_since is not None:
            continue
        if name == "resume_clock" and petition.paused_since is None:
            continue
        if name == "extend" and petition.extension_days:
            continue
        if name == "object" and petition.designated:
            continue
        if name == "designate" and petition.stage == Stage.FORWARDED:
            # Once the time to sign lapsed, the routing body designates.
            if lapsed and member_of(user, petition.routing_division_id or ""):
                offered.append({"name": name, "title": forms.TITLES[name]})
            continue
        if name == "refer_dispute" and _superior_is_routing(petition):
            continue
        node = nodes.DISPUTE if (name == "designate" and petition.stage == Stage.DISPUTED) else handlers.STEP[name]
        if node not in at_body:
            at_body[node] = case_policy.may_work_on(user, node, case) and works_at_body(user, case, node)
        if at_body[node]:
            offered.append({"name": name, "title": forms.TITLES[name]})
    from jurisdictions.models import Division

    from .queries import bounce_counts

    bodies = dict(
        Division.objects.filter(code__in=[petition.lead_division_id, *petition.assisting]).values_list("code", "name")
    )
    receiving = petition.receiving_division_id
    return {
        "routing": {
            "lead": bodies.get(petition.lead_division_id, petition.lead_division_id),
            "assisting": [bodies.get(code, code) for code in petition.assisting],
            "acknowledge_by": acknowledge_by,
            "object_by": deadlines.object_by(petition),
            "lapsed": lapsed,
            "bounces": list(petition.bounces.select_related("division")),
            "receiving_bounces": bounce_counts([receiving]).get(receiving, {}).get("total", 0) if receiving else 0,
        },
        "case": case,
        "petition": petition,
        "limits": limits,
        "offered": offered,
        "open": petition.stage in (Stage.REGISTERED, Stage.HANDLING, Stage.EXTENSION_REQUESTED),
        "waiting": petition.stage in (Stage.FORWARDED, Stage.OBJECTED, Stage.DISPUTED),
        "hearings": list(petition.hearings.all()),
        "may_record": case_policy.may_work_on(user, nodes.HANDLE, case),
        "reports": list(petition.upward_reports.select_related("division")),
        "appeal": appeal,
        "reviews": [
            {"review": r, "answer_by": answer_by(r), "set_aside": _set_aside(r, bodies)}
            for r in (appeal.review, appeal.re_review)
            if r is not None
        ],
        "petitioners": list(petition.petitioners.all()),
        "rectification": rectification,
        "rectification_overdue": rectification is not None and timezone.localdate() > rectification.due_on,
    }


def _set_aside(review: Any, bodies: dict[str, str]) -> dict[str, Any] | None:
    """The opinion a 复查 or 复核 changed or revoked, as the panel shows it (None when it upheld)."""
    import datetime

    from jurisdictions.models import Division

    from .models import Opinion

    earlier = review.set_aside
    if not earlier:
        return None
    body = earlier.get("body", "")
    return {
        "decided_on": datetime.date.fromisoformat(earlier["decided_on"]),
        "opinion": Opinion(earlier["opinion"]).label if earlier.get("opinion") in Opinion.values else "",
        "body": bodies.get(body) or Division.objects.filter(code=body).values_list("name", flat=True).first() or body,
    }


def _superior_is_routing(petition: Any) -> bool:
    from .actions_routing import common_superior

    objecting, routing = petition.receiving_division_id, petition.routing_division_id
    if not objecting or not routing:
        return True
    return common_superior(objecting, petition.proposed_division_id or routing) == routing


def register_button(user: Any, **_objects: Any) -> dict[str, Any] | None:
    return {} if scope.codes_with(user, HANDLE_CASES) else None


def subject_register_button(user: Any, *, subject: Any) -> dict[str, Any] | None:
    return {"subject": subject} if scope.has_perm_at(user, HANDLE_CASES, subject.division_id) else None
