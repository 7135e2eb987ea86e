"""Problem counts for the dashboards: insert-only deltas written with every change (``core.summary``).

Two facts per division (``ProblemCount``):

- ``DISCREPANCIES``: discrepancies by kind and status, at the province, city and county of the
  discrepancy (the nation sums its provinces);
- ``SUBJECTS``: people with a live discrepancy in the division (``live``: open, sent down,
  corrected awaiting re-check) and people whose discrepancies there are all closed
  (``corrected``: confirmed or no longer found), at the nation, province, city and county. A
  person counts once per division whatever the number of discrepancies, so these rows are
  written per level and never summed across levels.

How each write path keeps the counts:

- a run's merge (set-based SQL, ``crosscheck.checks.merge``): it counts what it is about to
  change (new discrepancies, corrections that did not hold, closings) with one ``GROUP BY``
  each, and the people touched (those with a new or a closed discrepancy) before and after;
  a re-run where nothing changed writes nothing;
- one discrepancy saved (send-down, settlement, anything through the ORM): ``post_save``
  compares the key the row was loaded with (``post_init``) with the key it is saved with and,
  when its person's state may change, re-reads that person's other discrepancies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_init, post_save

from core import summary
from core.summary import NATION, Key, Located
from jurisdictions.models import Located as LocatedModel

from .models import Discrepancy, ProblemCount

LIVE = ("open", "sent", "corrected")
LIVE_STATE, CORRECTED_STATE = "live", "corrected"
DISCREPANCIES, SUBJECTS = ProblemCount.DISCREPANCIES, ProblemCount.SUBJECTS
D = "crosscheck_discrepancy"

StateKey = tuple[str, str, str]  # (parent, code, state)


def _located(province: str, city: str, county: str) -> Located:
    return (province or "", city or "", county or "")


def write_moves(rows: Iterable[tuple[Any, ...]]) -> int:
    """Discrepancies moved from one status to another: rows of
    ``(province, city, county, kind, old status or None, new status or None, n)``; rows written."""
    return summary.write(ProblemCount, moves(rows))


def moves(rows: Iterable[tuple[Any, ...]]) -> dict[tuple[Located, Key], int]:
    """The deltas of :func:`write_moves`, not written."""
    changes: dict[tuple[Located, Key], int] = {}
    for province, city, county, kind, old, new, n in rows:
        located = _located(province, city, county)
        if old:
            key = (located, (DISCREPANCIES, kind, old))
            changes[key] = changes.get(key, 0) - int(n)
        if new:
            key = (located, (DISCREPANCIES, kind, new))
            changes[key] = changes.get(key, 0) + int(n)
    return {k: n for k, n in changes.items() if n}


def state_counts(subjects_sql: str = "", params: Iterable[Any] = ()) -> Counter[StateKey]:
    """People by state at every level, counted from the discrepancy table: the people of
    ``subjects_sql`` (a ``SELECT subject_id ...``), or everyone when empty. One statement."""
    where = f"WHERE subject_id IN ({subjects_sql})" if subjects_sql else ""
    live = ", ".join(f"'{s}'" for s in LIVE)
    sql = (
        f"WITH x AS (SELECT subject_id, province_code AS p, city_code AS c, county_code AS k, "  # noqa: S608
        f"CASE WHEN status IN ({live}) THEN 1 ELSE 0 END AS live FROM {D} {where}) "
        f"SELECT parent, code, live, COUNT(*) FROM ("
        f"SELECT '' AS parent, '{NATION}' AS code, subject_id, MAX(live) AS live FROM x GROUP BY subject_id "
        f"UNION ALL SELECT '{NATION}', p, subject_id, MAX(live) FROM x GROUP BY p, subject_id "
        f"UNION ALL SELECT p, c, subject_id, MAX(live) FROM x WHERE c <> '' GROUP BY p, c, subject_id "
        f"UNION ALL SELECT c, k, subject_id, MAX(live) FROM x WHERE k <> '' GROUP BY c, k, subject_id"
        f") y GROUP BY parent, code, live"
    )
    out: Counter[StateKey] = Counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        for parent, code, is_live, n in cursor.fetchall():
            out[(parent, code, LIVE_STATE if is_live else CORRECTED_STATE)] += int(n)
    return out


def states_of(rows: Iterable[tuple[str, str, str, str]]) -> Counter[StateKey]:
    """:func:`state_counts` for one person's discrepancies given as ``(province, city, county, status)``."""
    live_at: dict[tuple[str, str], bool] = {}
    for province, city, county, status in rows:
        places = [("", NATION), (NATION, province)]
        if city:
            places.append((province, city))
        if county:
            places.append((city, county))
        for place in places:
            live_at[place] = live_at.get(place, False) or status in LIVE
    return Counter(
        (parent, code, LIVE_STATE if is_live else CORRECTED_STATE) for (parent, code), is_live in live_at.items()
    )


def write_states(before: Mapping[StateKey, int], after: Mapping[StateKey, int]) -> int:
    """Insert the difference of two :func:`state_counts`; rows written."""
    return summary.write_at(ProblemCount, state_rows(before, after))


def state_rows(before: Mapping[StateKey, int], after: Mapping[StateKey, int]) -> dict[tuple[str, str, Key], int]:
    """The rows of :func:`write_states`, not written."""
    return {
        (parent, code, (SUBJECTS, "", state)): n for (parent, code, state), n in summary.diff(before, after).items()
    }


# --- One discrepancy saved ------------------------------------------------------------------


def _row(values: tuple[Any, ...]) -> tuple[str, str, str, str]:
    division_id, _subject, _kind, status = values
    codes = LocatedModel.codes_for(division_id or "")
    return codes["province_code"], codes["city_code"], codes["county_code"], str(status)


def _changed(pk: Any, old: tuple[Any, ...] | None, new: tuple[Any, ...] | None) -> None:
    """Write the deltas of one discrepancy going from ``old`` to ``new`` (None: absent)."""
    moves = []
    for values, sign in ((old, -1), (new, 1)):
        if values is not None and values[0]:
            province, city, county, status = _row(values)
            moves.append((province, city, county, values[2], None, status, sign))
    changes: dict[tuple[Located, Key], int] = {}
    for province, city, county, kind, _old, status, sign in moves:
        key = (_located(province, city, county), (DISCREPANCIES, kind, status))
        changes[key] = changes.get(key, 0) + sign
    summary.write(ProblemCount, {k: n for k, n in changes.items() if n})
    if old is not None and new is not None and old[:2] == new[:2] and (old[3] in LIVE) == (new[3] in LIVE):
        return  # the person's state cannot change
    for subject_id in {v[1] for v in (old, new) if v is not None and v[1] is not None}:
        others = list(
            Discrepancy.objects.filter(subject_id=subject_id)
            .exclude(pk=pk)
            .values_list("province_code", "city_code", "county_code", "status")
        )
        before = others + ([_row(old)] if old is not None and old[1] == subject_id and old[0] else [])
        after = others + ([_row(new)] if new is not None and new[1] == subject_id and new[0] else [])
        write_states(states_of(before), states_of(after))


def _remember(sender: Any, instance: Discrepancy, **kwargs: Any) -> None:
    summary.remember(instance)


def _saved(sender: Any, instance: Discrepancy, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    values = summary.counted_values(instance)
    before = instance.__dict__.get(summary.SNAPSHOT)
    if created:
        _changed(instance.pk, None, values)
    elif before is not None and before != values:
        _changed(instance.pk, before, values)
    instance.__dict__[summary.SNAPSHOT] = values


def _deleted(sender: Any, instance: Discrepancy, **kwargs: Any) -> None:
    values = instance.__dict__.get(summary.SNAPSHOT, summary.counted_values(instance))
    _changed(instance.pk, values, None)


def connect() -> None:
    """Hook the counts to every save of a discrepancy (``CrosscheckConfig.ready``)."""
    post_init.connect(_remember, sender=Discrepancy, dispatch_uid="crosscheck.summary.remember")
    post_save.connect(_saved, sender=Discrepancy, dispatch_uid="crosscheck.summary.saved")
    post_delete.connect(_deleted, sender=Discrepancy, dispatch_uid="crosscheck.summary.deleted")


# --- Rebuild and compaction ---------------------------------------------------------------


def live_count() -> tuple[dict[tuple[Located, Key], int], dict[tuple[str, str, Key], int]]:
    """Both facts counted live from the discrepancy table: (kind rows to expand, state rows as they are)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT province_code, city_code, county_code, kind, status, COUNT(*) FROM {D} "  # noqa: S608
            f"GROUP BY province_code, city_code, county_code, kind, status"
        )
        kinds = moves((p, c, k, kind, None, status, n) for p, c, k, kind, status, n in cursor.fetchall())
    return kinds, state_rows({}, state_counts())


def rebuild(progress: Any = None) -> int:
    """Replace the counts with a live count of the discrepancy table (two statements); rows written."""
    with transaction.atomic():
        summary.lock_for_rebuild(ProblemCount)
        ProblemCount.objects.all().delete()
        kinds, states = live_count()
        written = summary.write(ProblemCount, kinds) + summary.write_at(ProblemCount, states)
        if progress is not None:
            progress(NATION)
    return written


def compact() -> int:
    return summary.compact(ProblemCount)
