"""Run every ``bench/bench_*.py`` in its own process and print their ``BENCH`` lines (``make bench``).

Each benchmark prints progress on stderr and one ``BENCH name=... value=... unit=... floor=...
ratio=...`` line per figure on stdout. A failing benchmark is reported and the others still run;
the exit status is non-zero if any failed. ``BENCH_ONLY=subjects_import`` runs a subset.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if any(o in s.stem for o in only)]
    failed, lines = [], []
    for script in scripts:
        print(f"== {script.name}", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
        for line in result.stdout.splitlines():
            print(line, flush=True)
            if line.startswith("BENCH "):
                lines.append(line)
        if result.returncode != 0:
            failed.append(script.name)
    print("\n== summary", flush=True)
    for line in lines:
        print(line)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
