"""Cross-check pages: run history and results, batches, discrepancies and send-down, tracking,
duplicate adjudication. Thin: authorise through ``crosscheck.queries``, call one action, render.
"""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import replicas
from core.errors import Conflict
from jurisdictions import scope
from jurisdictions.models import NATION_CODE, Department, Division, Level, normalise_code

from . import actions, layouts, queries
from .models import DiscrepancyStatus, Kind, SuspectStatus

PAGE_SIZE = 100


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Run history (supervisors)."""
    queries.require_supervisor(request.user)
    runs = queries.runs_for(request.user)[:PAGE_SIZE]
    return render(request, "crosscheck/home.html", {"runs": runs, "departments": Department.choices})


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require_supervisor(request.user)
    run = queries.access_run(request.user, pk)
    per_kind: dict[str, int] = {}
    for county, counts in run.county_counts.items():
        if scope.can_see(request.user, county):
            for kind, n in counts.items():
                per_kind[kind] = per_kind.get(kind, 0) + n
    rows = [(Kind(k).label, k, per_kind.get(k, 0)) for k in Kind.values]
    return render(request, "crosscheck/run_detail.html", {"run": run, "rows": rows})


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    queries.require_loader(request.user)
    return render(request, "crosscheck/batch_list.html", {"batches": queries.batches_for(request.user)[:PAGE_SIZE]})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require_loader(request.user)
    batch = queries.access_batch(request.user, pk)
    return render(request, "crosscheck/batch_detail.html", {"batch": batch})


def _upload_context(request: HttpRequest, values: dict[str, str], errors: list[str]) -> dict[str, Any]:
    departments = queries.loader_departments(request.user)
    return {
        "departments": [(d, Department(d).label) for d in departments],
        "layouts": [layout for layout in layouts.LAYOUTS if layout.department in departments],
        "values": values,
        "errors": errors,
    }


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Upload one department file (the action the feed endpoint uses); then its batch page."""
    queries.require_loader(request.user)
    values = {k: request.POST.get(k, "").strip() for k in ("department", "layout", "division")}
    errors: list[str] = []
    if request.method == "POST":
        try:
            coverage = queries.access_upload(request.user, values["department"], values["division"])
            batch, created = actions.do_load_upload(
                request.FILES.get("file"),
                department=values["department"],
                layout=values["layout"],
                coverage_code=coverage,
                actor=request.user,
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            if created:
                messages.success(
                    request,
                    _("Loaded %(loaded)s row(s); %(rejected)s row(s) rejected.")
                    % {"loaded": batch.loaded_rows, "rejected": batch.rejected_rows},
                )
            else:
                messages.info(request, _("This file was already loaded; nothing was changed."))
            return redirect("crosscheck:batch", pk=batch.pk)
    return render(
        request, "crosscheck/upload.html", _upload_context(request, values, errors), status=400 if errors else 200
    )


@login_required
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows of one batch as a CSV file (row, column, reason), for the department to fix."""
    queries.require_loader(request.user)
    batch = queries.access_batch(request.user, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-errors.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Row"), _("Column"), _("Reason")])
    for error in batch.errors:
        writer.writerow([error.get("row", ""), error.get("field", ""), error.get("reason", "")])
    return response


@login_required
@require_POST
def start_run(request: HttpRequest) -> HttpResponse:
    """Start a cross-check run over the user's division (optionally one department)."""
    department = request.POST.get("department", "").strip()
    try:
        division = queries.access_upload(request.user, department, request.POST.get("division", "").strip(), run=True)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("crosscheck:home")
    run = actions.do_run_crosscheck(actor=request.user, department=department, division_code=division)
    messages.success(
        request, _("Run #%(n)s finished: %(found)s discrepancies found.") % {"n": run.pk, "found": run.found}
    )
    return redirect("crosscheck:run", pk=run.pk)


def _filtered(request: HttpRequest) -> tuple[Any, dict[str, str]]:
    items = queries.discrepancies_for(request.user)
    params: dict[str, str] = {}
    division = normalise_code(request.GET.get("division", ""))
    if division and division != NATION_CODE:
        scope.access_division(request.user, division)
        column = {2: "province_code", 4: "city_code", 6: "county_code"}.get(len(division), "division_id")
        items = items.filter(**{column: division})
        params["division"] = division
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        items = items.filter(kind=kind)
        params["kind"] = kind
    status = request.GET.get("status", "")
    if status in DiscrepancyStatus.values:
        items = items.filter(status=status)
        params["status"] = status
    run = _int(request.GET.get("run"))
    if run is not None:
        items = items.filter(first_run_id=run)
        params["run"] = str(run)
    return items, params


@login_required
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    items, params = _filtered(request)
    before = _int(request.GET.get("before"))
    # Read from a replica that has the user's writes (core.replicas), like the tracking figures.
    page = replicas.on_replica(items.order_by("-id"), request.user)
    if before is not None:
        page = page.filter(id__lt=before)
    rows = list(page[: PAGE_SIZE + 1])
    next_before = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    can_send = bool(scope.codes_with(request.user, queries.SUPERVISE))
    return render(
        request,
        "crosscheck/discrepancy_list.html",
        {
            "rows": rows,
            "params": urlencode(params),
            "filters": params,
            "kinds": Kind.choices,
            "statuses": DiscrepancyStatus.choices,
            "next_before": next_before,
            "can_send": can_send,
        },
    )


@login_required
@require_POST
def send_down(request: HttpRequest) -> HttpResponse:
    """Send down the selected open discrepancies (or all open ones matching the filters)."""
    items, params = _filtered(request)
    items = items.filter(status=DiscrepancyStatus.OPEN)
    chosen = [pk for pk in (_int(v) for v in request.POST.getlist("item")) if pk is not None]
    if chosen:
        items = items.filter(pk__in=chosen)
    selected = list(items.order_by("pk")[:1000])
    allowed = [item for item in selected if queries.may_send_down(request.user, item.county_code)]
    if selected and not allowed:
        raise PermissionDenied(_("Only supervisors may send discrepancies down."))
    try:
        sent = actions.do_send_down(allowed, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        total = sum(s.count for s in sent)
        messages.success(request, _("%(n)s item(s) sent down to %(c)s county queue(s).") % {"n": total, "c": len(sent)})
    url = reverse("crosscheck:discrepancies")
    return redirect(f"{url}?{urlencode(params)}" if params else url)


@login_required
def tracking(request: HttpRequest) -> HttpResponse:
    """Per province, city or county: found, sent down, corrected, confirmed, overdue; drill down."""
    queries.require_supervisor(request.user)
    code = request.GET.get("division", "")
    division = scope.access_division(request.user, code) if code else queries.tracking_root(request.user)
    rows = queries.tracking(request.user, division)
    at_county = division.level >= Level.CITY
    totals = {
        key: sum(getattr(r, key) for r in rows)
        for key in ("found", "open", "sent", "corrected", "confirmed", "overdue")
    }
    parent = Division.objects.filter(code=division.parent_id).first() if division.parent_id else None
    return render(
        request,
        "crosscheck/tracking.html",
        {"division": division, "rows": rows, "totals": totals, "leaf": at_county, "parent": parent},
    )


@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", SuspectStatus.PENDING)
    items = queries.suspects_for(request.user)
    if status in SuspectStatus.values:
        items = items.filter(status=status)
    return render(
        request,
        "crosscheck/duplicate_list.html",
        {"rows": items.order_by("-id")[:PAGE_SIZE], "status": status, "statuses": SuspectStatus.choices},
    )


@login_required
def duplicate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    suspect = queries.access_suspect(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        queries.access_suspect(request.user, pk, decide=True)
        decision = request.POST.get("decision", "")
        if decision == "merge":
            queries.require_merge_rights(request.user, suspect)
        keep_id = _int(request.POST.get("keep"))
        keep = {suspect.subject_a_id: suspect.subject_a, suspect.subject_b_id: suspect.subject_b}.get(keep_id or -1)
        try:
            actions.do_decide_duplicate(
                suspect, actor=request.user, decision=decision, keep=keep, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            errors = exc.messages
        except Conflict as exc:
            return render(
                request, "crosscheck/duplicate_detail.html", {"s": suspect, "errors": [exc.detail]}, status=409
            )
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("crosscheck:duplicate", pk=suspect.pk)
    return render(
        request, "crosscheck/duplicate_detail.html", {"s": suspect, "errors": errors}, status=400 if errors else 200
    )


# --- linkage without a shared ID --------------------------------------------------------------------


@login_required
def linkage_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch's rows without a valid ID number: start a linkage run, review its candidates."""
    from . import linkage
    from .models import LinkageRun, UnidentifiedRow, UnidentifiedStatus

    queries.require_loader(request.user)
    batch = queries.access_batch(request.user, pk)
    values = {
        "threshold": request.POST.get("threshold", str(linkage.DEFAULT_THRESHOLD)).strip(),
        "review_from": request.POST.get("review_from", str(linkage.DEFAULT_REVIEW_FROM)).strip(),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            threshold, review_from = float(values["threshold"]), float(values["review_from"])
        except ValueError:
            errors["threshold"] = _("Enter the probabilities as numbers between 0 and 1, for example 0.95 and 0.80.")
        else:
            try:
                run = linkage.do_link_records(batch, actor=request.user, threshold=threshold, review_from=review_from)
            except ValidationError as exc:
                errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            else:
                messages.success(
                    request,
                    _("Linkage finished: %(linked)s linked, %(review)s for review, %(none)s without a match.")
                    % {
                        "linked": run.counts["auto_linked"],
                        "review": run.counts["review"],
                        "none": run.counts["no_match"],
                    },
                )
                return redirect("crosscheck:linkage", pk=batch.pk)
    runs = list(LinkageRun.objects.filter(batch=batch)[:20])
    rows = UnidentifiedRow.objects.filter(batch=batch)
    context = {
        "batch": batch,
        "runs": runs,
        "review": linkage.review_queue(runs[0]) if runs else [],
        "unlinked": rows.filter(status=UnidentifiedStatus.UNLINKED).count(),
        "linked": rows.filter(status=UnidentifiedStatus.LINKED).count(),
        "total": rows.count(),
        "values": values,
        "errors": errors,
    }
    return render(request, "crosscheck/linkage.html", context, status=400 if errors else 200)


@login_required
@require_POST
def linkage_decide(request: HttpRequest, pk: int, candidate_id: int) -> HttpResponse:
    from . import linkage
    from .models import LinkCandidate

    queries.require_loader(request.user)
    batch = queries.access_batch(request.user, pk)
    candidate = LinkCandidate.objects.filter(pk=candidate_id, run__batch=batch).first()
    if candidate is None:
        raise Http404(_("Not found."))
    same = request.POST.get("decision") == "same"
    try:
        linkage.do_decide_candidate(candidate, actor=request.user, same_person=same)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Linked to the person.") if same else _("Recorded: not the same person."))
    return redirect("crosscheck:linkage", pk=batch.pk)
