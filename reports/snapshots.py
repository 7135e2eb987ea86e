"""Frozen report figures: compiled once from live data, then never recomputed.

A snapshot is a JSON object whose figures are additive counters (nested dicts of integers),
so a province's figures are the sum of its counties' and the nation's the sum of its
provinces' (:func:`merge`). Keys in :data:`META_KEYS` describe the snapshot and are not summed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from benefits import confirmation_figures
from petitions import annual

from . import figures

SNAPSHOT_VERSION = 1
META_KEYS = frozenset({"version", "as_of", "division", "period", "counties", "missing"})


def compile_live(code: str, *, start: dt.date, end: dt.date, now: dt.datetime) -> dict[str, Any]:
    """The figures of division ``code``'s subtree as they stand at ``now`` (queries only)."""
    q = figures.subtree_q(code)
    subjects = figures.subject_breakdown(q)
    cases = figures.open_cases(q, now)
    by_age = figures.fold_backlog(cases)
    return {
        "version": SNAPSHOT_VERSION,
        "as_of": now.isoformat(),
        "division": code,
        "subjects": figures.fold_subjects(subjects),
        "collection": figures.fold_collection(subjects),
        "problems": figures.problems(q),
        "cases": {
            "backlog": {stage: sum(bands.values()) for stage, bands in by_age.items()},
            "backlog_by_age": by_age,
            "sla": figures.fold_sla(cases),
            "period": figures.cases_in_period(q, start, end),
        },
        # Grievances under the 信访工作条例 (the annual petition report, Art. 41, is a year's report).
        "petitions": annual.figures(code, start, end),
        # The annual confirmation (年度确认) of benefits: the campaigns of the period's year(s).
        "confirmation": confirmation_figures.figures(code, start, end),
    }


def _add(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if key in META_KEYS:
            continue
        if isinstance(value, dict):
            _add(into.setdefault(key, {}), value)
        elif isinstance(value, int) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value


def merge(snapshots: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum of the snapshots' figures (meta keys dropped)."""
    total: dict[str, Any] = {}
    for snapshot in snapshots:
        _add(total, snapshot)
    return total


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
