"""Queue the render job again for letters left pending (e.g. a worker outside the database lost it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from letters.actions import enqueue_render
from letters.models import Letter, Status


class Command(BaseCommand):
    help = "Queue rendering again for letters still pending after --minutes (default 10). Rendering is idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--minutes", type=int, default=10)

    def handle(self, *args: Any, minutes: int, **options: Any) -> None:
        cutoff = timezone.now() - dt.timedelta(minutes=minutes)
        ids = list(Letter.objects.filter(status=Status.PENDING, requested_at__lt=cutoff).values_list("pk", flat=True))
        for letter_id in ids:
            enqueue_render(letter_id)
        self.stdout.write(f"Queued {len(ids)} pending letter(s) again.")
