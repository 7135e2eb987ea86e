"""Periodic work: one mechanism, correct with any number of schedulers running.

``manage.py run_scheduler`` wakes every ``LAUREL_SCHEDULER_INTERVAL_SECONDS`` and, for each
periodic job registered by its owning app (``core.jobs.register_periodic`` in ``ready()``),
computes the current *slot* (the start of the current period, or today's date for daily jobs
once their hour has come). It claims the slot by inserting the unique ``ScheduledRun(job,
slot)`` row and enqueues the job in the same transaction; a second scheduler inserting the
same pair gets an ``IntegrityError`` and skips. So two schedulers (e.g. on two machines, or a
restart overlapping the old process) run each slot once.

The jobs run on the task workers, not in the scheduler. Every job is an idempotent scan, so
a slot whose enqueue was lost (RQ down at that moment) is made good by the next slot.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.jobs import PeriodicJob, enqueue, periodic_jobs

from .models import ScheduledRun

logger = logging.getLogger(__name__)


def jobs() -> list[PeriodicJob]:
    """The periodic jobs every app registered (``core.jobs.register_periodic`` in its ``ready()``)."""
    return periodic_jobs()


def whoami() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def claim_slot(job: PeriodicJob, slot: str, *, who: str = "") -> bool:
    """Claim ``slot`` of ``job`` and enqueue the job with it; False when another scheduler has it."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job.name, slot=slot, claimed_by=who or whoami())
            enqueue(job.task, *job.args, slot)
    except IntegrityError:
        return False
    return True


def run_due(now: datetime.datetime | None = None, *, who: str = "") -> list[str]:
    """Claim and enqueue every job whose current slot has not run; returns ``job@slot`` claimed."""
    now = now or timezone.now()
    claimed = []
    for job in jobs():
        slot = job.slot(now)
        if slot is not None and claim_slot(job, slot, who=who):
            claimed.append(f"{job.name}@{slot}")
    if claimed:
        logger.info("scheduled %s", ", ".join(claimed))
    return claimed


def prune(keep_days: int = 30) -> int:
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    deleted, _rows = ScheduledRun.objects.filter(claimed_at__lt=cutoff).delete()
    return deleted
