"""Background jobs of the core app (``django.tasks`` API; queued by name through ``core.jobs``)."""

from __future__ import annotations

from django_tasks import task

from . import jobs


@task()
def recover_expired_jobs(slot: str = "") -> int:
    """Queue again the jobs whose worker died holding them (lease expired); see ``core.jobs``."""
    return len(jobs.recover_expired_jobs())


@task()
def prune_access_logs(slot: str = "") -> int:
    """Delete access logs older than ``LAUREL_LOG_RETENTION_DAYS`` (never younger, never audit events)."""
    from . import retention

    return retention.prune_access_logs()
