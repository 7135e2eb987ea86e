"""Policy base pages: search the articles, read one with its version history (any signed-in staff
member); the working-day calendar (system administrators: holders of ``administer``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jurisdictions import scope
from jurisdictions.perms import ADMINISTER

from . import actions_calendar, calendar, citations, queries
from .forms import CalendarDayForm

PAGE_SIZE = 100


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    include_repealed = request.GET.get("include_repealed") == "1"
    rows = list(queries.search(q, include_repealed=include_repealed)[: PAGE_SIZE + 1])
    return render(
        request,
        "policies/article_list.html",
        {"articles": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "q": q, "include_repealed": include_repealed},
    )


@login_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = queries.access_article(pk)
    return render(
        request,
        "policies/article_detail.html",
        {"article": article, "versions": queries.versions_of(article), "is_current": queries.is_current(article)},
    )


def access_calendar(user: Any) -> None:
    """The calendar is the system administrators' (``administer`` anywhere): 403 for everyone else."""
    if not (user.is_superuser or scope.codes_with(user, ADMINISTER)):
        raise PermissionDenied(_("Only administrators can change time limits and the calendar."))


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if raw.isdigit() and actions_calendar.FIRST_YEAR <= int(raw) <= actions_calendar.LAST_YEAR:
        return int(raw)
    return timezone.localdate().year


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """A year's holidays and 调休 working days, where each comes from, and the administrator's overrides."""
    access_calendar(request.user)
    year = _year(request)
    here = f"{reverse('policies:calendar')}?year={year}"
    form = CalendarDayForm(request.POST if request.method == "POST" and "remove" not in request.POST else None)
    if request.method == "POST":
        if "remove" in request.POST:
            try:
                day = datetime.date.fromisoformat(request.POST["remove"])
            except ValueError:
                messages.error(request, _("Not a valid date."))
            else:
                actions_calendar.do_clear_calendar_day(day, actor=request.user)
                messages.success(request, _("The override is removed."))
            return redirect(here)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions_calendar.do_set_calendar_day(
                    data["date"], is_working=data["is_working"], name=data["name"], actor=request.user
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Calendar saved."))
                return redirect(f"{reverse('policies:calendar')}?year={data['date'].year}")
    return render(
        request,
        "policies/calendar.html",
        {
            "form": form,
            "year": year,
            "years": [year - 1, year + 1],
            "days": queries.calendar_days(year),
            "provisional": calendar.is_provisional(datetime.date(year, 1, 1)),
            "loaded": queries.loaded_year(year),
            "package_years": queries.package_span(),
        },
    )


@login_required
@require_GET
def repealed_citations(request: HttpRequest) -> HttpResponse:
    """Decisions and letters in the user's jurisdiction that cite an article since repealed (supervisors, auditors)."""
    if not queries.may_see_citations(request.user):
        raise PermissionDenied(_("Only supervisors and auditors see the citations of repealed articles."))
    rows = list(queries.citations_of_repealed(request.user)[: PAGE_SIZE + 1])
    for row in rows:
        row.document_label = citations.document_label(row.document_type)  # type: ignore[attr-defined]
        row.document_url = citations.document_url(row.document_type, row.document_id)  # type: ignore[attr-defined]
    return render(
        request,
        "policies/repealed_citations.html",
        {"rows": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE},
    )
