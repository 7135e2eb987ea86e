"""The auditor's workspace (read-only): search, object timelines, exports, chain status.

Every page needs ``audit`` or ``supervise`` somewhere (403 otherwise) and shows only the
events of the user's jurisdictions; an object timeline with no visible event is a 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import checkpoints
from audit.log import record
from audit.models import NATION_CHAIN, ChainHead, ChainVerification

from . import exports, queries
from .forms import EventSearchForm, PersonSearchForm

PAGE_SIZE = 100
EXPORT_FORMATS = ("csv", "xlsx")


def _cursor(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() else None


def _query_without(params: QueryDict, *names: str) -> str:
    return urlencode([(k, v) for k, v in params.items() if k not in names and v])


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search by date range, jurisdiction, actor, event type and object; newest first."""
    queries.require_auditor(request.user)
    form = EventSearchForm(request.GET or None)
    person_form = PersonSearchForm(request.POST if request.method == "POST" else None)
    rows: list[dict[str, str]] = []
    next_before: int | None = None
    prev_after: int | None = None
    filters: dict[str, Any] | None
    if person_form.is_bound:
        # A full ID number travels by POST only (never in a URL or a log); newest page only.
        filters = {} if person_form.is_valid() else None
        if filters is not None:
            rows = queries.event_rows(
                queries.person_events(request.user, person_form.cleaned_data["id_number"])[:PAGE_SIZE]
            )
    elif form.is_bound and not form.is_valid():
        filters = None
    else:
        filters = form.filters() if form.is_bound else {}
        events = queries.search(request.user, filters)
        before = _cursor(request, "before")
        after = _cursor(request, "after")
        if after is not None and before is None:
            # Newer events: the page just above ``after`` (read upwards on the id index), shown newest first.
            page = list(events.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
            if len(page) > PAGE_SIZE:
                page = page[:PAGE_SIZE]
                prev_after = page[-1].pk
            page.reverse()
            next_before = page[-1].pk if page else after + 1
        else:
            if before is not None:
                events = events.filter(id__lt=before)
            page = list(events[: PAGE_SIZE + 1])
            if len(page) > PAGE_SIZE:
                page = page[:PAGE_SIZE]
                next_before = page[-1].pk
            if before is not None and page:
                prev_after = page[0].pk
        rows = queries.event_rows(page)
    query = _query_without(request.GET, "before", "after")
    return render(
        request,
        "audit_ui/search.html",
        {
            "form": form,
            "person_form": person_form,
            "by_person": person_form.is_bound,
            "rows": rows,
            "columns": queries.COLUMNS,
            "searched": filters is not None,
            "query": query,
            "next_before": next_before,
            "prev_after": prev_after,
            "paged": "before" in request.GET or "after" in request.GET,
        },
    )


@login_required
def object_timeline(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    """Everything that happened to one object (a case, a person, ...), oldest first."""
    queries.require_auditor(request.user)
    events = queries.object_events(request.user, object_type, object_id)
    after = _cursor(request, "after")
    if after is not None:
        events = events.filter(id__gt=after)
    page = list(events[: PAGE_SIZE + 1])
    if not page and after is None:
        raise Http404(_("Not found."))
    next_after = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        next_after = page[-1].pk
    rows = queries.event_rows(page)
    own = [
        row
        for event, row in zip(page, rows, strict=True)
        if (event.object_type, event.object_id) == (object_type, object_id)
    ]
    return render(
        request,
        "audit_ui/timeline.html",
        {
            "object_type": object_type,
            "object_id": object_id,
            "object_name": own[0]["object"] if own else "",
            "rows": rows,
            "columns": queries.COLUMNS,
            "query": urlencode({"object_type": object_type, "object_id": object_id, "timeline": "1"}),
            "next_after": next_after,
        },
    )


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole search (all pages, up to the configured limit) as CSV or XLSX. Audited."""
    queries.require_auditor(request.user)
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Not found."))
    form = EventSearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "audit_ui/search.html",
            {"form": form, "rows": [], "columns": queries.COLUMNS, "searched": False},
            status=400,
        )
    filters = form.filters()
    # A timeline export is exactly the timeline page: the object and what refers to it.
    timeline = request.GET.get("timeline") == "1" and bool(filters.get("object_type") and filters.get("object_id"))
    ascending = timeline or request.GET.get("order") == "asc"
    limit = settings.LAUREL_AUDIT_EXPORT_MAX_ROWS
    with transaction.atomic():
        if timeline:
            matching = queries.object_events(request.user, filters["object_type"], filters["object_id"])
        else:
            matching = queries.search(request.user, filters, ascending=ascending)
        events = list(matching[: limit + 1])
        truncated = len(events) > limit
        rows = queries.event_rows(events[:limit])
        content = exports.build(fmt, rows, title=_("Audit events"))
        record(
            event_type="audit.exported",
            actor=request.user,
            division_code=queries.export_division(request.user),
            data={
                "format": fmt,
                "filters": {key: str(value) for key, value in filters.items()},
                "order": "asc" if ascending else "desc",
                "timeline": timeline,
                "rows": len(rows),
                "truncated": truncated,
            },
        )
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.{fmt}"'
    if truncated:
        response["X-Laurel-Truncated"] = str(limit)
    return response


@login_required
def chain_status(request: HttpRequest) -> HttpResponse:
    """Last verification, last checkpoint and the heads of the chains in the user's scope."""
    queries.require_auditor(request.user)
    codes = queries.audit_codes(request.user)
    heads = ChainHead.objects.all()
    if NATION_CHAIN not in codes:
        heads = heads.filter(chain__in=sorted({code[:2] for code in codes}))
    context: dict[str, Any] = {
        "verification": ChainVerification.objects.first(),
        "checkpoint": checkpoints.latest_checkpoint(),
        "checkpoint_count": len(checkpoints.list_checkpoints()),
        "heads": heads,
    }
    return render(request, "audit_ui/status.html", context)
