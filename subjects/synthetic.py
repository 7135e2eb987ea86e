"""Synthetic subjects: valid ID numbers, plausible names (some rare characters), realistic proportions.

Deterministic for a given seed. Used by ``generate_subjects`` (demo data), the tests and the
import benchmark (which writes the same rows as a CSV file).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from . import ids
from .models import Category

# Roughly the shape of the register: mostly retired soldiers, then families of active servicemen.
CATEGORY_WEIGHTS: list[tuple[str, float]] = [
    (Category.RETIRED_SOLDIER, 70.0),
    (Category.ACTIVE_SERVICEMAN_FAMILY, 10.0),
    (Category.RETIRED_OFFICER, 6.0),
    (Category.EARLY_DEMOBILISED, 3.0),
    (Category.MARTYR_SURVIVOR, 3.0),
    (Category.DIED_OF_ILLNESS_SURVIVOR, 2.0),
    (Category.RETIRED_STAFF_NON_MILITARY, 1.5),
    (Category.DISABLED_MILITIA, 1.5),
    (Category.KILLED_ON_DUTY_SURVIVOR, 1.0),
    (Category.RETIRED_CADRE_NON_MILITARY, 1.0),
    (Category.DISPERSED_RED_ARMY, 0.1),
    (Category.RED_ARMY_VETERAN, 0.1),
    (Category.WEST_ROUTE_RED_ARMY, 0.02),
]
BIRTH_YEARS: dict[str, tuple[int, int]] = {
    Category.RED_ARMY_VETERAN: (1912, 1934),
    Category.WEST_ROUTE_RED_ARMY: (1912, 1925),
    Category.DISPERSED_RED_ARMY: (1912, 1930),
    Category.EARLY_DEMOBILISED: (1925, 1956),
    Category.RETIRED_CADRE_NON_MILITARY: (1925, 1940),
    Category.RETIRED_STAFF_NON_MILITARY: (1930, 1960),
    Category.RETIRED_OFFICER: (1940, 1985),
    Category.RETIRED_SOLDIER: (1945, 2005),
    Category.DISABLED_MILITIA: (1930, 1975),
}
FAMILY_BIRTH_YEARS = (1935, 2012)
SERVICEMAN_STATUS: dict[str, str] = {
    Category.MARTYR_SURVIVOR: "martyr",
    Category.KILLED_ON_DUTY_SURVIVOR: "killed_on_duty",
    Category.DIED_OF_ILLNESS_SURVIVOR: "died_of_illness",
    Category.ACTIVE_SERVICEMAN_FAMILY: "active_duty",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容")
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强文红梅海燕鹏飞玉兰春梅国庆"
    "德胜振华卫东永红小平立新光明学军爱民红军建军铁军保国卫国金山银花凤英"
    "桂兰淑珍玉珍"
)
# Characters outside the basic plane or rarely in fonts: names with them must round-trip exactly.
RARE = ("䶮", "𫖯", "𬌗", "堃", "喆", "赟", "玥", "珺", "昇", "犇", "𬘭", "𫍽")
AFFILIATIONS = ("cpc_member", "cpc_member", "masses", "masses", "masses", "cyl_member")
RESETTLEMENTS = ("assigned_job", "self_employment", "self_arranged", "self_chosen_career")
UNITS = ("某集团军某旅", "某师某团", "某海军基地", "某空军场站", "武警某支队", "某军分区", "某舰艇支队")
EMPLOYMENT_BY_AGE = (
    (70, ["retired"] * 8 + ["farming"] * 2),
    (55, ["retired"] * 4 + ["farming"] * 3 + ["self_employed", "unemployed", "laid_off"]),
    (0, ["enterprise"] * 4 + ["public_institution", "self_employed", "farming", "public_welfare_post", "unemployed"]),
)
GRIEVANCES = (
    "",
    "",
    "",
    "退役时抚恤关系未转接，请求核实补发。",
    "1978年后退役符合安置条件但未安排工作。",
    "住房困难，申请保障性住房。",
    "士官转业待安置期间生活补助未发放。",
    "伤残等级评定有异议，申请复核。",
    "申请参加城镇职工养老保险补缴。",
)

# The reference shown beside each generated value ("where did this come from?"), in the users' words.
SYNTHETIC_REF = "合成演示数据"


def _name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
    pool = GIVEN
    length = 2 if rng.random() < 0.7 else 1
    given = "".join(rng.choice(pool) for _ in range(length))
    if rng.random() < 0.02:
        given = given[:-1] + rng.choice(RARE)
    return surname + given


def _phone(number: str) -> str:
    """A made-up mobile number for about 60% of people, derived from the ID number.

    Derived rather than drawn from ``rng`` so that adding it left every other generated value
    (and the tests and benches that rely on them) unchanged.
    """
    digest = hashlib.sha256(number.encode()).hexdigest()
    return "13" + str(int(digest[:12], 16))[-9:].zfill(9) if int(digest[12], 16) < 10 else ""


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max((end - start).days, 1)))


def generate(
    count: int, division_codes: list[str], *, seed: int = 0, today: dt.date | None = None
) -> Iterator[dict[str, Any]]:
    """``count`` subjects as dicts of model field values plus ``id_number`` (18 characters).

    ``division_codes`` are the household registration divisions (counties or townships); the
    ID number's prefix is the county. Numbers are unique within one call.
    """
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    today = today or timezone.localdate()
    categories = [c for c, _w in CATEGORY_WEIGHTS]
    weights = [w for _c, w in CATEGORY_WEIGHTS]
    seen: set[str] = set()
    produced = 0
    while produced < count:
        category = rng.choices(categories, weights)[0]
        division = rng.choice(division_codes)
        family = category in (
            Category.MARTYR_SURVIVOR,
            Category.KILLED_ON_DUTY_SURVIVOR,
            Category.DIED_OF_ILLNESS_SURVIVOR,
            Category.ACTIVE_SERVICEMAN_FAMILY,
        )
        first, last = FAMILY_BIRTH_YEARS if family else BIRTH_YEARS[category]
        last = min(last, today.year - 18 if not family else today.year - 1)
        birth = _date_between(rng, dt.date(first, 1, 1), dt.date(last, 12, 31))
        male = rng.random() < (0.35 if family else 0.96)
        sequence = rng.randrange(500) * 2 + (1 if male else 0)
        number = ids.build(division[:6], birth, sequence)
        if number in seen:
            continue
        seen.add(number)
        produced += 1
        age = today.year - birth.year
        row: dict[str, Any] = {
            "id_number": number,
            "name": _name(rng),
            "sex": "male" if male else "female",
            "birth_date": birth,
            "ethnicity": "01" if rng.random() < 0.91 else f"{rng.randrange(2, 57):02d}",
            "political_affiliation": rng.choice(
                ["cpc_member", "cpc_member", "masses", "masses", "masses", "cyl_member"]
            ),
            "category": category,
            "division": division,
            "hukou_address": f"{rng.randrange(1, 300)}号",
            "employment": rng.choice(next(choices for floor, choices in EMPLOYMENT_BY_AGE if age >= floor)),
            "owns_home": rng.random() < 0.8,
            "grievances": rng.choice(GRIEVANCES),
            "confirmation_method": rng.choice(["on_site"] * 6 + ["self_declared"] * 3 + ["home_visit"]),
            "phone": _phone(number),
        }
        if row["owns_home"]:
            row["housing_tenure"] = "owned"
            row["floor_area"] = Decimal(rng.randrange(300, 1600)) / 10
        else:
            row["housing_tenure"] = rng.choice(["rented", "public_rental", "borrowed"])
        if not family:
            start = _date_between(rng, dt.date(birth.year + 17, 1, 1), dt.date(birth.year + 22, 12, 31))
            years = 2 if category == Category.RETIRED_SOLDIER and rng.random() < 0.6 else rng.randrange(3, 25)
            end = min(dt.date(start.year + years, start.month, 28), today)
            row.update(
                {
                    "service_start": min(start, today),
                    "service_end": end,
                    "rank_class": "officer"
                    if category == Category.RETIRED_OFFICER
                    else ("nco" if years > 2 else "conscript"),
                    "service_unit": rng.choice(UNITS),
                    "resettlement": rng.choice(
                        ["assigned_job", "self_employment", "self_arranged", "self_chosen_career"]
                    ),
                }
            )
        else:
            row.update(
                {
                    "serviceman_name": _name(rng),
                    "serviceman_status": SERVICEMAN_STATUS[category],
                    "relation": rng.choice(["spouse", "parent", "child", "child", "sibling"]),
                }
            )
        yield row


# Columns of the county template written by :func:`write_csv` (Chinese headers, Chinese values).
CSV_COLUMNS = [
    "id_number",
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "political_affiliation",
    "category",
    "division",
    "hukou_address",
    "service_start",
    "service_end",
    "rank_class",
    "service_unit",
    "resettlement",
    "employment",
    "owns_home",
    "housing_tenure",
    "floor_area",
    "grievances",
    "confirmation_method",
    "serviceman_name",
    "serviceman_status",
    "relation",
]


def write_csv(path: Path, rows: Iterator[dict[str, Any]], *, encoding: str = "utf-8-sig") -> int:
    """Write rows as an import file (county template, English keys as values). Returns the count."""
    from .importer import COLUMN_BY_KEY

    written = 0
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([COLUMN_BY_KEY[key].headers[0] for key in CSV_COLUMNS])
        for row in rows:
            values = []
            for key in CSV_COLUMNS:
                value = row.get(key, "")
                if isinstance(value, bool):
                    value = "有" if value else "无"
                values.append("" if value is None else str(value))
            writer.writerow(values)
            written += 1
    return written


BENEFIT_CHOICES = (
    ("state_pension", (800, 3500)),
    ("state_subsidy", (300, 1500)),
    ("basic_medical", (0, 0)),
    ("employee_pension", (1500, 5000)),
    ("rural_pension", (100, 400)),
    ("dibao", (400, 1100)),
    ("disability_subsidies", (100, 300)),
)


def insert(rows: list[dict[str, Any]], *, seed: int = 0, provenance: str = "caseworker_entry") -> int:
    """Put generated rows on file in bulk (those already on file are skipped), with some benefits.

    Bypasses the per-record actions on purpose (speed); the caller records one audit event.
    """
    from django.db import transaction
    from django.utils import timezone

    from core import bulk
    from jurisdictions.models import Located

    from . import summary
    from .models import Benefit, Subject

    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    now = timezone.now()
    entry = {"source": provenance, "ref": SYNTHETIC_REF, "at": now.isoformat()}
    index = ids.blind_indexer()
    numbers = [r["id_number"] for r in rows]
    tokens = ids.encrypt_many(numbers)
    objects = []
    for row, token in zip(rows, tokens, strict=True):
        values = {k: v for k, v in row.items() if k not in ("id_number", "division")}
        objects.append(
            Subject(
                division_id=row["division"],
                id_number_encrypted=token,
                id_number_hmac=index(row["id_number"]),
                id_number_masked=ids.mask(row["id_number"]),
                provenance={"*": entry},
                created_at=now,
                updated_at=now,
                **Located.codes_for(row["division"]),
                **values,
            )
        )
    attnames = [f.attname for f in Subject._meta.concrete_fields if f.attname != "id"]
    with transaction.atomic():
        with summary.track(hmacs=[o.id_number_hmac for o in objects]):
            inserted = bulk.insert_new(
                Subject, [{a: getattr(o, a) for a in attnames} for o in objects], unique="id_number_hmac"
            )
        new = Subject.objects.filter(id_number_hmac__in=list(inserted)).values_list("id", "birth_date")
        benefits = []
        for subject_id, birth in new:
            for benefit_type, (low, high) in BENEFIT_CHOICES:
                if rng.random() < 0.12:
                    start = _date_between(rng, max(birth, dt.date(2000, 1, 1)), now.date())
                    benefits.append(
                        Benefit(
                            subject_id=subject_id,
                            benefit_type=benefit_type,
                            amount=Decimal(rng.randrange(low, high + 1)) if high else Decimal(0),
                            start=start,
                            provenance=provenance,
                            source_ref=SYNTHETIC_REF,
                        )
                    )
        Benefit.objects.bulk_create(benefits, batch_size=1000)
    return len(inserted)
