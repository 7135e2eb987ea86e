"""Recompute every hash of the audit chains and check every signed checkpoint.

Exit status 0 when everything holds, 1 on any break (the first broken link of each chain
is printed). Run it from cron after ``audit_checkpoint`` and alert on a non-zero exit.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_everything


class Command(BaseCommand):
    help = "Verify the audit hash chains and the signed checkpoints; exit 1 on any break."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-record", action="store_true", help="Do not store the outcome in the database.")

    def handle(self, *args: Any, **options: Any) -> None:
        report, run = verify_everything(save=not options["no_record"])
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {run.events_checked} events in {len(report.heads)} chains, "
                    f"{run.checkpoints_checked} checkpoints verified."
                )
            )
            return
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(f"BROKEN: {problem}"))
        raise CommandError(f"The audit trail is broken ({len(report.problems)} problem(s)).", returncode=1)
