"""Background jobs of the petitions app (``django.tasks`` API; any configured backend runs them).

Queued by name through ``core.jobs.enqueue``: ``subjects`` queues these by the names
:mod:`petitions.apps` registered in ``subjects.extensions`` (nothing imports this module but the
job registry). Both are safe to run twice: a text opens its case once.
"""

from __future__ import annotations

from django_tasks import task

from accounts.models import User
from subjects.models import ImportBatch, Subject

from . import supervision
from .actions_collected import (
    do_mark_batch_collected,
    do_open_collected_grievance,
    do_requeue_uncollected_batches,
    system_actor,
)

CHUNK = 1000


@task()
def open_collected_grievances(batch_id: int) -> int:
    """Open the cases of the grievances an import batch recorded; the uploader registers them."""
    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None or batch.dry_run:
        return 0
    actor = batch.created_by or system_actor()
    people = Subject.objects.filter(import_batch_id=batch_id).exclude(grievances="").order_by("pk")
    opened, last = 0, 0
    while True:
        chunk = list(people.filter(pk__gt=last).values_list("pk", flat=True)[:CHUNK])
        if not chunk:
            do_mark_batch_collected(batch_id, opened=opened)
            return opened
        for subject_id in chunk:
            if do_open_collected_grievance(subject_id, actor=actor, import_batch_id=batch_id) is not None:
                opened += 1
        last = chunk[-1]


@task()
def open_recorded_grievance(subject_id: int, actor_id: int | None) -> int:
    """Open the case of the grievances saved on the person's record through the form or the API."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    case = do_open_collected_grievance(subject_id, actor=actor or system_actor())
    return 0 if case is None else 1


@task()
def sweep_collected_grievances(slot: str = "") -> int:
    """Queue again the batch jobs lost between the commit and the broker (``do_requeue_uncollected_batches``)."""
    return do_requeue_uncollected_batches()


@task()
def scan_supervision(slot: str = "") -> dict[str, int]:
    """Send the 催办 of 督办 orders on their first overdue working day and record the 通报 later."""
    return supervision.scan_supervision()
