"""Benchmark: decision letters per second per worker process, and peak memory, over 1,000 letters.

    .venv/bin/python bench/bench_letters.py          # LAUREL_BENCH_LETTERS=100 for a quick run

Set-up (not timed): a throwaway SQLite database and signing pair in a temporary directory,
one case, and N "return for correction" letters requested through ``do_request_letter``
(numbered, snapshotted, job rows queued). Then two fresh processes, one after the other:

- ``letters``: the render job's body for each letter (``render_letter.call``: template,
  QR code, WeasyPrint PDF/A-3b with the missing-glyph watch, pyHanko signature, SHA-256,
  write-once file, row update and audit event) — what one ``db_worker`` process does;
- ``bare`` (the floor): WeasyPrint alone rendering the first letter's exact HTML (N times, or
  ``LAUREL_BENCH_LETTERS_FLOOR``, default at most 200: the CPU floor needs no more, and a
  1,000-letter run then fits in ``make bench``), with the same single FontConfiguration and
  PDF/A-3b variant — the same rendering, none of the rest, in a process without Django.

The letters process renders through ``letters.rendering``, which stops WeasyPrint copying each
embedded font's whole file per document (it keeps only the subset; the PDF is byte for byte the
same). That is part of the product path, so the floor stays plain WeasyPrint; but to show what the
rest of the path (template, QR code, signature, SQL, audit, file) adds on its own, the letters
process then renders the same HTML bare ``LAUREL_BENCH_LETTERS_RENDERER`` times (default 40) with
that font handling, and prints the difference (``letter_overhead_*``).

Prints one ``BENCH`` line per figure (rate, peak RSS, RSS after the warm-up
letter, at the middle letter and after the last, CPU per letter) with the bare figure
as ``floor`` and ``ratio=value/floor``, each with the load average and the letter count; and the
growth of resident memory (least squares over 40 samples, MiB per 1,000 letters) over the whole
run and over its second half, once bounded caches have filled (``letter_rss_slope*``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNT = int(os.environ.get("LAUREL_BENCH_LETTERS", "1000"))
FLOOR_COUNT = max(2, min(COUNT, int(os.environ.get("LAUREL_BENCH_LETTERS_FLOOR", "200"))))
RENDERER_COUNT = max(2, int(os.environ.get("LAUREL_BENCH_LETTERS_RENDERER", "40")))


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            "LAUREL_VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "LAUREL_LETTER_VERIFY_BASE_URL": "https://laurel.example.gov.cn",
        }
    )
    return env


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _rss_mib() -> float:
    """Resident memory now (not the peak): ``VmRSS`` from ``/proc/self/status``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _slope(samples: list[tuple[int, float]]) -> float:
    """Least-squares growth of resident memory, MiB per 1,000 letters, over ``(letter, MiB)`` samples."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_x = sum(x for x, _ in samples) / n
    mean_y = sum(y for _, y in samples) / n
    var = sum((x - mean_x) ** 2 for x, _ in samples)
    return 1000 * sum((x - mean_x) * (y - mean_y) for x, y in samples) / var if var else 0.0


def _every(count: int) -> int:
    return max(1, count // 40)


def setup(workdir: Path) -> None:
    """Create the database, a case and COUNT requested letters; write their ids and one letter's HTML."""
    _django()
    from django.core.management import call_command

    from accounts.actions import do_create_staff_user
    from cases.actions import do_file_case
    from jurisdictions.models import Division, Level
    from letters import actions, rendering
    from letters.certs import make_self_signed
    from subjects import ids
    from subjects.actions import do_register_subject

    call_command("migrate", verbosity=0)
    from django.conf import settings

    make_self_signed(Path(settings.LAUREL_LETTER_SIGNING_KEY), Path(settings.LAUREL_LETTER_SIGNING_CERT))
    province = Division.objects.create(code="44", name="广东省", level=Level.PROVINCE)
    city = Division.objects.create(code="4401", name="广州市", level=Level.CITY, parent=province)
    county = Division.objects.create(code="440106", name="天河区", level=Level.COUNTY, parent=city)
    user = do_create_staff_user("bench", password=secrets.token_urlsafe(16), actor=None)

    subject = do_register_subject(
        division=county.code,
        id_number=ids.build(county.code, dt.date(1960, 5, 1), 123),
        name="欧阳𫖯䶮",
        actor=None,
        category="retired_soldier",
    )
    case = do_file_case(
        subject,
        kind="benefit_claim",
        title="申请定期抚恤补助",
        description="申请人系退役士兵，1979年入伍，1985年退役，现无固定收入。",
        actor=user,
        benefit_type="state_subsidy",
        benefit_change="add",
        benefit_amount="350.00",
        duplicate_action="continue",
    )
    letter_ids = [
        actions.do_request_letter(
            case, kind="correction", actor=user, details={"reasons": f"请补充退役证复印件（第{n + 1}次通知）。"}
        ).pk
        for n in range(COUNT)
    ]
    from letters.models import Letter

    (workdir / "ids.json").write_text(json.dumps(letter_ids))
    (workdir / "letter.html").write_text(rendering.letter_html(Letter.objects.get(pk=letter_ids[0]).snapshot))


def child_letters(workdir: Path) -> dict[str, float]:
    _django()
    from django.db import reset_queries

    from letters.models import Letter, Status
    from letters.tasks import render_letter

    letter_ids = json.loads((workdir / "ids.json").read_text())
    render_letter.call(letter_ids[0])  # warm-up: fonts, templates, key (not timed)
    rss_before = _rss_mib()
    middle = len(letter_ids) // 2
    rss_middle = rss_before
    samples = [(0, rss_before)]
    every = _every(len(letter_ids))
    start, cpu = time.perf_counter(), time.process_time()
    for i, letter_id in enumerate(letter_ids[1:], start=1):
        render_letter.call(letter_id)
        # This process runs with DEBUG on (the throwaway SQLite set-up), where Django logs every
        # statement, up to 9,000 of them: memory a production worker (DEBUG off) never holds.
        reset_queries()
        if i == middle:
            rss_middle = _rss_mib()
        if i % every == 0:
            samples.append((i, _rss_mib()))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss_after = _rss_mib()
    timed = len(letter_ids) - 1
    # The renderer alone as this process runs it (the same font handling), for the overhead lines.
    from weasyprint import HTML

    from letters import rendering

    html = (workdir / "letter.html").read_text()
    renderer = time.process_time()
    for _ in range(RENDERER_COUNT):
        HTML(string=html).write_pdf(font_config=rendering.font_config(), pdf_variant=rendering.PDF_VARIANT)
    renderer = (time.process_time() - renderer) / RENDERER_COUNT
    issued = Letter.objects.filter(pk__in=letter_ids, status=Status.ISSUED)
    sizes = [size or 0 for size in issued.values_list("size", flat=True)]
    assert len(sizes) == len(letter_ids), "not every letter was issued"
    return {
        "rate": timed / elapsed,
        "cpu": cpu / timed,
        "peak": _peak_mib(),
        "rss_before": rss_before,
        "rss_middle": rss_middle,
        "rss_after": rss_after,
        "slope": _slope(samples),
        "slope_late": _slope(samples[len(samples) // 2 :]),
        "size": sum(sizes) / len(sizes) / 1024,
        "renderer_cpu": renderer,
    }


def child_bare(workdir: Path) -> dict[str, float]:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = (workdir / "letter.html").read_text()
    count = FLOOR_COUNT
    config = FontConfiguration()
    HTML(string=html).write_pdf(font_config=config, pdf_variant="pdf/a-3b")  # warm-up, as for the letters
    rss_before = _rss_mib()
    rss_middle = rss_before
    samples = [(0, rss_before)]
    every = _every(count)
    size = 0
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(1, count):
        size = len(HTML(string=html).write_pdf(font_config=config, pdf_variant="pdf/a-3b"))
        if i == count // 2:
            rss_middle = _rss_mib()
        if i % every == 0:
            samples.append((i, _rss_mib()))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "rate": (count - 1) / elapsed,
        "cpu": cpu / (count - 1),
        "peak": _peak_mib(),
        "rss_before": rss_before,
        "rss_middle": rss_middle,
        "rss_after": _rss_mib(),
        "slope": _slope(samples),
        "slope_late": _slope(samples[len(samples) // 2 :]),
        "size": size / 1024,
    }


def _run_child(kind: str, workdir: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(workdir)],
        env=_env(workdir),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        kind, workdir = sys.argv[2], Path(sys.argv[3])
        if kind == "setup":
            setup(workdir)
            print("{}")
        else:
            print(json.dumps((child_letters if kind == "letters" else child_bare)(workdir)))
        return
    with tempfile.TemporaryDirectory(prefix="laurel-bench-letters-") as tmp:
        workdir = Path(tmp)
        _run_child("setup", workdir)
        bare = _run_child("bare", workdir)
        letters = _run_child("letters", workdir)

    def line(name: str, key: str, unit: str, extra: str = "") -> None:
        value, floor = letters[key], bare[key]
        ratio = value / floor if floor else 0.0
        print(
            f"BENCH name={name} value={value:.3f} unit={unit} floor={floor:.3f} ratio={ratio:.2f} "
            f"letters={COUNT} load={load}{extra}"
        )

    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load}; letters {COUNT}, bare WeasyPrint {FLOOR_COUNT} (1 warm-up each, not timed)")
    print(
        f"RSS after the warm-up letter / at letter {COUNT // 2} / after the last: letters "
        f"{letters['rss_before']:.0f} / {letters['rss_middle']:.0f} / {letters['rss_after']:.0f} MiB; "
        f"bare WeasyPrint {bare['rss_before']:.0f} / {bare['rss_middle']:.0f} / {bare['rss_after']:.0f} MiB"
    )
    line(f"letters_per_second_per_worker_n{COUNT}", "rate", "letters/s")
    line(f"letter_peak_rss_n{COUNT}", "peak", "MiB")
    line(f"letter_rss_before_n{COUNT}", "rss_before", "MiB")
    line(f"letter_rss_middle_n{COUNT}", "rss_middle", "MiB")
    line(f"letter_rss_after_n{COUNT}", "rss_after", "MiB")
    # Flat memory: the least-squares growth of resident memory, sampled 40 times, over the whole run
    # and over its second half (once the bounded caches have filled).
    print(
        f"RSS at start / end: letters {letters['rss_before']:.0f} / {letters['rss_after']:.0f} MiB, "
        f"slope {letters['slope']:+.1f} MiB per 1,000 letters ({letters['slope_late']:+.1f} over the second half); "
        f"bare WeasyPrint {bare['rss_before']:.0f} / {bare['rss_after']:.0f} MiB, slope {bare['slope']:+.1f} "
        f"({bare['slope_late']:+.1f})"
    )
    for key, name in (("slope", "letter_rss_slope"), ("slope_late", "letter_rss_slope_second_half")):
        print(
            f"BENCH name={name}_n{COUNT} value={letters[key]:.2f} unit=MiB/1000letters floor={bare[key]:.2f} "
            f"ratio={letters[key] / bare[key] if bare[key] else 0.0:.2f} excess={letters[key] - bare[key]:+.2f} "
            f"rss_start={letters['rss_before']:.0f} rss_end={letters['rss_after']:.0f} letters={COUNT} load={load}"
        )
    growth, floor_growth = letters["rss_after"] - letters["rss_before"], bare["rss_after"] - bare["rss_before"]
    print(
        f"BENCH name=letter_rss_growth_n{COUNT} value={growth:.1f} unit=MiB floor={floor_growth:.1f} "
        f"rss_start={letters['rss_before']:.0f} rss_end={letters['rss_after']:.0f} "
        f"floor_rss_start={bare['rss_before']:.0f} floor_rss_end={bare['rss_after']:.0f} "
        f"letters={COUNT} floor_letters={FLOOR_COUNT} load={load}"
    )
    line("letter_cpu_seconds_each", "cpu", "s")
    # What the path adds beyond rendering (template, QR, signature, SQL, audit, file), against the
    # renderer as the letters process runs it (same font handling, measured after the run).
    renderer = letters["renderer_cpu"]
    print(
        f"BENCH name=letter_overhead_cpu_seconds_each value={letters['cpu'] - renderer:.4f} unit=s "
        f"floor={renderer:.3f} ratio={letters['cpu'] / renderer:.2f} renderer_vs_bare={renderer / bare['cpu']:.2f} "
        f"letters={COUNT} renders={RENDERER_COUNT} load={load}"
    )
    line("letter_pdf_size", "size", "KiB")


if __name__ == "__main__":
    main()
