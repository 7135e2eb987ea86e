"""Background jobs of petitions (queued by name through ``core.jobs``; nothing imports this module)."""

from __future__ import annotations

from django_tasks import task

from . import supervision


@task()
def scan_supervision(slot: str = "") -> dict[str, int]:
    """Send the 催办 of 督办 orders on their first overdue working day and record the 通报 later."""
    return supervision.scan_supervision()
