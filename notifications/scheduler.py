"""Periodic work: one registry, one mechanism, correct with any number of schedulers running.

``manage.py run_scheduler`` wakes every ``LAUREL_SCHEDULER_INTERVAL_SECONDS`` and, for each
job below, computes the current *slot* (the start of the current period, or today's date
for daily jobs once their hour has come). It claims the slot by inserting the unique
``ScheduledRun(job, slot)`` row and enqueues the job in the same transaction; a second
scheduler inserting the same pair gets an ``IntegrityError`` and skips. So two schedulers
(e.g. on two machines, or a restart overlapping the old process) run each slot once.

The jobs run on the task workers, not in the scheduler. Every job is an idempotent scan, so
a slot whose enqueue was lost (RQ down at that moment) is made good by the next slot.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import tasks
from .models import ScheduledRun
from .outbox import enqueue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any
    every: datetime.timedelta | None = None  # fixed period, slots aligned to the epoch
    daily_at: datetime.time | None = None  # local time of day; runs once per day from then on
    args: tuple[str, ...] = ()  # leading arguments of the task (the slot is always the last one)

    def slot(self, now: datetime.datetime) -> str | None:
        if self.every is not None:
            period = int(self.every.total_seconds())
            start = int(now.timestamp()) // period * period
            return datetime.datetime.fromtimestamp(start, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert self.daily_at is not None
        local = timezone.localtime(now)
        if local.time() < self.daily_at:
            return None
        return local.date().isoformat()


def jobs() -> list[PeriodicJob]:
    """The registry of periodic jobs (periods from settings, read at each tick)."""
    minutes = datetime.timedelta(minutes=1)
    return [
        PeriodicJob("sweep_outbox", tasks.sweep_outbox, every=minutes),
        PeriodicJob("send_batches", tasks.send_batches, every=minutes * settings.LAUREL_NOTIFY_BATCH_MINUTES),
        PeriodicJob("scan_sla", tasks.scan_sla, every=minutes * settings.LAUREL_NOTIFY_SLA_SCAN_MINUTES),
        PeriodicJob("send_digests", tasks.send_digests, daily_at=datetime.time(settings.LAUREL_NOTIFY_DIGEST_HOUR)),
        PeriodicJob(
            "audit_checkpoint",
            tasks.run_command,
            daily_at=datetime.time(settings.LAUREL_AUDIT_CHECKPOINT_HOUR),
            args=("audit_checkpoint",),
        ),
        PeriodicJob("requeue_letters", tasks.run_command, every=minutes * 10, args=("requeue_letters",)),
        PeriodicJob("prune_scheduled_runs", tasks.prune_scheduled_runs, daily_at=datetime.time(3)),
    ]


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
