"""The one way to queue a background job, and the registry of periodic jobs.

Jobs are ``django.tasks`` tasks defined in each app's ``tasks.py`` and named by dotted path
(``"letters.tasks.render_letter"``). Only this module loads them (by name, when a job is
queued), so no action, view or model imports a ``tasks`` module, and tasks may import actions
freely (HackSoft: tasks import services, never the reverse).

``enqueue(name, *args)`` makes the job exist if and only if the current transaction commits:

- the database backend (django-tasks-db) writes its job row through the same connection, so
  the job is written inside the transaction and commits or rolls back with it;
- any other backend (RQ/Redis) is told after the commit (``transaction.on_commit``). If the
  process dies between the commit and that call, or the broker is down, the job is lost: every
  job whose enqueue can be lost this way (import batches, letters, deliveries) keeps its state
  in a row, and a periodic sweep of its app queues it again.

Periodic jobs are registered by the app that owns them, in its ``AppConfig.ready()``
(``register_periodic(...)``); the scheduler (``notifications.scheduler``) claims each slot once.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def task_named(name: str) -> Any:
    """The ``django.tasks`` task registered under the dotted path ``name``."""
    if ".tasks." not in name:
        raise ValueError(f"{name!r} is not a job: jobs live in an app's tasks module")
    return import_string(name)


def backend_is_transactional() -> bool:
    """Whether the default task backend stores jobs in this database's transaction (django-tasks-db)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    return type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__module__.startswith("django_tasks_db")


def enqueue(name: str, *args: Any, run_after: datetime.datetime | None = None) -> None:
    """Queue the job ``name`` with ``args`` so that it runs only if the current transaction commits."""
    task = task_named(name)
    if run_after is not None:
        task = task.using(run_after=run_after)
    if backend_is_transactional():
        task.enqueue(*args)
        return

    def later() -> None:
        try:
            task.enqueue(*args)
        except Exception:  # the broker is down: the row stays, the app's sweep queues it again
            logger.exception("could not enqueue %s%r; the periodic sweep will retry", name, args)

    transaction.on_commit(later)


# --- periodic jobs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler queues once per slot; the slot is always the task's last argument.

    ``every`` is a fixed period (slots aligned to the epoch) or a callable returning it (read at
    each tick, so settings may change it); ``daily_at`` a local time of day (once a day from then).
    """

    name: str
    task: str
    every: datetime.timedelta | Callable[[], datetime.timedelta] | None = None
    daily_at: datetime.time | Callable[[], datetime.time] | None = None
    args: tuple[str, ...] = field(default=())

    def period(self) -> datetime.timedelta | None:
        return self.every() if callable(self.every) else self.every

    def time_of_day(self) -> datetime.time | None:
        return self.daily_at() if callable(self.daily_at) else self.daily_at

    def slot(self, now: datetime.datetime) -> str | None:
        period = self.period()
        if period is not None:
            seconds = int(period.total_seconds())
            start = int(now.timestamp()) // seconds * seconds
            return datetime.datetime.fromtimestamp(start, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        at = self.time_of_day()
        assert at is not None
        local = timezone.localtime(now)
        if local.time() < at:
            return None
        return local.date().isoformat()


_PERIODIC: dict[str, PeriodicJob] = {}


def register_periodic(job: PeriodicJob) -> None:
    """Add ``job`` to the scheduler's registry (from the owning app's ``ready()``; idempotent by name)."""
    if (job.every is None) == (job.daily_at is None):
        raise ValueError(f"periodic job {job.name!r} needs exactly one of every or daily_at")
    _PERIODIC[job.name] = job


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered periodic job, by name."""
    return [_PERIODIC[name] for name in sorted(_PERIODIC)]


# --- leases: a job whose worker died is run again ----------------------------------------------


class LeaseExpired(Exception):
    """Recorded on a database job row whose worker stopped reporting before finishing it."""


def job_lease() -> datetime.timedelta:
    """How long a started job may run before another worker takes it over (``LAUREL_JOB_LEASE_SECONDS``)."""
    from django.conf import settings

    return datetime.timedelta(seconds=int(getattr(settings, "LAUREL_JOB_LEASE_SECONDS", 900)))


def recover_expired_jobs(now: datetime.datetime | None = None, limit: int = 500) -> list[str]:
    """Run again every database job whose lease expired: started longer ago than ``job_lease()``.

    django-tasks-db marks a job ``RUNNING`` when a worker claims it and never looks at it again:
    a worker killed mid-job (OOM, ``kill -9``, a lost machine) leaves it running for ever. Its
    lease is ``started_at + LAUREL_JOB_LEASE_SECONDS``; after that the row is marked failed with
    ``LeaseExpired`` and the same job (name and arguments) is queued anew in the same
    transaction, for any worker to take. Every job is idempotent and the ones with side effects
    claim their own rows (a letter is issued once under its row lock, a delivery is claimed with
    its own lease, an import batch by claim and heartbeat), so a job that was merely slow and
    still finishes makes the copy a no-op. Returns the names of the jobs queued again. The RQ
    backend keeps no such rows: there the apps' sweeps (``requeue_letters``, ``sweep_outbox``,
    ``sweep_imports``) find the work by its own state.
    """
    if not backend_is_transactional():
        return []
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - job_lease()
    requeued: list[str] = []
    with transaction.atomic():
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
            .order_by("started_at")[:limit]
        )
        for row in stale:
            row.status = TaskResultStatus.FAILED
            row.finished_at = timezone.now()
            row.exception_class_path = f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}"
            since = row.started_at.isoformat() if row.started_at else "?"
            row.traceback = (
                f"LeaseExpired: started {since} by {', '.join(row.worker_ids) or '?'} "
                f"and not finished within {int(job_lease().total_seconds())} s; queued again."
            )
            row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            try:
                task = task_named(row.task_path)
            except (ImportError, ValueError):
                logger.error("job %s (%s) expired and cannot be queued again: unknown job", row.pk, row.task_path)
                continue
            task.using(queue_name=row.queue_name, priority=row.priority).enqueue(
                *row.args_kwargs.get("args", []), **row.args_kwargs.get("kwargs", {})
            )
            logger.warning("job %s (%s) outlived its lease; queued again", row.pk, row.task_path)
            requeued.append(row.task_path)
    return requeued
