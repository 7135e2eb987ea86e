"""Spreadsheet safety: cells that a spreadsheet would run as a formula (CSV/formula injection).

Shared by every export (audit, subjects, reports) and by the imports that refuse such cells:
one list of dangerous prefixes, including the full-width forms Chinese input methods type.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpResponseBase

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES)


def safe_cell(value: Any) -> Any:
    """``value`` for an exported cell: text that starts like a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


# --- exports of lists ---------------------------------------------------------------------------

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """A CSV file as lines to stream: a byte-order mark (spreadsheet programs then read Chinese
    correctly), the header, the rows; every cell made safe."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([safe_cell(str(h)) for h in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def xlsx_file(header: Iterable[Any], rows: Iterable[Iterable[Any]], *, title: str) -> IO[bytes]:
    """An XLSX workbook of one sheet, written row by row (openpyxl's write-only mode) to a temporary
    file that spills to disk when large; every cell made safe, control characters dropped."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value: Any) -> Any:
        value = safe_cell(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([clean(str(h)) for h in header])
    for row in rows:
        sheet.append([clean(cell) for cell in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned open, closed by the response
    workbook.save(out)
    out.seek(0)
    return out


def export_response(
    fmt: str, header: Iterable[Any], rows: Iterable[Iterable[Any]], *, name: str, title: str
) -> HttpResponseBase:
    """A list export as a download: CSV streamed as the rows are read, or an XLSX workbook;
    named ``<name>-<local time>.<fmt>``."""
    from django.http import FileResponse, StreamingHttpResponse
    from django.utils import timezone

    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_TYPE)
    else:
        response = FileResponse(xlsx_file(header, rows, title=title), content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
