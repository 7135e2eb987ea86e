"""Background jobs of the audit app (``django.tasks`` API; queued by name through ``core.jobs``)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django_tasks import task


@task()
def checkpoint(slot: str = "") -> str:
    """Verify the chains since the last checkpoint and sign their heads (``manage.py audit_checkpoint``)."""
    out = StringIO()
    call_command("audit_checkpoint", stdout=out, verbosity=0)
    return out.getvalue().strip()[:500] or "done"
