"""Import pages: upload (runs in the background), progress, error report, templates."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from jurisdictions import scope
from jurisdictions.models import Division

from . import queries
from .actions.imports import do_open_import_batch
from .forms import HANDLE, ImportUploadForm
from .importer import TEMPLATES, template_csv
from .models import ImportSource


def _upload_division(user: object) -> Division:
    """The division an upload belongs to: the widest one where the user may write."""
    codes = scope.codes_with(user, HANDLE)
    if not codes:
        raise PermissionDenied(_("You are not allowed to do this here."))
    return Division.objects.get(code=min(codes, key=len))


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    can_upload = bool(scope.codes_with(request.user, HANDLE))
    if request.method == "POST":
        division = _upload_division(request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            batch = do_open_import_batch(
                division=division,
                source=form.cleaned_data["source"],
                file_name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                actor=request.user,
                upload=upload,
                sha256=digest.hexdigest(),
            )
            messages.success(request, _("The file is being imported; this page shows its progress."))
            return redirect("subjects:import_detail", batch.pk)
    batches = queries.imports_for(request.user).select_related("created_by")[:50]
    return render(
        request,
        "subjects/imports.html",
        {"form": form, "batches": batches, "can_upload": can_upload, "sources": ImportSource.choices},
    )


@login_required
def template(request: HttpRequest, source: str) -> HttpResponse:
    if source not in TEMPLATES:
        raise Http404(_("Not found."))
    response = HttpResponse(template_csv(source), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="laurel-subjects-{source}.csv"'
    return response


@login_required
@never_cache
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = queries.access_import(request.user, batch_id)
    return render(request, "subjects/import_detail.html", {"batch": batch})


@login_required
@never_cache
def batch_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    batch = queries.access_import(request.user, batch_id)
    return JsonResponse(
        {
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "percent": batch.percent,
            "processed": batch.processed_rows,
            "total": batch.total_rows,
            "finished": batch.finished_at is not None,
        }
    )


@login_required
def batch_errors(request: HttpRequest, batch_id: int) -> FileResponse:
    batch = queries.access_import(request.user, batch_id)
    if not batch.error_file:
        raise Http404(_("Not found."))
    return FileResponse(batch.error_file.open("rb"), as_attachment=True, filename=f"import-{batch.pk}-errors.csv")
