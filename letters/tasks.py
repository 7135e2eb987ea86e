"""Background jobs of the letters app (``django.tasks`` API; run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def render_letter(letter_id: int) -> str:
    """Render, sign and store a requested letter once; a no-op for a letter already issued.

    Returns the issued file's SHA-256. A rendering failure marks the letter failed (with
    the reason) and raises, so the job shows as failed too.
    """
    from .actions import do_issue_letter

    return do_issue_letter(letter_id).sha256


@task()
def requeue_pending(slot: str = "") -> str:
    """Queue rendering again for letters left pending over 10 minutes (a lost enqueue)."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("requeue_letters", stdout=out)
    return out.getvalue().strip()
