"""Shared set-based filler of the benefits benchmarks (``bench_benefits``, ``bench_confirmation``,
``bench_rosters`` through ``bench_benefits``): N people spread over the counties (of one province or of
the whole country), one 定期生活补助 each in the register, and its entitlement paying ``amount`` a
month from 2025-01 under one fixed standard. Not a benchmark itself (``bench/run.py`` runs ``bench_*.py``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any


def people_with_benefits(cur: Any, people: int, *, province: str = "", amount: str = "1050.00") -> int:
    """Insert ``people`` subjects, their benefits and entitlements (one statement each); returns the
    standard's id. The caller has emptied the tables; ``province`` limits the counties (e.g. ``"44"``)."""
    from bench_crosscheck import _filler

    from benefits.models import BenefitStandard

    standard = BenefitStandard.objects.create(
        benefit_type="living_subsidy",
        effective_from=dt.date(2025, 1, 1),
        formula="fixed",
        amount=Decimal(amount),
        article="第六十二条",
    )
    cur.execute("DROP TABLE IF EXISTS bench_counties")
    cur.execute(
        "CREATE TEMP TABLE bench_counties AS SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS i "
        "FROM jurisdictions_division WHERE level = 3 AND code LIKE %s",
        [province + "%"],
    )
    cur.execute("SELECT count(*) FROM bench_counties")
    counties = cur.fetchone()[0]
    columns, values = _filler(
        "subjects_subject",
        {
            "division_id": "c.code",
            "province_code": "substr(c.code, 1, 2)",
            "city_code": "substr(c.code, 1, 4)",
            "county_code": "c.code",
            "name": "'测试' || g",
            "id_number_encrypted": "'x'",
            "id_number_hmac": "md5('s' || g) || md5('t' || g)",
            "id_number_masked": "'440106********000X'",
            "sex": "'male'",
            "ethnicity": "'01'",
            "birth_date": "DATE '1930-01-01' + (g % 20000)",
            "category": "'retired_soldier'",
            "status": "'active'",
            "provenance": "'{}'::jsonb",
        },
    )
    cur.execute(
        f"INSERT INTO subjects_subject {columns} SELECT {values} "
        f"FROM generate_series(1, {int(people)}) g JOIN bench_counties c ON c.i = g % {counties}"
    )
    columns, values = _filler(
        "subjects_benefit",
        {
            "subject_id": "s.id",
            "benefit_type": "'living_subsidy'",
            "amount": amount,
            "start": "DATE '2025-01-01'",
            "status": "'active'",
            "provenance": "'approved_case'",
        },
    )
    cur.execute(f"INSERT INTO subjects_benefit {columns} SELECT {values} FROM subjects_subject s")
    columns, values = _filler(
        "benefits_entitlement",
        {
            "benefit_id": "b.id",
            "subject_id": "b.subject_id",
            "division_id": "s.division_id",
            "province_code": "s.province_code",
            "city_code": "s.city_code",
            "county_code": "s.county_code",
            "benefit_type": "'living_subsidy'",
            "effective_month": "DATE '2025-01-01'",
            "standard_id": str(standard.pk),
            "monthly_amount": amount,
            "status": "'active'",
        },
    )
    cur.execute(
        f"INSERT INTO benefits_entitlement {columns} SELECT {values} "
        f"FROM subjects_benefit b JOIN subjects_subject s ON s.id = b.subject_id"
    )
    return standard.pk
