"""Benchmark: generating payment rosters at 1M active benefits (PostgreSQL) — one county's, and a
province's (every county of the province), each next to the bare SQL that computes the same rosters.

    .venv/bin/python bench/bench_rosters.py      # LAUREL_BENCH_ROSTERS_SCALE=0.1 for a quicker run

Set-up (not timed; ``bench_benefits``' filler): a PostgreSQL database (``LAUREL_BENCH_ROSTERS_DATABASE_URL``,
default ``postgresql://postgres@127.0.0.1:5432/laurel_bench_rosters``, created if missing, migrated, the
real division tree loaded) holds N people (default 1,000,000) spread over every county, one 定期生活补助
each (1050.00 a month) with M stored regular lines (default 3: 2025-01 … 2025-03) and a bank account
(an encrypted token and its mask). Then ANALYZE.

Timed (median of 3; every roster, roster line and claim removed before each run):

- ``county``: ``benefits.rosters.do_generate_roster`` for the county with the most benefits of the
  province (``LAUREL_BENCH_ROSTERS_PROVINCE``, default 44), cycle 2025-Q1 — its lines claimed, one
  roster line per benefit, the control total, the audit event;
- ``province``: ``benefits.rosters.do_generate_rosters`` for the province: one roster per county,
  filled set-based in one transaction (one audit event);
- the floor of each: the bare SQL producing the same rows — for the province one statement of each
  kind over all its counties (rosters, claims, lines numbered per county, totals).

The figures compare the same result: the number of roster lines and the sum of their amounts are
checked equal between Laurel and the floor. ``LAUREL_BENCH_ROSTERS_REFILL=0`` reuses the previous fill.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCALE = float(os.environ.get("LAUREL_BENCH_ROSTERS_SCALE", "1"))
MONTHS = int(os.environ.get("LAUREL_BENCH_ROSTERS_MONTHS", "3"))
PROVINCE = os.environ.get("LAUREL_BENCH_ROSTERS_PROVINCE", "44")
PERIOD = "2025-Q1"
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_ROSTERS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_rosters"
)
os.environ["LAUREL_BENCH_CROSSCHECK_DATABASE_URL"] = DATABASE_URL  # bench_crosscheck connects here
# bench_benefits fills the people, benefits and lines; it reads these when imported.
os.environ["LAUREL_BENCH_BENEFITS_SCALE"] = str(SCALE)
os.environ["LAUREL_BENCH_BENEFITS_MONTHS"] = str(MONTHS)
os.environ["LAUREL_BENCH_BENEFITS_DATABASE_URL"] = DATABASE_URL
sys.path.insert(0, str(HERE))


def _fill() -> None:
    from bench_benefits import _fill as fill_benefits
    from django.db import connection

    from benefits.rosters import encrypt_account, mask_account

    fill_benefits()
    token, masked = encrypt_account("6222020200112233445"), mask_account("6222020200112233445")
    with connection.cursor() as cur:
        cur.execute("UPDATE benefits_entitlement SET account_encrypted = %s, account_masked = %s", [token, masked])
        cur.execute("VACUUM ANALYZE benefits_entitlement")


def _reset() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM benefits_rosteritem")
        cur.execute("DELETE FROM benefits_roster")
        cur.execute("UPDATE benefits_monthlyline SET roster_id = NULL WHERE roster_id IS NOT NULL")
        cur.execute("VACUUM ANALYZE benefits_monthlyline")
        cur.execute("VACUUM ANALYZE benefits_rosteritem")


def _result(prefix: str) -> tuple[int, Decimal, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), coalesce(sum(i.amount), 0) FROM benefits_rosteritem i "
            "JOIN benefits_roster r ON r.id = i.roster_id WHERE r.county_code LIKE %s",
            [prefix + "%"],
        )
        lines, total = cur.fetchone()
        cur.execute("SELECT count(*) FROM benefits_monthlyline WHERE roster_id IS NOT NULL")
        claimed = cur.fetchone()[0]
    return lines, Decimal(total), claimed


def _bare(counties: list[str]) -> float:
    """The same rosters with bare SQL: one statement of each kind for all the counties."""
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO benefits_roster (division_id, province_code, city_code, county_code, period, status, total, "
            "item_count, created_at) SELECT c, substr(c, 1, 2), substr(c, 1, 4), c, %s, 'draft', 0, 0, now() "
            "FROM unnest(%s::text[]) c",
            [PERIOD, counties],
        )
        cur.execute(
            "UPDATE benefits_monthlyline l SET roster_id = r.id FROM benefits_entitlement e, benefits_roster r "
            "WHERE e.id = l.entitlement_id AND r.county_code = e.county_code AND r.period = %s "
            "AND e.county_code = ANY(%s) AND e.status = 'active' AND e.account_encrypted <> '' "
            "AND l.roster_id IS NULL AND NOT l.locked AND l.month <= DATE '2025-03-31'",
            [PERIOD, counties],
        )
        cur.execute(
            'INSERT INTO benefits_rosteritem (roster_id, "row", entitlement_id, amount, payee, account_encrypted, '
            "account_masked, status, return_reason, needs_correction) "
            "SELECT c.roster_id, row_number() OVER (PARTITION BY c.roster_id ORDER BY c.entitlement_id), "
            "c.entitlement_id, c.amount, substr(s.name, 1, 64), e.account_encrypted, e.account_masked, 'pending', "
            "'', false FROM (SELECT roster_id, entitlement_id, sum(amount) AS amount FROM benefits_monthlyline "
            "WHERE roster_id IN (SELECT id FROM benefits_roster WHERE period = %s) "
            "GROUP BY roster_id, entitlement_id) c "
            "JOIN benefits_entitlement e ON e.id = c.entitlement_id JOIN subjects_subject s ON s.id = e.subject_id",
            [PERIOD],
        )
        cur.execute(
            "UPDATE benefits_roster r SET total = t.total, item_count = t.n FROM (SELECT roster_id, sum(amount) AS "
            "total, count(*) AS n FROM benefits_rosteritem GROUP BY roster_id) t WHERE t.roster_id = r.id"
        )
    return time.perf_counter() - start


def _laurel_county(county: str) -> float:
    from benefits.rosters import do_generate_roster

    start = time.perf_counter()
    do_generate_roster(county, PERIOD, actor=None)
    return time.perf_counter() - start


def _laurel_province() -> float:
    from benefits.rosters import do_generate_rosters

    start = time.perf_counter()
    do_generate_rosters(PROVINCE, PERIOD, actor=None)
    return time.perf_counter() - start


def _measure(name: str, laurel_run: object, counties: list[str], prefix: str) -> None:
    laurel, bare, checked = [], [], None
    for _ in range(3):
        _reset()
        laurel.append(laurel_run())  # type: ignore[operator]
        mine = _result(prefix)
        _reset()
        bare.append(_bare(counties))
        floor_result = _result(prefix)
        assert mine == floor_result, (mine, floor_result)
        checked = mine
        print(f"{name}: laurel {laurel[-1]:.3f}s bare {bare[-1]:.3f}s {mine}", file=sys.stderr, flush=True)
    value, floor = statistics.median(laurel), statistics.median(bare)
    assert checked is not None
    print(
        f"BENCH name=rosters_generate_{name} value={value:.3f} unit=s floor={floor:.3f} ratio={value / floor:.2f} "
        f"lines={checked[0]} claimed={checked[2]} counties={len(counties)} benefits={int(1_000_000 * SCALE)} "
        f"load={os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main() -> None:
    from bench_crosscheck import _setup_django

    _setup_django()
    from django.db import connection

    if os.environ.get("LAUREL_BENCH_ROSTERS_REFILL", "1") != "0":
        print(f"filling {int(1_000_000 * SCALE)} benefits × {MONTHS} months …", file=sys.stderr, flush=True)
        _fill()
    # else: reuse the previous fill (same scale) to rerun the timings only
    with connection.cursor() as cur:
        cur.execute(
            "SELECT county_code, count(*) FROM benefits_entitlement WHERE province_code = %s AND status = 'active' "
            "GROUP BY county_code ORDER BY count(*) DESC, county_code",
            [PROVINCE],
        )
        rows = cur.fetchall()
    counties = [code for code, _n in rows]
    biggest = counties[0]
    _measure("county", lambda: _laurel_county(biggest), [biggest], biggest)
    _measure("province", _laurel_province, counties, PROVINCE)


if __name__ == "__main__":
    main()
