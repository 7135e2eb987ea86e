"""What apps above ``subjects`` do once the register changed, registered from their ``apps.py``.

``subjects`` never imports those apps (they sit above it): it queues their jobs by the names
they register here, through ``core.jobs.enqueue`` (so a job exists only if the write commits).

- :func:`register_after_import`: a job queued with ``(batch_id,)`` once an import batch
  (not a dry run) has committed its rows and finished: one job per batch, never in the rows'
  hot path;
- :func:`register_after_grievances`: a job queued with ``(subject_id, actor_id)`` when a
  person's grievances (``Subject.grievances``) were saved non-empty through the form or the
  API (registration or edit);
- :func:`register_history_labels`: names of another app's audit events recorded on a person
  (``obj=subject``), for the history on the person's page.
"""

from __future__ import annotations

from typing import Any

from core.jobs import enqueue

_after_import: list[str] = []
_after_grievances: list[str] = []
_history_labels: dict[str, Any] = {}


def register_history_labels(labels: dict[str, Any]) -> None:
    _history_labels.update(labels)


def history_label(event_type: str) -> Any:
    """The registered name of an event on a person's history, or None."""
    return _history_labels.get(event_type)


def register_after_import(job: str) -> None:
    if job not in _after_import:
        _after_import.append(job)


def register_after_grievances(job: str) -> None:
    if job not in _after_grievances:
        _after_grievances.append(job)


def import_committed(batch_id: int) -> None:
    """Queue every registered after-import job for ``batch_id`` (on the caller's commit)."""
    for job in _after_import:
        enqueue(job, batch_id)


def grievances_saved(subject_id: int, actor_id: int | None) -> None:
    """Queue every registered job for the person's newly saved grievances (on the caller's commit)."""
    for job in _after_grievances:
        enqueue(job, subject_id, actor_id)
