"""Background jobs of the subjects app (``django.tasks`` API; any configured backend runs them).

Queued by name through ``core.jobs.enqueue`` (nothing imports this module but the job registry).
"""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from jurisdictions import scope

from . import summary
from .actions.imports import do_requeue_lost_imports, run_import_batch
from .models import ImportBatch

WRITE = "handle_cases"


@task()
def import_batch(batch_id: int) -> str:
    """Run an uploaded import batch. Safe to run twice: only the run that claims the batch imports it."""
    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None or not batch.file:
        return "skipped"
    actor = batch.created_by
    # The uploader's jurisdiction at run time (a revoked membership stops the import writing there).
    scope_codes = scope.codes_with(actor, WRITE) if actor is not None else [batch.division_id]
    done = run_import_batch(batch, Path(batch.file.path), actor=actor, scope_codes=scope_codes)
    return "skipped" if done is None else done.status


@task()
def sweep_imports(slot: str = "") -> int:
    """Queue again the uploaded batches whose job may be lost (see ``do_requeue_lost_imports``)."""
    return do_requeue_lost_imports()


@task()
def compact_subject_counts(slot: str = "") -> int:
    """Fold the dashboards' subject count deltas into one row per key (``subjects.summary``)."""
    return summary.compact()
