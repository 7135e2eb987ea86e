"""Run the periodic jobs (notifications.scheduler): safe to start on several machines at once."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from notifications import scheduler

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue periodic jobs (outbox sweep, SLA scan, batches, digests, audit checkpoint) when due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Claim what is due now, then exit (for cron).")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between ticks (default LAUREL_SCHEDULER_INTERVAL_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.LAUREL_SCHEDULER_INTERVAL_SECONDS
        who = scheduler.whoami()
        while True:
            try:
                for claimed in scheduler.run_due(who=who):
                    self.stdout.write(f"scheduled {claimed}")
            except DatabaseError:
                if options["once"]:
                    raise
                # The database is away (restart, failover): keep ticking; missed slots are idempotent scans.
                logger.exception("scheduler tick failed; retrying in %s s", interval)
            if options["once"]:
                return
            time.sleep(interval)
            close_old_connections()  # like between requests: drop connections that died or aged out
