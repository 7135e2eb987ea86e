"""Rebuilding the dashboards' summary tables from the register (``manage.py rebuild_summaries``)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from accounts.models import Actor
from audit.log import record
from cases import summary as case_summary
from crosscheck import summary as problem_summary
from subjects import summary as subject_summary


@transaction.atomic
def do_rebuild_summaries(*, actor: Actor | None, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Replace the subject, case and problem counts with a live count; rows written per table.

    One transaction, holding the writers of each table until it commits (so the counts are
    exactly those of the register at commit). ``progress`` is called after each province.
    """
    written = {
        "subjects": subject_summary.rebuild(progress),
        "cases": case_summary.rebuild(progress),
        "problems": problem_summary.rebuild(),
    }
    record(event_type="report.summaries_rebuilt", actor=actor, data=written)
    return written
