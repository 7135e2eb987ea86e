"""Caseworker pages: case list and detail, filing, the inbox and queue, one form per task,
attachments and a printable summary. Thin: authorise (``cases.queries.access_*``,
``cases.policy``), call one action, render. Lost races render a 409 page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.errors import Conflict
from core.pages import domain_errors_as_pages
from jurisdictions import scope

from . import actions, forms, policy, queries, sla
from .models import WITHDRAWABLE, Attachment, CalendarDay, Case, Kind, SlaRule, Stage

PAGE_SIZE = 50


conflicts_as_409 = domain_errors_as_pages  # a lost race or an illegal transition: a clear 409 page


def _form_errors(form: Any, exc: DjangoValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- lists ------------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    form = forms.CaseFilterForm(request.GET or None)
    filters = queries.CaseFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = queries.CaseFilters(
            status=data["status"],
            kind=data["kind"],
            stage=data["stage"],
            overdue=data["overdue"],
            township=data["township"],
            assignee=data["assignee"],
            search=data["q"],
        )
    rows, cursor = queries.keyset_page(
        queries.case_list(request.user, filters), after=request.GET.get("after", ""), size=PAGE_SIZE
    )
    params = request.GET.copy()
    params.pop("after", None)
    flag = sla.flagger()
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "rows": [(case, flag(case)) for case in rows],
            "next_cursor": cursor,
            "params": params.urlencode(),
            "may_file": bool(scope.codes_with(request.user, "handle_cases")),
        },
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("scope", "mine")
    sort = request.GET.get("sort", "waiting")
    filter_form = forms.QueueFilterForm(request.GET)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    if which == "queue":
        tasks = queries.queue_tasks(
            request.user,
            sort=sort,
            department=filters.get("department", ""),
            node=filters.get("node", ""),
            division=filters.get("division", ""),
        )
    else:
        which = "mine"
        tasks = queries.my_tasks(request.user, sort=sort)
    rows = []
    flag = sla.flagger()
    for task in tasks[:200]:
        case = task.process.case
        rows.append({"task": task, "case": case, "label": queries.node_label(task.flow_task.name), "flag": flag(case)})
    supervising = bool(scope.codes_with(request.user, queries.SUPERVISE))
    return render(
        request,
        "cases/inbox.html",
        {"rows": rows, "scope": which, "sort": sort, "supervising": supervising, "filter_form": filter_form},
    )


@login_required
@require_POST
@conflicts_as_409
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Supervisors: give several tasks to one person at once (each checked as a single reassignment)."""
    target = User.objects.filter(username=request.POST.get("user", ""), is_active=True).first()
    assigned, refused = 0, 0
    for task_id in request.POST.getlist("task"):
        task = queries.access_task(request.user, task_id, act=False)
        case = task.case  # type: ignore[attr-defined]
        if not queries.may_supervise(request.user, case):
            raise PermissionDenied(_("Only a supervisor can reassign tasks."))
        node = task.flow_task.name
        if (
            target is None
            or not queries.may_work_on(target, node, case)
            or policy.refusal(target, case, approving=node == "approve")
        ):
            refused += 1
            continue
        actions.do_reassign_task(task, actor=request.user, to_user=target)
        assigned += 1
    if assigned:
        messages.success(request, _("%(n)d task(s) assigned.") % {"n": assigned})
    if refused:
        messages.error(request, _("%(n)d task(s) could not be given to this person.") % {"n": refused})
    return redirect(f"{_url('cases:inbox')}?scope=queue")


def _url(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


# --- filing -----------------------------------------------------------------------------------


@login_required
@conflicts_as_409
def file_case(request: HttpRequest) -> HttpResponse:
    from subjects.queries import access_subject

    subject = access_subject(
        request.user, request.GET.get("subject") or request.POST.get("subject"), codename="handle_cases"
    )
    form = forms.FileCaseForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": request.GET.get("kind", Kind.BENEFIT_CLAIM)},
    )
    duplicates: list[Case] = []
    if request.method == "POST" and form.is_valid():
        policy.require_not_own_subject(request.user, subject, action="file")
        data = dict(form.cleaned_data)
        fields = {k: v for k, v in data.items() if k in actions.KIND_FIELDS and v not in (None, "", {})}
        contested_number = fields.pop("contested_case", "")
        if contested_number:
            contested = scope.scoped(Case.objects.all(), request.user).filter(number=contested_number.strip()).first()
            if contested is None:
                form.add_error("contested_case", _("No case with this number in your jurisdiction."))
            else:
                fields["contested_case"] = contested
        if form.is_valid():
            try:
                case = actions.do_file_case(
                    subject,
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    channel=data["channel"],
                    departments=data["departments"],
                    agent_name=data["agent_name"],
                    agent_relation=data["agent_relation"],
                    agent_contact=data["agent_contact"],
                    duplicate_action=data["duplicate_action"],
                    actor=request.user,
                    **fields,
                )
            except actions.DuplicateCase as exc:
                duplicates = exc.open_cases
            except DjangoValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Case %(number)s filed.") % {"number": case.number})
                return redirect("cases:detail", case.pk)
    return render(request, "cases/file_case.html", {"form": form, "subject": subject, "duplicates": duplicates})


# --- one case ---------------------------------------------------------------------------------


def _task_rows(user: Any, case: Case) -> list[dict[str, Any]]:
    rows = []
    for task in queries.open_tasks_of(case):
        node = task.flow_task.name
        may_work = (
            queries.may_work_on(user, node, case) and policy.refusal(user, case, approving=node == "approve") is None
        )
        rows.append(
            {
                "task": task,
                "label": queries.node_label(node),
                "may_claim": may_work and task.owner_id is None,
                "may_complete": may_work and task.owner_id in (None, user.pk),
                "may_release": task.owner_id is not None
                and (task.owner_id == user.pk or queries.may_supervise(user, case)),
                "may_reassign": queries.may_supervise(user, case),
            }
        )
    return rows


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    is_caseworker = queries.may_work_on(request.user, "intake", case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "flag": sla.flag(case),
            "tasks": _task_rows(request.user, case),
            "verifications": case.verifications.select_related("verified_by").order_by("round", "department"),
            "attachments": case.attachments.select_related("uploaded_by"),
            "timeline": queries.timeline(case),
            "may_withdraw": is_caseworker
            and case.status in WITHDRAWABLE
            and policy.refusal(request.user, case) is None,
            "may_attach": is_caseworker and case.is_open,
            "withdraw_form": forms.WithdrawForm(),
            "attachment_form": forms.AttachmentForm(),
        },
    )


@login_required
def case_print(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    return render(
        request,
        "cases/case_print.html",
        {
            "case": case,
            "verifications": case.verifications.select_related("verified_by").order_by("round", "department"),
            "timeline": queries.timeline(case),
        },
    )


@login_required
@require_POST
@conflicts_as_409
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    if not queries.may_work_on(request.user, "intake", case):
        raise PermissionDenied(_("Only a caseworker of this jurisdiction can do this."))
    policy.require_may_act(request.user, case, action="withdraw")
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the withdrawal."))
        return redirect("cases:detail", case.pk)
    actions.do_withdraw_case(case, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, _("The case was withdrawn."))
    return redirect("cases:detail", case.pk)


# --- tasks ------------------------------------------------------------------------------------

TASK_FORMS: dict[str, type[forms.forms.Form]] = {
    "intake": forms.IntakeForm,
    "correct": forms.ResubmitForm,
    "approve": forms.DecisionForm,
}


def _task_form_class(node: str) -> type[forms.forms.Form]:
    return TASK_FORMS.get(node, forms.VerificationForm)


@login_required
@conflicts_as_409
def task_form(request: HttpRequest, pk: int) -> HttpResponse:
    from .api import complete_task

    task = queries.access_task(request.user, pk)
    case: Case = task.case  # type: ignore[attr-defined]
    node = task.flow_task.name
    policy.require_may_act(request.user, case, action=f"open:{node}", approving=node == "approve")
    if task.owner_id not in (None, request.user.pk):
        raise Conflict(_("Someone else has claimed this task."))
    form_class = _task_form_class(node)
    initial = {"departments": case.departments} if node in ("intake", "correct") else {}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            case = _complete(request.user, task, data, complete_task)
        except DjangoValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Done. Case %(number)s is now: %(status)s.")
                % {"number": case.number, "status": case.get_status_display()},
            )
            return redirect("cases:inbox")
    return render(
        request,
        "cases/task_form.html",
        {
            "task": task,
            "case": case,
            "label": queries.node_label(node),
            "node": node,
            "form": form,
            "verifications": case.verifications.select_related("verified_by").order_by("round", "department"),
        },
    )


def _complete(user: Any, task: Any, data: dict[str, Any], complete_task: Callable[..., Case]) -> Case:
    from rest_framework.exceptions import ValidationError as DRFValidationError

    try:
        return complete_task(user, task, data)
    except DRFValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"__all__": exc.detail}
        raise DjangoValidationError(
            {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        ) from None


@login_required
@require_POST
@conflicts_as_409
def task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = queries.access_task(request.user, pk)
    case = task.case  # type: ignore[attr-defined]
    policy.require_may_act(request.user, case, action="claim", approving=task.flow_task.name == "approve")
    actions.do_claim_task(task, actor=request.user)
    messages.success(request, _("Task claimed."))
    return redirect(request.POST.get("next") or _url("cases:task", task.pk))


@login_required
@require_POST
@conflicts_as_409
def task_release(request: HttpRequest, pk: int) -> HttpResponse:
    task = queries.access_task(request.user, pk, act=False)
    case = task.case  # type: ignore[attr-defined]
    if task.owner_id != request.user.pk and not queries.may_supervise(request.user, case):
        raise PermissionDenied(_("Only the person who claimed the task or a supervisor can release it."))
    actions.do_release_task(task, actor=request.user)
    messages.success(request, _("Task released to the queue."))
    return redirect(request.POST.get("next") or _url("cases:inbox"))


@login_required
@require_POST
@conflicts_as_409
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = queries.access_task(request.user, pk, act=False)
    case = task.case  # type: ignore[attr-defined]
    if not queries.may_supervise(request.user, case):
        raise PermissionDenied(_("Only a supervisor can reassign tasks."))
    form = forms.ReassignForm(request.POST)
    target = (
        User.objects.filter(username=request.POST.get("user", ""), is_active=True).first() if form.is_valid() else None
    )
    node = task.flow_task.name
    if (
        target is None
        or not queries.may_work_on(target, node, case)
        or policy.refusal(target, case, approving=node == "approve")
    ):
        messages.error(request, _("This person cannot work on this task here."))
        return redirect("cases:detail", case.pk)
    actions.do_reassign_task(task, actor=request.user, to_user=target)
    messages.success(request, _("Task given to %(user)s.") % {"user": target.get_full_name() or target.username})
    return redirect("cases:detail", case.pk)


# --- attachments ------------------------------------------------------------------------------


@login_required
@require_POST
@conflicts_as_409
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk, codename="handle_cases")
    policy.require_may_act(request.user, case, action="attach")
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("cases:detail", case.pk)
    try:
        actions.do_add_attachment(case, upload=form.cleaned_data["file"], actor=request.user)
    except DjangoValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Document attached."))
    return redirect("cases:detail", case.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = Attachment.objects.select_related("case").filter(pk=pk).first()
    case = queries.access_case(request.user, attachment.case_id if attachment else 0)
    assert attachment is not None
    actions.do_record_download(attachment, actor=request.user)
    response = FileResponse(
        open(actions.attachment_path(attachment.storage_name), "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    del case
    return response


# --- SLA administration -----------------------------------------------------------------------


def _require_admin(user: Any) -> None:
    if not (user.is_superuser or scope.codes_with(user, "administer")):
        raise PermissionDenied(_("Only administrators can change time limits and the calendar."))


@login_required
def sla_settings(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    form = forms.SlaRuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.do_set_sla_rule(
            kind=data["kind"], stage=data["stage"], working_days=data["working_days"], actor=request.user
        )
        messages.success(request, _("Time limit saved."))
        return redirect("cases:sla")
    rules = {(r.kind, r.stage): r.working_days for r in SlaRule.objects.all()}
    table = [
        (
            kind_label,
            [
                (stage_label, rules.get((kind, stage)), sla.stage_days(kind, stage))
                for stage, stage_label in Stage.choices
            ],
        )
        for kind, kind_label in Kind.choices
    ]
    return render(request, "cases/sla_settings.html", {"form": form, "table": table, "stages": Stage.choices})


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    import datetime

    _require_admin(request.user)
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    form = forms.CalendarDayForm(request.POST if request.method == "POST" and "remove" not in request.POST else None)
    if request.method == "POST":
        if "remove" in request.POST:
            try:
                day = datetime.date.fromisoformat(request.POST["remove"])
            except ValueError:
                messages.error(request, _("Not a valid date."))
            else:
                actions.do_clear_calendar_day(day, actor=request.user)
                messages.success(request, _("Day removed from the calendar."))
            return redirect(f"{_url('cases:calendar')}?year={year}")
        if form.is_valid():
            data = form.cleaned_data
            actions.do_set_calendar_day(
                data["date"], is_working=data["is_working"], name=data["name"], actor=request.user
            )
            messages.success(request, _("Calendar saved."))
            return redirect(f"{_url('cases:calendar')}?year={data['date'].year}")
    days = CalendarDay.objects.filter(date__year=year)
    return render(
        request,
        "cases/calendar_settings.html",
        {"form": form, "days": days, "year": year, "years": [year - 1, year + 1]},
    )
