"""Full verification of the audit trail: every chain, every checkpoint, recorded as a run."""

from __future__ import annotations

from django.utils import timezone

from . import chain, checkpoints
from .models import ChainVerification


def verify_everything(*, save: bool = True) -> tuple[chain.ChainReport, ChainVerification]:
    """Recompute every hash, check every link and every checkpoint.

    The outcome is stored as a :class:`ChainVerification` (for the status page) when ``save``.
    """
    run = ChainVerification(started_at=timezone.now())
    report = chain.verify_all()
    run.checkpoints_checked = checkpoints.verify_checkpoints(report)
    run.events_checked = report.events
    run.ok = report.ok
    run.problems = [str(problem) for problem in report.problems]
    run.finished_at = timezone.now()
    if save:
        run.save()
    return report, run
