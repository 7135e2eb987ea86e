"""Benchmark: linkage without a shared ID — precision and recall against the exact-ID baseline (PostgreSQL).

    .venv/bin/python bench/bench_linkage.py      # LAUREL_BENCH_LINKAGE_PEOPLE=2000 for a quick run

Generated data with known truth (seeded): N people (default 10,000) in five counties of one city, with
names drawn from common surnames and given-name characters (so that namesakes occur, as they do), birth
dates 1930–1975 and a sex. A public-security household extract names half of them plus 10 % people who are
not in the register; in it, 20 % of the records have a corrupted ID number (one digit changed, so the check
digit fails) or none, 5 % a name with one character mistyped and 2 % a birth date with one digit mistyped.

The extract is loaded through the product path (``crosscheck.actions.do_load_dataset``, as an upload), then
linked (``crosscheck.linkage.do_link_records`` with the default thresholds; the review band is not
counted as linked). The **floor** is the exact-ID baseline: the records whose ID number's blind index
finds a person. Both are scored against the truth:

- precision: the links that name the right person, among all links made;
- recall: the records of people in the register that are linked to the right person.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEOPLE = int(os.environ.get("LAUREL_BENCH_LINKAGE_PEOPLE", "10000"))
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_LINKAGE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_linkage"
)
os.environ["LAUREL_BENCH_CROSSCHECK_DATABASE_URL"] = DATABASE_URL  # bench_crosscheck's helpers connect here
sys.path.insert(0, str(HERE))

COUNTIES = ["440103", "440104", "440105", "440106", "440111"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国志强秀英桂兰海燕德明玉珍春花文华永刚红梅军平丽娟淑芬金凤成林玉兰国华利民振华立新"


_ISSUED: set[str] = set()


def _id_number(rng: random.Random, county: str, born: dt.date, seq: int) -> str:
    """A valid ID number not issued before in this run (county, birth date and sequence make it unique)."""
    from subjects import ids

    sequence = seq % 1000
    while True:
        number = ids.build(county, born, sequence)
        if number not in _ISSUED:
            _ISSUED.add(number)
            return number
        sequence = (sequence + 1 + rng.randrange(7)) % 1000


def _corrupt(number: str, rng: random.Random) -> str:
    """One digit of the body changed: the check digit then fails."""
    i = rng.randrange(6, 17)
    digit = str((int(number[i]) + 1 + rng.randrange(8)) % 10)
    return number[:i] + digit + number[i + 1 :]


def _typo(text: str, rng: random.Random, pool: str) -> str:
    i = rng.randrange(len(text))
    return text[:i] + rng.choice([c for c in pool if c != text[i]]) + text[i + 1 :]


def _people(rng: random.Random) -> list[dict[str, Any]]:
    people = []
    for seq in range(PEOPLE):
        county = rng.choice(COUNTIES)
        born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45))
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        number = _id_number(rng, county, born, seq)
        people.append(
            {
                "name": rng.choice(SURNAMES) + given,
                "born": born,
                "sex": "male" if int(number[16]) % 2 else "female",  # as the ID number says
                "county": county,
                "number": number,
            }
        )
    return people


def _fill(people: list[dict[str, Any]]) -> dict[str, int]:
    """The register, bulk-written; returns {blind index: subject id}."""
    from django.core.management import call_command
    from django.db import connection

    from jurisdictions.models import Division, Located
    from subjects import ids
    from subjects.models import Subject

    call_command("migrate", verbosity=0)
    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE subjects_subject, crosscheck_datasetbatch RESTART IDENTITY CASCADE")
    rows = []
    for p in people:
        number = str(p["number"])
        rows.append(
            Subject(
                division_id=p["county"],
                **Located.codes_for(str(p["county"])),
                name=p["name"],
                id_number_encrypted=ids.encrypt(number),
                id_number_hmac=ids.blind_index(number),
                id_number_masked=ids.mask(number),
                sex=p["sex"],
                ethnicity="01",
                birth_date=p["born"],
                category="retired_soldier",
                provenance={},
            )
        )
    Subject.objects.bulk_create(rows, batch_size=2000)
    return dict(Subject.objects.values_list("id_number_hmac", "pk"))


def _extract(people: list[dict[str, Any]], rng: random.Random) -> tuple[bytes, dict[int, int | None]]:
    """The department's CSV and the truth: {row number: subject index in ``people`` or None}."""
    chosen = rng.sample(range(len(people)), len(people) // 2)
    outsiders: list[dict[str, Any]] = [
        {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "born": dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45)),
            "sex": rng.choice(("male", "female")),
            "county": rng.choice(COUNTIES),
            "number": "",
        }
        for _ in range(len(chosen) // 10)
    ]
    for i, o in enumerate(outsiders):
        o["number"] = number = _id_number(rng, str(o["county"]), o["born"], PEOPLE + i)
        o["sex"] = "male" if int(number[16]) % 2 else "female"
    records: list[tuple[dict[str, Any], int | None]] = [(people[i], i) for i in chosen]
    records += [(o, None) for o in outsiders]
    rng.shuffle(records)
    lines = ["公民身份号码,姓名,性别,出生日期,户籍地区划代码"]
    truth: dict[int, int | None] = {}
    for n, (p, index) in enumerate(records, start=2):
        number, name, born = str(p["number"]), str(p["name"]), p["born"].isoformat()
        roll = rng.random()
        if roll < 0.10:
            number = ""
        elif roll < 0.20:
            number = _corrupt(number, rng)
        if rng.random() < 0.05:
            name = _typo(name, rng, GIVEN)
        if rng.random() < 0.02:
            born = (
                _typo(born[:4], rng, "0123456789") + born[4:]
                if rng.random() < 0.5
                else born[:-1] + str((int(born[-1]) + 1) % 10)
            )
        sex = "男" if p["sex"] == "male" else "女"
        lines.append(f"{number},{name},{sex},{born},{p['county']}")
        truth[n] = index
    return ("\n".join(lines) + "\n").encode(), truth


def _score(links: dict[int, int], truth: dict[int, int | None], ids_of: list[int]) -> tuple[float, float]:
    right = 0
    for row, subject in links.items():
        index = truth.get(row)
        if index is not None and ids_of[index] == subject:
            right += 1
    matchable = sum(1 for index in truth.values() if index is not None)
    precision = right / len(links) if links else 1.0
    return precision, right / matchable


def main() -> None:
    from bench_crosscheck import _setup_django

    _setup_django()
    from crosscheck import actions, linkage
    from crosscheck.models import DatasetRow, UnidentifiedRow, UnidentifiedStatus
    from jurisdictions.models import Department

    rng = random.Random(20261207)
    people = _people(rng)
    print(f"filling {len(people)} people …", file=sys.stderr, flush=True)
    by_hmac = _fill(people)
    from subjects import ids

    ids_of = [by_hmac[ids.blind_index(str(p["number"]))] for p in people]
    data, truth = _extract(people, rng)
    batch, _created = actions.do_load_dataset(
        data, file_name="hukou-bench.csv", department=Department.PUBLIC_SECURITY, actor=None, coverage_code="4401"
    )
    staged = DatasetRow.objects.filter(batch=batch).values_list("row_number", "id_hmac")
    baseline = {row: by_hmac[h] for row, h in staged if h in by_hmac}
    start = time.perf_counter()
    run = linkage.do_link_records(batch, actor=None)
    seconds = time.perf_counter() - start
    linked = dict(
        UnidentifiedRow.objects.filter(batch=batch, status=UnidentifiedStatus.LINKED).values_list(
            "row_number", "subject_id"
        )
    )
    base_p, base_r = _score(baseline, truth, ids_of)
    both_p, both_r = _score({**baseline, **linked}, truth, ids_of)
    load = os.getloadavg()[0]
    print(
        f"# {len(people)} people, {len(truth)} department records ({batch.rejected_rows} without a valid ID; "
        f"{run.counts['auto_linked']} linked, {run.counts['review']} for review, {run.counts['no_match']} no match) "
        f"in {seconds:.1f} s; load average {load:.1f}",
        flush=True,
    )
    print(
        f"BENCH name=linkage_precision value={both_p:.4f} unit=share floor={base_p:.4f} ratio={both_p / base_p:.3f}",
        flush=True,
    )
    print(
        f"BENCH name=linkage_recall value={both_r:.4f} unit=share floor={base_r:.4f} ratio={both_r / base_r:.3f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
