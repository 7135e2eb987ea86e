# ruff: noqa: S608  (table names are module constants; every value is a bound parameter)
"""A re-run where nothing changed: the last run's result stands, without running the checks (PostgreSQL).

A run's result depends on its plan — department, division, the as-of month, the batches compared,
whether the registry's own checks run, and the checks' code: :func:`fingerprint` — and on the rows it
reads: the register's subjects and benefits, the department batches and rows, and the discrepancies
and suspected duplicates its merge compares with. Every statement that writes one of those tables
leaves a row in ``crosscheck_inputchange`` with its transaction's id (statement triggers, migration
``crosscheck 0007``; a run's own writes are marked ``run:<id>``).

A run notes the snapshot it reads under, before its checks (:func:`note`). A later run with the same
fingerprint asks one indexed question (:func:`unchanged_since`): did a transaction that the earlier
run's snapshot did not see, or its own transaction after that snapshot, write an input since — apart
from the earlier run's own writes? If not, the checks and the merge would find exactly what it found
and write nothing: the new run records that result (``reused_from``) and is done. Conservative by
construction: a write that changes nothing, or is rolled back after its statement, counts as a
change; a transaction still running is unseen by both and counts once it commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .checks import Plan
from .models import Run, RunStatus

CHANGES = "crosscheck_inputchange"
RUN_SETTING = "laurel.crosscheck_run"  # read by the trigger: a run's own writes are marked with its id


def _code_version() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("checks.py", "layouts.py", "reuse.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()


def enabled() -> bool:
    return connection.vendor == "postgresql" and reuse_days() > 0


def reuse_days() -> float:
    """How old a run's result may be to stand for a later run (``LAUREL_CROSSCHECK_REUSE_DAYS``, 0 = never)."""
    return float(getattr(settings, "LAUREL_CROSSCHECK_REUSE_DAYS", 7))


def fingerprint(plan: Plan, department: str) -> str:
    """Everything but the rows that decides a run's result."""
    payload = {
        "code": CODE_VERSION,
        "department": department,
        "division": plan.division_code,
        "as_of_month": plan.as_of.year * 12 + plan.as_of.month,
        "batches": {name: sorted(b.pk for b in batches) for name, batches in sorted(plan.batches.items())},
        "registry": plan.with_registry_checks,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def note(run: Run) -> None:
    """The snapshot this run's checks read under (taken before them), its transaction and the last input
    change it can see; and, until :func:`done_writing`, its own writes marked as its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_current_snapshot()::text, pg_current_xact_id()::text, "
            f"(SELECT COALESCE(MAX(id), 0) FROM {CHANGES}), set_config(%s, %s, true)",
            [RUN_SETTING, str(run.pk)],
        )
        run.snapshot, run.xid, run.mark, _ = cursor.fetchone()


def done_writing() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [RUN_SETTING])


def _window() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=reuse_days())


def unchanged_since(run: Run, inputs: str) -> Run | None:
    """The latest finished run with the same fingerprint whose inputs nobody wrote since, or None."""
    earlier = (
        Run.objects.filter(status=RunStatus.DONE, inputs=inputs, started_at__gte=_window())
        .exclude(snapshot="")
        .exclude(pk=run.pk)
        .order_by("-pk")
        .first()
    )
    if earlier is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {CHANGES} c WHERE c.source <> %s AND ("
            # its own transaction, after its snapshot (a run inside a longer transaction)
            "(c.xid = CAST(%s AS xid8) AND c.id > %s) OR "
            # another transaction its snapshot did not see (committed since, or running then)
            "(c.xid >= pg_snapshot_xmin(CAST(%s AS pg_snapshot)) AND c.xid <> CAST(%s AS xid8) "
            "AND NOT pg_visible_in_snapshot(c.xid, CAST(%s AS pg_snapshot)))))",
            [f"run:{earlier.pk}", earlier.xid, earlier.mark, earlier.snapshot, earlier.xid, earlier.snapshot],
        )
        changed = cursor.fetchone()[0]
    return None if changed else earlier


def prune() -> None:
    """Forget the input changes every run that may still be reused saw (and this one does)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {CHANGES} WHERE xid < (SELECT LEAST(pg_snapshot_xmin(pg_current_snapshot()), "
            "MIN(pg_snapshot_xmin(CAST(snapshot AS pg_snapshot))), MIN(CAST(xid AS xid8))) FROM crosscheck_run "
            "WHERE status = %s AND snapshot <> '' AND started_at >= %s)",
            [RunStatus.DONE, _window()],
        )
