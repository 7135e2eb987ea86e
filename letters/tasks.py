"""Background jobs of the letters app (``django.tasks`` API; run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def render_letter(letter_id: int) -> str:
    """Render, sign and store a requested letter once; a no-op for a letter already issued.

    Returns the issued file's SHA-256. A rendering failure marks the letter failed (with
    the reason) and raises, so the job shows as failed too.
    """
    from django.db import reset_queries

    from .actions import do_issue_letter

    try:
        return do_issue_letter(letter_id).sha256
    finally:
        # A job is not a request: Django empties its statement log (kept under DEBUG) only when a
        # request starts, so a development worker's log would grow to 9,000 statements.
        reset_queries()


@task()
def requeue_pending(slot: str = "") -> str:
    """Queue rendering again for letters left pending over 10 minutes (a lost enqueue)."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("requeue_letters", stdout=out)
    return out.getvalue().strip()
