"""CSV and XLSX downloads of a table, safe against formula injection (cells are data, never formulas)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse

from core.spreadsheets import safe_cell

from .tables import Table

FORMATS = ("csv", "xlsx")


def _rows(table: Table) -> list[list[Any]]:
    return [[safe_cell(str(h)) for h in table.headers]] + [[safe_cell(cell) for cell in row] for row in table.rows]


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_rows(table))
    # BOM: spreadsheet programs then read the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    return workbook([table])


def workbook(tables: list[Table]) -> bytes:
    """One XLSX workbook with a sheet per table (a whole report as one spreadsheet)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([table.title])
        for row in _rows(table):
            sheet.append(row)
        for note in table.notes:
            sheet.append([safe_cell(str(note))])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text stays text, even if it starts with "="
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def response(table: Table, fmt: str, filename: str) -> HttpResponse:
    if fmt == "xlsx":
        body = to_xlsx(table)
        content_type = XLSX
    else:
        body = to_csv(table)
        content_type = "text/csv; charset=utf-8"
    resp = HttpResponse(body, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    resp["Cache-Control"] = "no-store"
    return resp
