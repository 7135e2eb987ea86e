"""Run by ``test_import_memory.py`` in a fresh process: import a file of bad rows, print peak memory.

    python tests/subjects/import_memory_child.py FILE  (DATABASE_URL names the test database)

Prints one JSON line: the peak resident set (``ru_maxrss``, KiB) and the batch's rejected count.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from jurisdictions.models import Division
    from subjects.actions.imports import do_open_import_batch, run_import_batch

    path = Path(sys.argv[1])
    batch = do_open_import_batch(
        division=Division.objects.get(code="440106"), source="county", file_name=path.name, dry_run=False, actor=None
    )
    done = run_import_batch(batch, path, actor=None, scope_codes=["440106"])
    assert done is not None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kib": peak, "rejected": done.rejected_count, "status": done.status}))


if __name__ == "__main__":
    main()
