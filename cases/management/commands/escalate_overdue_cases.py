"""Run the SLA scan now: remind of due dates, announce overdue steps, escalate them to supervisors.

The same scan as the periodic job ``scan_sla`` (``cases.actions.sla.scan_sla``): a case is
escalated once per stage, to the holders of ``supervise`` over its division.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from cases.actions import scan_sla


class Command(BaseCommand):
    help = "Run the SLA scan now: reminders, overdue notices, escalation to the jurisdiction's supervisors."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = scan_sla(timezone.now())
        if options["verbosity"]:
            self.stdout.write(
                f"escalated: {counts['escalated']} (overdue: {counts['overdue']}, approaching: {counts['approaching']})"
            )
