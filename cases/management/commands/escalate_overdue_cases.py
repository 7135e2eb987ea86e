"""Record an escalation to the jurisdiction's supervisors for every overdue case (run it daily).

Notifications come with a later issue; for now the escalation is an audit event
(``case.escalated``) naming the supervisors, and the case is marked so it is escalated once
per stage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.actions import do_escalate_case
from cases.queries import overdue_unescalated, supervisors_of


class Command(BaseCommand):
    help = "Escalate overdue cases to the supervisors of their jurisdiction."

    def handle(self, *args: Any, **options: Any) -> None:
        n = 0
        for case in overdue_unescalated().iterator():
            do_escalate_case(case, actor=None, supervisors=supervisors_of(case.division_id))
            n += 1
        if options["verbosity"]:
            self.stdout.write(f"escalated: {n}")
