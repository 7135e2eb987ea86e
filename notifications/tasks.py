"""Background jobs, written against the ``django.tasks`` API only (django-tasks backport).

They run on whichever backend ``TASKS`` names: django-tasks-db (``manage.py db_worker``) by
default, or RQ/Redis (``manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job``)
with ``LAUREL_TASK_BACKEND=rq``. Arguments and results are plain JSON values. Every job is
safe to run twice: deliveries are claimed, periodic scans deduplicate by key.
"""

from __future__ import annotations

from django_tasks import task

from . import delivery


@task()
def deliver(delivery_id: int) -> str:
    """Send one outbox row (``sent``, ``failed``, ``dead`` or ``skipped`` when not due/claimed)."""
    return delivery.deliver_one(delivery_id)


@task()
def sweep_outbox(slot: str = "") -> int:
    """Re-enqueue deliveries no job will pick up (lost enqueues, due retries, expired claims)."""
    return delivery.sweep()


@task()
def send_batches(slot: str) -> int:
    """Email each user the batch of new tasks that reached their queue since the last batch."""
    return delivery.release_held("batch", slot)


@task()
def send_digests(slot: str) -> int:
    """Email each user the daily digest of notifications they chose to receive that way."""
    return delivery.release_held("digest", slot)


@task()
def prune_scheduled_runs(slot: str) -> int:
    from .scheduler import prune

    return prune()
