"""The operator documents name tests that exist: a renamed or deleted test breaks the 等保 map."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ["docs/DENGBAO.md", "docs/OPERATIONS.md"]
REFERENCE = re.compile(r"`?(tests/[\w/]+(?:\.py)?)(?:::(\w+))?")


def references(document: str) -> list[tuple[str, str | None]]:
    text = (ROOT / document).read_text(encoding="utf-8")
    found = [(m.group(1), m.group(2)) for m in REFERENCE.finditer(text)]
    # A continued reference (`, ::other_test`) belongs to the file named last.
    last = ""
    for match in re.finditer(r"(tests/[\w/]+\.py)|`::(\w+)`", text):
        if match.group(1):
            last = match.group(1)
        elif last:
            found.append((last, match.group(2)))
    return found


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_test_a_document_names_exists(document: str) -> None:
    named = references(document)
    assert named, f"{document} names no test"
    for path, test in named:
        assert (ROOT / path).exists(), f"{document}: {path} does not exist"
        if test:
            assert re.search(rf"^def {test}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), (
                f"{document}: {path}::{test} does not exist"
            )
