"""Background jobs of the core app (``django.tasks`` API; queued by name through ``core.jobs``)."""

from __future__ import annotations

from django_tasks import task

from . import jobs


@task()
def recover_expired_jobs(slot: str = "") -> int:
    """Queue again the jobs whose worker died holding them (lease expired); see ``core.jobs``."""
    return len(jobs.recover_expired_jobs())
