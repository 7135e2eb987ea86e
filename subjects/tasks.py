"""Background jobs of the subjects app (``django.tasks`` API; any configured backend runs them)."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from jurisdictions import scope

from .importer import run_batch
from .models import ImportBatch, ImportStatus

WRITE = "handle_cases"


@task()
def import_batch(batch_id: int) -> str:
    """Run an uploaded import batch. Safe to run twice: a finished batch is left alone."""
    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None or batch.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return "skipped"
    actor = batch.created_by
    # The uploader's jurisdiction at run time (a revoked membership stops the import writing there).
    scope_codes = scope.codes_with(actor, WRITE) if actor is not None else [batch.division_id]
    batch = run_batch(batch, Path(batch.file.path), actor=actor, scope_codes=scope_codes)
    return batch.status
