"""Caseworker pages: case list and detail, filing, the inbox and queue, one form per task,
attachments and a printable summary. Thin: authorise (``cases.queries.access_*``,
``cases.policy``), call one action, render. Domain refusals render their page
(``core.pages.domain_errors_as_pages``): a lost race is a 409 page.
"""

from __future__ import annotations

import datetime
from html import escape as html_escape
from typing import Any

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.actions import do_remember_list, remembered_list
from accounts.models import User
from audit.log import common_division, record
from core import labels, panels, replicas, steps
from core.keyset import BadCursor, paginate
from core.pages import apply_errors, domain_errors_as_pages
from core.spreadsheets import export_response
from jurisdictions import scope
from jurisdictions.perms import ADMINISTER, AUDIT, GRANT_ROLES, HANDLE_CASES, SUPERVISE, VIEW
from policies.citations import refusals_audited

from . import actions, extensions, forms, nodes, policy, queries, sla, storage
from .models import WITHDRAWABLE, Case, Kind, Rating, RatingSource, SlaRule, Stage, Status

PAGE_SIZE = 50


# --- lists ------------------------------------------------------------------------------------


# The case list remembers these filters per user (accounts.ListPreference); the free-text search
# is never kept (it may be a full ID number).
CASE_LIST = "cases"
REMEMBERED = ("status", "kind", "stage", "overdue", "township", "assignee", "sort")
EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_LIMIT = 100_000


def _case_filters(
    request: HttpRequest, params: QueryDict
) -> tuple[forms.CaseFilterForm | None, queries.CaseFilters, str]:
    """The list's form (none for a bare list: the defaults, and its markup is kept per language), filters, sort."""
    filters = queries.CaseFilters()
    sort = queries.DEFAULT_CASE_SORT
    if not params:
        return None, filters, sort
    form = forms.CaseFilterForm(params)
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
        sort = data["sort"] or sort
    return form, filters, sort


def _remembered_params(request: HttpRequest) -> tuple[QueryDict, dict[str, str]]:
    """The list's query: the request's own, or (a bare visit) the filters the user last chose."""
    saved = remembered_list(request.user, CASE_LIST)
    params: QueryDict = request.GET
    if not params and saved:
        params = QueryDict(mutable=True)
        params.update(saved)
    return params, saved


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    if request.GET.get("reset"):
        do_remember_list(request.user, CASE_LIST, {}, actor=request.user)  # type: ignore[arg-type]
        return redirect("cases:list")
    params, saved = _remembered_params(request)
    # Only a page cursor (no filter chosen, none remembered): the bare list's filters and form markup.
    paging_only = not saved and all(key in ("after", "before") for key in params)
    form, filters, sort = _case_filters(request, QueryDict() if paging_only else params)
    if request.GET and form is not None and form.is_valid():
        wanted = {k: str(v) for k in REMEMBERED if (v := form.cleaned_data[k]) not in ("", None, False)}
        if wanted != saved:
            do_remember_list(request.user, CASE_LIST, wanted, actor=request.user)  # type: ignore[arg-type]
    rows = queries.case_rows(request.user, filters, queries.PAGE_ROW_FIELDS)
    try:
        page = queries.case_page(
            rows, sort=sort, after=params.get("after", ""), before=params.get("before", ""), size=PAGE_SIZE
        )
    except BadCursor:
        page = queries.case_page(rows, sort=sort, size=PAGE_SIZE)
    query = params.copy()
    for name in ("after", "before", "reset"):
        query.pop(name, None)
    without_sort = query.copy()
    without_sort.pop("sort", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "filters": _filters_html(form, bound=form is not None, remembered=bool(saved), params=params),
            "rows": _list_rows(page.rows),
            "page": page,
            "sort": sort,
            "headers": _sort_headers(sort),
            "total": queries.case_total(request.user, filters, rows),
            "params": query.urlencode(),
            "params_without_sort": without_sort.urlencode(),
            "may_file": bool(scope.codes_with(request.user, HANDLE_CASES)),
        },
    )


def _sort_headers(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the sort a click asks for, and how the list is sorted by it now."""
    headers = {}
    for column, first in (("number", "number"), ("due", "due"), ("filed", "-filed")):
        other = first[1:] if first.startswith("-") else f"-{first}"
        if current in (first, other):
            state = "descending" if current.startswith("-") else "ascending"
            headers[column] = {"sort": other if current == first else first, "state": state}
        else:
            headers[column] = {"sort": first, "state": "none"}
    return headers


def _export_rows(qs: Any, sort: str) -> Any:
    """Every row of the list in its screen order, read page by page along the keyset (never OFFSET)."""
    after = ""
    sent = 0
    while sent < EXPORT_LIMIT:
        page = queries.case_page(qs, sort=sort, after=after, size=min(2000, EXPORT_LIMIT - sent))
        for case in page.rows:
            yield [
                case.number,
                case.get_kind_display(),
                case.title,
                case.subject.name,
                case.division.name,
                case.get_status_display(),
                timezone.localtime(case.due_at).strftime("%Y-%m-%d") if case.due_at else "",
                timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
        sent += len(page.rows)
        if not page.next:
            return
        after = page.next


@login_required
def case_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered case list (every page, in the screen's order) as CSV (streamed) or XLSX. Audited."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Not found."))
    # The same reading of the query as the screen's (invalid filters list everything there too).
    _form, filters, sort = _case_filters(request, request.GET)
    qs = queries.case_list(request.user, filters)
    header = [
        _("Case number"),
        _("Kind"),
        _("Title"),
        _("Person"),
        _("Division"),
        _("Status"),
        _("Due"),
        _("Filed"),
    ]
    record(
        event_type="case.exported",
        actor=request.user,
        object_type="cases.case",
        division_code=common_division(scope.codes_with(request.user, VIEW)),
        data={
            "format": fmt,
            "filters": {k: v for k, v in request.GET.items() if k not in ("q", "after", "before")},
            "searched": bool(filters.search),
            "limit": EXPORT_LIMIT,
        },
    )
    # The rows are read as the download streams, from a replica when one has the user's writes.
    qs = replicas.on_replica(qs, request.user)
    return export_response(fmt, header, _export_rows(qs, sort), name="cases", title=_("Cases"))


# The empty filter form is the same for everyone: rendered once per language and process (its
# select widgets render an included template per option, 40 % of the page's time otherwise).
_EMPTY_FILTERS: dict[str, str] = {}


# A bound form (chosen filters, or only a page cursor) renders the same for the same query: kept per
# language and query (never one with a free-text search, which may be a full ID number), a few hundred.
_BOUND_FILTERS: dict[tuple[Any, ...], str] = {}
_BOUND_FILTERS_KEPT = 256


def _filters_html(
    form: forms.CaseFilterForm | None, *, bound: bool, remembered: bool = False, params: QueryDict | None = None
) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    language = translation.get_language() or ""
    if bound:
        key = None
        if params is not None and not params.get("q"):
            query = sorted((k, tuple(params.getlist(k))) for k in params if k not in ("after", "before"))
            key = (language, remembered, tuple(query))
            if key in _BOUND_FILTERS:
                return _BOUND_FILTERS[key]
        html = render_to_string("cases/_case_filters.html", {"form": form, "remembered": remembered})
        if key is not None:
            if len(_BOUND_FILTERS) >= _BOUND_FILTERS_KEPT:
                _BOUND_FILTERS.clear()
            _BOUND_FILTERS[key] = html
        return html
    if language not in _EMPTY_FILTERS:
        _EMPTY_FILTERS[language] = render_to_string(
            "cases/_case_filters.html", {"form": form if form is not None else forms.CaseFilterForm(None)}
        )
    return _EMPTY_FILTERS[language]


def _list_rows(rows: list[Any]) -> str:
    """The case list's table rows (HTML), built in one pass: labels looked up once per language,
    dates formatted here, one URL reversed for the page instead of one per row, and each row
    written as one string (the template engine's per-cell work cost more than the page query)."""
    from django.urls import reverse

    flag = sla.flagger()
    detail = reverse("cases:detail", args=[0]).removesuffix("0/")
    kinds = {k: html_escape(str(v)) for k, v in labels.labels(Kind).items()}
    statuses = {k: html_escape(str(v)) for k, v in labels.labels(Status).items()}
    badges = {
        "overdue": f' <span class="badge overdue">{html_escape(_("Overdue"))}</span>',
        "approaching": f' <span class="badge approaching">{html_escape(_("Due soon"))}</span>',
    }
    zone = timezone.get_current_timezone()
    html = []
    for row in rows:
        due, state = row["due_at"], flag(row)
        cells = (
            kinds.get(row["kind"]) or html_escape(str(row["kind"])),
            html_escape(str(row["title"])),
            html_escape(str(row["subject__name"])),
            html_escape(str(row["division__name"])),
            statuses.get(row["status"]) or html_escape(str(row["status"] or "—")),
            # ISO text sliced: "%Y-%m-%d" and "%Y-%m-%d %H:%M" at a third of strftime's cost.
            due.astimezone(zone).isoformat()[:10] + badges.get(state, "") if due is not None else "—",
            row["created_at"].astimezone(zone).isoformat(" ", "minutes")[:16],
        )
        link = f'<a href="{detail}{int(row["id"])}/">{html_escape(str(row["number"]))}</a>'
        html.append(
            f'<tr class="{state}">\n      <td>{link}</td>\n'
            + "".join(f"      <td>{cell}</td>\n" for cell in cells)
            + "    </tr>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 (every value escaped above)


def _step_row(task: Any, today: datetime.date) -> dict[str, Any]:
    """An inbox row of a step (``core.steps``): its kind, what it is about, its page, its due date."""
    kind = steps.kind_of(task)
    due = steps.due_of(task)
    flag = ""
    if due is not None:
        flag = "overdue" if due < today else ("approaching" if sla.working_days_between(today, due) <= 2 else "")
    return {
        "task": task,
        "case": None,
        "label": kind.label if kind is not None else "",
        "step": {"title": steps.title_of(task), "url": steps.url_of(task), "due": due},
        "flag": flag,
    }


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("scope", "mine")
    sort = request.GET.get("sort", "waiting")
    filter_form = forms.QueueFilterForm(request.GET)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    if which == "other":
        # Work waiting for the user outside the case processes' tasks (core.panels.INBOX).
        return render(
            request,
            "cases/inbox_other.html",
            {"scope": which, "panels": panels.render(panels.INBOX, request)},
        )
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
    order = queries.TASK_SORTS.get(sort, queries.TASK_SORTS["waiting"])
    try:
        page = paginate(
            tasks, order, after=request.GET.get("after", ""), before=request.GET.get("before", ""), size=PAGE_SIZE
        )
    except BadCursor:
        page = paginate(tasks, order, size=PAGE_SIZE)
    rows = []
    flag = sla.flagger()
    today = timezone.localdate()
    for task in page.rows:
        case = queries.case_of(task)
        if case is None:  # a step (core.steps): worked on its own page
            rows.append(_step_row(task, today))
            continue
        rows.append({"task": task, "case": case, "label": nodes.label(task.flow_task.name), "flag": flag(case)})
    supervising = bool(scope.codes_with(request.user, SUPERVISE))
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    return render(
        request,
        "cases/inbox.html",
        {
            "rows": rows,
            "scope": which,
            "sort": sort,
            "supervising": supervising,
            "filter_form": filter_form,
            "page": page,
            "params": query.urlencode(),
        },
    )


@login_required
@require_POST
@domain_errors_as_pages
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Supervisors: give several tasks to one person at once (each checked as a single reassignment)."""
    target = User.objects.filter(username=request.POST.get("user", ""), is_active=True).first()
    assigned, refused = 0, 0
    for task_id in request.POST.getlist("task"):
        access = queries.access_task(request.user, task_id, act=False)
        policy.require_may_reassign(request.user, access)
        if target is None or policy.reassign_refusal(access, target):
            refused += 1
            continue
        actions.do_reassign_task(access.task, actor=request.user, to_user=target)
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


@sensitive_post_parameters("id_number")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def choose_subject(request: HttpRequest) -> HttpResponse:
    """ "New case" from the case list or the workbench: first find the person (by name, or by full ID
    number sent by POST and matched through the blind index, the look-up recorded)."""
    from subjects import queries as subject_queries
    from subjects.actions import do_record_id_lookup

    if not scope.codes_with(request.user, HANDLE_CASES):
        raise PermissionDenied(_("Only a caseworker can file a case."))
    form = forms.ChooseSubjectForm(request.POST if request.method == "POST" else (request.GET or None))
    people: list[Any] = []
    by_id = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        found = subject_queries.subjects_for(request.user).none()
        if request.method == "POST" and data["id_number"].strip():
            by_id = True
            found = subject_queries.lookup(request.user, data["id_number"])
        elif data["name"].strip():
            found = subject_queries.search(request.user, name=data["name"])
        people = list(found.select_related("division").order_by("name", "id")[:PAGE_SIZE])
        if by_id:
            do_record_id_lookup(people, actor=request.user, where="file_case")
    handle = {p.pk for p in people if scope.has_perm_at(request.user, HANDLE_CASES, p.division_id)}
    return render(
        request,
        "cases/choose_subject.html",
        {"form": form, "people": people, "may_file": handle, "by_id": by_id, "searched": form.is_bound},
    )


def _filing_initial(request: HttpRequest) -> dict[str, Any]:
    """The filing form prefilled from the door that led to it (e.g. the person's benefit page:
    ``?kind=benefit_suspension&benefit_id=…&benefit_reason=…``); unknown values are ignored."""
    initial: dict[str, Any] = {"kind": request.GET.get("kind", Kind.BENEFIT_CLAIM)}
    benefit = request.GET.get("benefit_id", "")
    if benefit.isdigit() and len(benefit) < 10:
        initial["benefit_id"] = int(benefit)
    recovery = request.GET.get("recovery_id", "")
    if recovery.isdigit() and len(recovery) < 19:
        initial["recovery_id"] = int(recovery)
    reason = request.GET.get("benefit_reason", "")
    if reason.isidentifier() and len(reason) <= 32:
        initial["benefit_reason"] = reason
    title = request.GET.get("title", "")
    if title and len(title) <= 200:
        initial["title"] = title
    return initial


@login_required
@domain_errors_as_pages
def file_case(request: HttpRequest) -> HttpResponse:
    from subjects.queries import access_subject

    subject = access_subject(
        request.user, request.GET.get("subject") or request.POST.get("subject"), codename=HANDLE_CASES
    )
    form = forms.FileCaseForm(
        request.POST if request.method == "POST" else None,
        initial=_filing_initial(request),
        subject=subject,
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
                apply_errors(form, exc)
            else:
                messages.success(request, _("Case %(number)s filed.") % {"number": case.number})
                return redirect("cases:detail", case.pk)
    return render(request, "cases/file_case.html", {"form": form, "subject": subject, "duplicates": duplicates})


# --- one case ---------------------------------------------------------------------------------


def _task_rows(user: Any, case: Case) -> list[dict[str, Any]]:
    rows = []
    for task in queries.open_tasks_of(case):
        access = policy.TaskAccess(task=task, case=case)
        rows.append({"task": task, "label": nodes.label(access.node), **policy.task_permissions(user, access)})
    return rows


# Where a case is, in four steps people know: 受理 → 核查 → 审批 → 办结 (status → step index).
STEPS = [
    pgettext_lazy("case step", "Intake"),
    pgettext_lazy("case step", "Verification"),
    pgettext_lazy("case step", "Approval"),
    pgettext_lazy("case step", "Completion"),
]
STEP_OF_STATUS = {
    Status.SUBMITTED: 0,
    Status.RETURNED: 0,
    Status.VERIFYING: 1,
    Status.PENDING_APPROVAL: 2,
    Status.APPROVED: 3,
    Status.REJECTED: 3,
    Status.APPLIED: 3,
}


def stepper(case: Case) -> list[dict[str, Any]]:
    """The four steps, each ``done``, ``current`` (with the case's due date) or still to come."""
    finished = not case.is_open
    current = len(STEPS) if finished else STEP_OF_STATUS.get(Status(case.status), 0)
    steps = []
    for index, label in enumerate(STEPS):
        state = "done" if index < current else "current" if index == current else "todo"
        steps.append(
            {
                "label": label,
                "state": state,
                "due": case.due_at if state == "current" and case.paused_at is None else None,
                "note": case.get_status_display() if state == "current" else "",
            }
        )
    if finished:
        steps[-1]["note"] = case.get_status_display()
    return steps


def _grant_context(user: Any, case: Case, form: forms.CaseGrantForm | None = None) -> dict[str, Any]:
    """The exception-grant parts of the case page: the grants for its security administrators,
    the visitor's own grant when the case is shared with them."""
    context: dict[str, Any] = {"shared_grant": None, "may_grant": False}
    if not scope.can_see(user, case.division_id):
        context["shared_grant"] = queries.shared_grants(user).filter(case=case).first()
    if scope.has_perm_at(user, GRANT_ROLES, case.division_id):
        today = timezone.localdate()
        grants = list(queries.grants_of(case))
        current = {g.pk for g in grants if g.ended_at is None and g.ends_on > today}
        context.update(may_grant=True, grants=grants, current_grants=current, grant_form=form or forms.CaseGrantForm())
    return context


def _detail_context(user: Any, case: Case, grant_form: forms.CaseGrantForm | None = None) -> dict[str, Any]:
    is_caseworker = policy.may_handle(user, case)
    return {
        **_grant_context(user, case, grant_form),
        "case": case,
        "flag": sla.flag(case),
        "tasks": _task_rows(user, case),
        "verifications": case.verifications.select_related("verified_by")
        .prefetch_related("replies")
        .order_by("round", "department"),
        "attachments": case.attachments.select_related("uploaded_by"),
        "steps": stepper(case),
        "timeline": queries.timeline(case),
        "may_withdraw": is_caseworker and case.status in WITHDRAWABLE and policy.refusal(user, case) is None,
        "may_attach": is_caseworker and case.is_open,
        # Auditors and supervisors of the case's division read its whole story in the audit trail.
        "may_audit": any(scope.has_perm_at(user, c, case.division_id) for c in (AUDIT, SUPERVISE)),
        "attachment_form": forms.AttachmentForm(),
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    context = _detail_context(request.user, case)
    context["case_panels"] = panels.render(panels.CASE, request, case=case)
    return render(request, "cases/case_detail.html", context)


@login_required
def case_print(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    return render(
        request,
        "cases/case_print.html",
        {
            "case": case,
            "verifications": case.verifications.select_related("verified_by")
            .prefetch_related("replies")
            .order_by("round", "department"),
            "timeline": queries.timeline(case),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (what withdrawing means, the reason asked for); the POST withdraws."""
    case = queries.access_case(request.user, pk)
    if not policy.may_handle(request.user, case):
        raise PermissionDenied(_("Only a caseworker of this jurisdiction can do this."))
    policy.require_may_act(request.user, case, action="withdraw")
    form = forms.WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.do_withdraw_case(case, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The case was withdrawn."))
        return redirect("cases:detail", case.pk)
    return render(
        request,
        "cases/withdraw_confirm.html",
        {"case": case, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
@domain_errors_as_pages
def record_rating(request: HttpRequest, pk: int) -> HttpResponse:
    """A caseworker records the petitioner's rating given on a call-back (回访)."""
    case = queries.access_case(request.user, pk)
    if not policy.may_handle(request.user, case):
        raise PermissionDenied(_("Only a caseworker of this jurisdiction can record a rating."))
    form = forms.CallbackRatingForm(request.POST)
    if form.is_valid():
        try:
            actions.do_rate_case(
                case,
                score=int(form.cleaned_data["score"]),
                comment=form.cleaned_data["comment"],
                source=RatingSource.PHONE,
                actor=request.user,
            )
        except DjangoValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The rating was recorded."))
    else:
        messages.error(request, _("Choose the rating the petitioner gave, from 1 to 5."))
    return redirect("cases:detail", case.pk)


def ratings_panel(user: Any, *, case: Case) -> dict[str, Any] | None:
    """The case page's 回访 part: the ratings given, and the call-back form for a caseworker of a closed case."""
    ratings = list(Rating.objects.filter(case=case).order_by("round"))
    upcoming: int | None
    try:
        upcoming = extensions.next_rating_round(case)
    except DjangoValidationError:
        upcoming = None
    may_record = (
        not case.is_open
        and upcoming is not None
        and all(r.round != upcoming for r in ratings)
        and policy.may_handle(user, case)
    )
    if not ratings and not may_record:
        return None
    return {"case": case, "ratings": ratings, "may_record": may_record, "form": forms.CallbackRatingForm()}


# --- exception grants and the "shared with me" list ------------------------------------------


@login_required
def shared_list(request: HttpRequest) -> HttpResponse:
    """Cases shared with me by an exception grant in force (kept apart from the scoped lists)."""
    return render(request, "cases/shared_list.html", {"grants": queries.shared_grants(request.user)})


@login_required
@require_POST
@domain_errors_as_pages
def grant_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk, codename=GRANT_ROLES)
    form = forms.CaseGrantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        grantee = User.objects.filter(username=data["username"].strip()).first()
        if grantee is not None and grantee.pk == request.user.pk:
            raise PermissionDenied(_("You cannot give yourself an exception; another security administrator must."))
        try:
            actions.do_grant_case_access(
                case,
                user=grantee,
                reason=data["reason"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                actor=request.user,
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict") and "user" in exc.error_dict:
                exc.error_dict["username"] = exc.error_dict.pop("user")
            apply_errors(form, exc)
        else:
            messages.success(request, _("The case is shared with %(name)s.") % {"name": grantee})
            return redirect("cases:detail", case.pk)
    context = _detail_context(request.user, case, form)
    return render(request, "cases/case_detail.html", context, status=400)


@login_required
@require_POST
@domain_errors_as_pages
def grant_end(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    case = queries.access_case(request.user, pk, codename=GRANT_ROLES)
    grant = case.grants.filter(pk=grant_id).first()
    if grant is None:
        raise Http404(_("Not found."))
    actions.do_end_case_grant(grant, actor=request.user)
    messages.success(request, _("The exception has ended: access stops now."))
    return redirect("cases:detail", case.pk)


# --- tasks ------------------------------------------------------------------------------------

TASK_FORMS: dict[str, type[forms.forms.Form]] = {
    nodes.INTAKE: forms.IntakeForm,
    nodes.CORRECT: forms.ResubmitForm,
    nodes.APPROVE: forms.DecisionForm,
    nodes.PROVINCE_APPROVE: forms.DecisionForm,
}


def _task_form_class(node: str) -> type[forms.forms.Form]:
    return TASK_FORMS.get(node, forms.VerificationForm)


@login_required
@domain_errors_as_pages
def task_form(request: HttpRequest, pk: int) -> HttpResponse:
    access = queries.access_task(request.user, pk)
    task, case, node = access.task, access.case, access.node
    policy.require_may_complete(request.user, access, action="open")
    if nodes.extra_node(node) is not None:
        # Another process's step (a grievance's): worked through the steps offered on the case's page.
        return redirect("cases:detail", case.pk)
    form_class = _task_form_class(node)
    initial: dict[str, Any] = {"departments": case.departments} if node in (nodes.INTAKE, nodes.CORRECT) else {}
    if node in nodes.APPROVAL_NODES and case.benefit_start:
        initial["effective_on"] = case.benefit_start  # the requested start: before today only with a reason
    posted = request.method == "POST"
    form = form_class(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            # A refused citation is audited after the action rolled back (policies.citations).
            audit_refusal = refusals_audited(
                request.user, object_type="cases.case", object_id=case.pk, division_code=case.division_id
            )
            with audit_refusal:
                case = actions.do_complete_task(task, actor=request.user, data=data)
        except DjangoValidationError as exc:
            apply_errors(form, exc)
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
            "label": nodes.label(node),
            "node": node,
            "form": form,
            **decision_material(case),
        },
    )


def decision_material(case: Case) -> dict[str, Any]:
    """What every task form shows so that nobody decides blind: the person's summary, the earlier
    verification results with the departments' reply documents, and the case's documents."""
    attachments = list(case.attachments.select_related("uploaded_by", "verification"))
    return {
        "person": queries.person_summary(case.subject),
        "verifications": case.verifications.select_related("verified_by")
        .prefetch_related("replies")
        .order_by("round", "department"),
        "attachments": attachments,
    }


@login_required
@require_POST
@domain_errors_as_pages
def task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    access = queries.access_task(request.user, pk)
    policy.require_may_claim(request.user, access)
    actions.do_claim_task(access.task, actor=request.user, case=access.case)
    messages.success(request, _("Task claimed."))
    return redirect(request.POST.get("next") or _url("cases:task", access.task.pk))


@login_required
@require_POST
@domain_errors_as_pages
def task_release(request: HttpRequest, pk: int) -> HttpResponse:
    access = queries.access_task(request.user, pk, act=False)
    policy.require_may_release(request.user, access)
    actions.do_release_task(access.task, actor=request.user)
    messages.success(request, _("Task released to the queue."))
    return redirect(request.POST.get("next") or _url("cases:inbox"))


@login_required
@require_POST
@domain_errors_as_pages
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    access = queries.access_task(request.user, pk, act=False)
    policy.require_may_reassign(request.user, access)
    form = forms.ReassignForm(request.POST)
    target = (
        User.objects.filter(username=request.POST.get("user", ""), is_active=True).first() if form.is_valid() else None
    )
    refused = policy.reassign_refusal(access, target)
    if refused or target is None:
        messages.error(request, refused or _("This person cannot work on this task here."))
        return redirect("cases:detail", access.case.pk)
    actions.do_reassign_task(access.task, actor=request.user, to_user=target)
    messages.success(request, _("Task given to %(user)s.") % {"user": target.get_full_name() or target.username})
    return redirect("cases:detail", access.case.pk)


# --- attachments ------------------------------------------------------------------------------


@login_required
@require_POST
@domain_errors_as_pages
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk, codename=HANDLE_CASES)
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
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})  # type: ignore[arg-type]  # django-csp types views without URL args
def attachment_preview(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A document shown inside a page of this site (an image, or a PDF in a frame): same access
    check as the download, served inline; only the site's own pages may frame it."""
    attachment = queries.access_attachment(request.user, pk)
    actions.do_record_download(attachment, actor=request.user, via="preview")
    response = FileResponse(
        storage.open_stored(attachment.storage_name),
        content_type=attachment.content_type,
        as_attachment=False,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = queries.access_attachment(request.user, pk)
    actions.do_record_download(attachment, actor=request.user)
    response = FileResponse(
        storage.open_stored(attachment.storage_name),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- SLA administration -----------------------------------------------------------------------


def _require_admin(user: Any) -> None:
    if not (user.is_superuser or scope.codes_with(user, ADMINISTER)):
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
    """The calendar moved to the policy base (``policies:calendar``): the old address still leads there."""
    _require_admin(request.user)
    year = request.GET.get("year", "")
    target = _url("policies:calendar")
    return redirect(f"{target}?year={year}" if year.isdigit() else target)
