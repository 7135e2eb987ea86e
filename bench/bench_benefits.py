"""Benchmark: recomputing every benefit after a yearly standard change, at 1M active benefits (PostgreSQL).

    .venv/bin/python bench/bench_benefits.py     # LAUREL_BENCH_BENEFITS_SCALE=0.05 for a quick run

Set-up (not timed): a PostgreSQL database (``LAUREL_BENCH_BENEFITS_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_benefits``, created if missing, migrated, the real
division tree loaded) is refilled set-based: N people (default 1,000,000) over every county, one
定期生活补助 each from one fixed national standard (1050.00 from 2025-01), with M stored regular
lines each (default 4: 2025-01 … 2025-04). Then ANALYZE.

Timed (median of 3, each on a fresh copy of the lines): ``benefits.actions.recompute_after_change``
after the standard is raised to 1150.00 from 2025-03 — one arrears line per benefit and stored month
from the change (2 per benefit), every benefit moved to the new row, the register's monthly amount
updated. The floor is the bare SQL that produces the same rows: one ``INSERT ... SELECT`` of the
differences from the old row's lines, one ``UPDATE`` of the entitlements and one of the register
(goal: within 2×).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALE = float(os.environ.get("LAUREL_BENCH_BENEFITS_SCALE", "1"))
PEOPLE = int(1_000_000 * SCALE)
MONTHS = int(os.environ.get("LAUREL_BENCH_BENEFITS_MONTHS", "4"))
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_BENEFITS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_benefits"
)
os.environ["LAUREL_BENCH_CROSSCHECK_DATABASE_URL"] = DATABASE_URL  # bench_crosscheck's helpers connect here
sys.path.insert(0, str(HERE))


def _fill() -> tuple[int, int]:
    """People, benefits, entitlements and lines; returns (old standard id, benefit count)."""
    from benefit_fill import people_with_benefits
    from django.core.management import call_command
    from django.db import connection

    from jurisdictions.models import Division

    call_command("migrate", verbosity=0)
    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute(
            "TRUNCATE subjects_subject, subjects_benefit, benefits_benefitstandard, benefits_entitlement, "
            "benefits_monthlyline, benefits_recoveryitem RESTART IDENTITY CASCADE"
        )
    with connection.cursor() as cur:
        old_id = people_with_benefits(cur, PEOPLE)
        cur.execute(
            "INSERT INTO benefits_monthlyline (entitlement_id, month, kind, amount, standard_id, article, note, payee, "
            "locked, created_at) SELECT e.id, (DATE '2025-01-01' + make_interval(months => m))::date, 'regular', "
            "1050.00, %s, '第六十二条', '', '', false, now() FROM benefits_entitlement e, generate_series(0, %s) m",
            [old_id, MONTHS - 1],
        )
        cur.execute("ANALYZE")
    return old_id, PEOPLE


def _reset(old_id: int) -> None:
    """Back to the state before the change: the old row open-ended, no new row, no arrears lines."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM benefits_monthlyline WHERE kind <> 'regular'")
        cur.execute("UPDATE benefits_entitlement SET standard_id = %s, monthly_amount = 1050.00", [old_id])
        cur.execute("UPDATE subjects_benefit SET amount = 1050.00")
        cur.execute("DELETE FROM benefits_benefitstandard WHERE id <> %s", [old_id])
        cur.execute("UPDATE benefits_benefitstandard SET effective_to = NULL WHERE id = %s", [old_id])
        cur.execute("VACUUM ANALYZE benefits_monthlyline")
        cur.execute("VACUUM ANALYZE benefits_entitlement")
        cur.execute("VACUUM ANALYZE subjects_benefit")


def _new_row(old_id: int) -> tuple[Any, Any]:
    from benefits.models import BenefitStandard

    old = BenefitStandard.objects.get(pk=old_id)
    old.effective_to = dt.date(2025, 2, 28)
    old.save(update_fields=["effective_to"])
    new = BenefitStandard.objects.create(
        benefit_type=old.benefit_type,
        effective_from=dt.date(2025, 3, 1),
        formula="fixed",
        amount=Decimal("1150.00"),
        article=old.article,
        supersedes=old,
    )
    return old, new


def _laurel(old_id: int) -> tuple[float, int]:
    from django.db import transaction

    from benefits.actions import recompute_after_change
    from benefits.models import MonthlyLine

    _reset(old_id)
    start = time.perf_counter()
    with transaction.atomic():
        old, new = _new_row(old_id)
        recompute_after_change(old, new)
    elapsed = time.perf_counter() - start
    return elapsed, MonthlyLine.objects.filter(kind="arrears").count()


def _bare(old_id: int) -> tuple[float, int]:
    from django.db import connection, transaction

    _reset(old_id)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        old, new = _new_row(old_id)
        cur.execute(
            "INSERT INTO benefits_monthlyline (entitlement_id, month, kind, amount, standard_id, article, note, payee, "
            "locked, created_at) SELECT entitlement_id, month, 'arrears', 1150.00 - amount, %s, article, '', '', "
            "false, now() FROM benefits_monthlyline WHERE standard_id = %s AND month >= DATE '2025-03-01'",
            [new.pk, old.pk],
        )
        cur.execute(
            "UPDATE benefits_entitlement SET standard_id = %s, monthly_amount = 1150.00 WHERE standard_id = %s",
            [new.pk, old.pk],
        )
        cur.execute(
            "UPDATE subjects_benefit SET amount = 1150.00 WHERE id IN "
            "(SELECT benefit_id FROM benefits_entitlement WHERE standard_id = %s)",
            [new.pk],
        )
    elapsed = time.perf_counter() - start
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM benefits_monthlyline WHERE kind = 'arrears'")
        count = cur.fetchone()[0]
    return elapsed, count


def main() -> None:
    from bench_crosscheck import _setup_django

    _setup_django()
    print(f"filling {PEOPLE} benefits × {MONTHS} months …", file=sys.stderr, flush=True)
    old_id, _count = _fill()
    laurel, bare = [], []
    for _ in range(3):
        seconds, lines = _laurel(old_id)
        laurel.append(seconds)
        print(f"laurel {seconds:.2f}s ({lines} arrears lines)", file=sys.stderr, flush=True)
        seconds, bare_lines = _bare(old_id)
        bare.append(seconds)
        print(f"bare {seconds:.2f}s ({bare_lines} arrears lines)", file=sys.stderr, flush=True)
        assert lines == bare_lines == PEOPLE * max(0, MONTHS - 2), (lines, bare_lines)
    value, floor = statistics.median(laurel), statistics.median(bare)
    print(
        f"BENCH name=benefits_recompute_after_standard_change value={value:.3f} unit=s floor={floor:.3f} "
        f"ratio={value / floor:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
