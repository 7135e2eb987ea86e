"""Benchmark: a province campaign's silent data match (年度确认) over N people (PostgreSQL).

    .venv/bin/python bench/bench_confirmation.py    # LAUREL_BENCH_CONFIRMATION_SCALE=0.1 for 100,000

Set-up (not timed): a PostgreSQL database (``LAUREL_BENCH_CONFIRMATION_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_confirmation``, created if missing, migrated, the
real division tree loaded) is refilled set-based: N people (default 1,000,000) over the counties of
广东省 (44), one 定期生活补助 each; department feeds loaded today: household registration for everyone
(1 % 注销), medical insurance for everyone (settlement dates spread over the last 400 days), HR and
social security for 60 % (contribution months spread over the last 14 months, 1 in 6 receiving a
pension), civil affairs for 10 % (half receiving 低保), deaths for 0.5 %. Then the province's
campaign is opened (``do_open_campaign``: N items) and ANALYZE.

Timed (median of 3, each from every item open again): ``benefits.confirmation.do_data_match`` — the
veto rules, then one ``UPDATE … FROM`` per living-evidence rule, then the spot-check draw. The floor is
the bare SQL that gives the same items (checked: per rule, the count, the batch ids' sum and the
evidence dates' sum): one ``UPDATE`` marking the vetoed, one ``UPDATE … FROM`` of every rule's rows at
once (``DISTINCT ON`` the person, in the rules' order), one for the draw (goal: within 2×).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCALE = float(os.environ.get("LAUREL_BENCH_CONFIRMATION_SCALE", "1"))
PEOPLE = int(1_000_000 * SCALE)
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_CONFIRMATION_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_confirmation"
)
os.environ["LAUREL_BENCH_CROSSCHECK_DATABASE_URL"] = DATABASE_URL  # bench_crosscheck's helpers connect here
sys.path.insert(0, str(HERE))
ITEM = "benefits_confirmationitem"


def _batch(department: str, layout: str) -> int:
    from crosscheck.models import BatchStatus, DatasetBatch

    sha = hashlib.sha256(f"{layout}-{PEOPLE}".encode()).hexdigest()
    return DatasetBatch.objects.create(
        department=department, layout=layout, file_name=f"{layout}.csv", sha256=sha, status=BatchStatus.LOADED
    ).pk


def _rows(cur: Any, batch: int, given: dict[str, str], where: str) -> None:
    from bench_crosscheck import _filler

    columns, values = _filler(
        "crosscheck_datasetrow",
        {"batch_id": str(batch), "row_number": "s.id", "id_hmac": "s.id_number_hmac", "id_masked": "''", **given},
    )
    cur.execute(f"INSERT INTO crosscheck_datasetrow {columns} SELECT {values} FROM subjects_subject s WHERE {where}")


def _fill() -> int:
    """People, benefits, feeds, the campaign; returns the campaign's id."""
    from benefit_fill import people_with_benefits
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from benefits import confirmation
    from jurisdictions.models import Division

    call_command("migrate", verbosity=0)
    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute(
            "TRUNCATE subjects_subject, subjects_benefit, benefits_benefitstandard, benefits_entitlement, "
            "benefits_monthlyline, benefits_confirmationcampaign, benefits_confirmationitem, "
            "crosscheck_datasetbatch, crosscheck_datasetrow RESTART IDENTITY CASCADE"
        )
    with connection.cursor() as cur:
        people_with_benefits(cur, PEOPLE, province="44")
        hukou = _batch("public_security", "public_security.hukou")
        _rows(cur, hukou, {"division_code": "s.division_id", "flag": "(s.id % 100 <> 7)"}, "true")
        deaths = _batch("public_security", "public_security.deaths")
        _rows(cur, deaths, {"event_date": "CURRENT_DATE - 30"}, "s.id % 200 = 3")
        medical = _batch("medical_insurance", "medical_insurance.enrolment")
        _rows(
            cur,
            medical,
            {"benefit_type": "'basic_medical'", "receiving": "true", "event_date": "CURRENT_DATE - (s.id % 400)::int"},
            "true",
        )
        insurance = _batch("hr_social_security", "hr_social_security.insurance")
        _rows(
            cur,
            insurance,
            {
                "benefit_type": "'employee_pension'",
                "receiving": "(s.id % 6 = 0)",
                "event_date": "(date_trunc('month', CURRENT_DATE) - make_interval(months => (s.id % 14)::int))::date",
            },
            "s.id % 10 < 6",
        )
        assistance = _batch("civil_affairs", "civil_affairs.assistance")
        _rows(cur, assistance, {"benefit_type": "'dibao'", "receiving": "(s.id % 2 = 0)"}, "s.id % 10 = 9")
        cur.execute("ANALYZE")
    campaign = confirmation.do_open_campaign("44", year=timezone.localdate().year, actor=None)
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {ITEM}")
    return campaign.pk


def _reset(campaign_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {ITEM} SET status = 'open', method = '', evidence_rule = '', evidence_batch_id = NULL, "
            f"evidence_date = NULL, confirmed_at = NULL, death_record = false, spot_check = '' "
            f"WHERE campaign_id = %s",
            [campaign_id],
        )
        cur.execute(f"VACUUM ANALYZE {ITEM}")


def _result(campaign_id: int) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT status, evidence_rule, death_record, spot_check, count(*), sum(coalesce(evidence_batch_id, 0)), "
            f"sum(coalesce(evidence_date - DATE '2000-01-01', 0)) FROM {ITEM} WHERE campaign_id = %s "
            f"GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            [campaign_id],
        )
        return list(cur.fetchall())


def _laurel(campaign_id: int) -> float:
    from benefits import confirmation
    from benefits.models import ConfirmationCampaign

    _reset(campaign_id)
    start = time.perf_counter()
    confirmation.do_data_match(ConfirmationCampaign.objects.get(pk=campaign_id), actor=None)
    return time.perf_counter() - start


def _bare(campaign_id: int) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from benefits.confirmation import evidence_since

    _reset(campaign_id)
    since = evidence_since(timezone.localdate())
    today = timezone.localdate()
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT layout, max(id) FROM crosscheck_datasetbatch WHERE status = 'loaded' GROUP BY layout")
        b = dict(cur.fetchall())
        cur.execute(
            f"UPDATE {ITEM} SET death_record = true WHERE campaign_id = %s AND status = 'open' AND subject_id IN ("
            f"SELECT s.id FROM crosscheck_datasetrow r JOIN subjects_subject s ON s.id_number_hmac = r.id_hmac "
            f"WHERE r.batch_id = %s OR (r.batch_id = %s AND r.flag = false))",
            [campaign_id, b["public_security.deaths"], b["public_security.hukou"]],
        )
        cur.execute(
            f"UPDATE {ITEM} i SET status = 'confirmed', method = 'data_match', evidence_rule = e.rule, "
            f"evidence_batch_id = e.batch_id, evidence_date = e.evidence_date, confirmed_at = now() FROM ("
            f"SELECT DISTINCT ON (s.id) s.id AS subject_id, x.rule, x.batch_id, x.evidence_date "
            f"FROM (SELECT CASE WHEN r.batch_id = %(med)s AND r.event_date >= %(since)s THEN 1 "
            f"WHEN r.batch_id = %(ins)s AND r.event_date >= %(since)s THEN 2 "
            f"WHEN r.batch_id IN (%(ins)s, %(ass)s) AND r.receiving THEN 3 "
            f"WHEN r.batch_id = %(huk)s AND (r.flag IS NULL OR r.flag) THEN 4 END AS priority, "
            f"r.id_hmac, r.batch_id, "
            f"CASE WHEN r.batch_id IN (%(med)s, %(ins)s) AND r.event_date >= %(since)s THEN r.event_date "
            f"ELSE %(today)s END AS evidence_date, "
            f"CASE WHEN r.batch_id = %(med)s THEN 'medical_settlement' WHEN r.batch_id = %(ins)s "
            f"AND r.event_date >= %(since)s THEN 'contribution' WHEN r.batch_id = %(huk)s THEN 'hukou' "
            f"ELSE 'benefit_receipt' END AS rule "
            f"FROM crosscheck_datasetrow r WHERE r.batch_id IN (%(med)s, %(ins)s, %(ass)s, %(huk)s)) x "
            f"JOIN subjects_subject s ON s.id_number_hmac = x.id_hmac WHERE x.priority IS NOT NULL "
            f"ORDER BY s.id, x.priority, x.batch_id) e "
            f"WHERE i.subject_id = e.subject_id AND i.campaign_id = %(campaign)s AND i.status = 'open' "
            f"AND NOT i.death_record",
            {
                "med": b["medical_insurance.enrolment"],
                "ins": b["hr_social_security.insurance"],
                "ass": b["civil_affairs.assistance"],
                "huk": b["public_security.hukou"],
                "since": since,
                "today": today,
                "campaign": campaign_id,
            },
        )
        cur.execute(
            f"UPDATE {ITEM} SET spot_check = 'pending' WHERE campaign_id = %s AND status = 'confirmed' "
            f"AND method = 'data_match' AND spot_check = '' AND (id * 7919) %% 100 < 5",
            [campaign_id],
        )
    return time.perf_counter() - start


def main() -> None:
    from bench_crosscheck import _setup_django

    _setup_django()
    print(f"filling {PEOPLE} people, their feeds and the campaign …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    campaign_id = _fill()
    print(f"filled in {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    laurel, bare = [], []
    for _ in range(3):
        seconds = _laurel(campaign_id)
        laurel.append(seconds)
        mine = _result(campaign_id)
        print(f"laurel {seconds:.2f}s", file=sys.stderr, flush=True)
        seconds = _bare(campaign_id)
        bare.append(seconds)
        floor_result = _result(campaign_id)
        print(f"bare {seconds:.2f}s", file=sys.stderr, flush=True)
        assert mine == floor_result, (mine, floor_result)
    confirmed = sum(row[4] for row in mine if row[0] == "confirmed")
    value, floor = statistics.median(laurel), statistics.median(bare)
    print(
        f"BENCH name=confirmation_data_match value={value:.3f} unit=s floor={floor:.3f} ratio={value / floor:.2f} "
        f"people={PEOPLE} confirmed={confirmed} load={os.getloadavg()[0]:.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
