"""CSV and XLSX files of audit events: the same columns and values as the screen.

Every cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) is prefixed with an apostrophe, so an exported value can never run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.spreadsheets import is_formula_like

from .queries import COLUMNS

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value: str) -> str:
    """``value`` made inert for spreadsheets (formula injection)."""
    return "'" + value if is_formula_like(value) else value


def _table(rows: Iterable[dict[str, str]]) -> Iterable[list[str]]:
    yield [neutralise(str(label)) for _, label in COLUMNS]
    for row in rows:
        yield [neutralise(row[key]) for key, _ in COLUMNS]


def to_csv(rows: Iterable[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_table(rows))
    # UTF-8 with a byte-order mark: spreadsheet programs then read Chinese text correctly.
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[dict[str, str]], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for line in _table(rows):
        # Control characters cannot be stored in XLSX at all; drop them rather than fail.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build(fmt: str, rows: Iterable[dict[str, str]], *, title: str) -> bytes:
    return to_csv(rows) if fmt == "csv" else to_xlsx(rows, title=title)
