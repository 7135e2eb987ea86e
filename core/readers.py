"""Reading tabular files people hand over: CSV (UTF-8 with or without BOM, or GB18030) and XLSX.

One reader for every import (the subject register, the cross-check datasets). It yields text
cells with their row number and never parses values: what a cell means is the importer's
business. A file that cannot be read at all raises :class:`UnreadableFile` with a clear reason;
a row that cannot be read (broken quoting, a line over :data:`MAX_LINE_CHARS`) comes out as
``None`` so the caller reports that row only and keeps the others.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

MAX_LINE_CHARS = 64 * 1024  # a longer line is refused (its row only), never parsed
# An XLSX number too large to be anything but a long code that Excel turned into a float
# (an ID number as 4.4e17 has lost its last digits): the cell starts with this mark.
NUMBER_MARK = "\x00number:"
_LONG_LINE_MARK = "\x00laurel-long-line\x00"
_ZIP_MAGIC = b"PK\x03\x04"

Source = Path | bytes


class UnreadableFile(Exception):
    """The whole file cannot be read (empty, not text, a broken spreadsheet...): a clear reason."""


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str] | None]]  # (row number, cells) — None: an unreadable row
    estimated_rows: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _binary(source: Source) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")


def detect_encoding(source: Source) -> str:
    """``utf-8-sig`` (with or without BOM) if the whole file is valid UTF-8, else ``gb18030``."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with _binary(source) as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile(_("The file is neither UTF-8 nor GB18030 text. Save it as CSV (UTF-8) or XLSX."))


def _text(source: Source, encoding: str) -> IO[str]:
    if isinstance(source, bytes):
        return io.StringIO(source.decode(encoding), newline="")
    return open(source, encoding=encoding, newline="")


def _guard_long_lines(fh: Iterable[str]) -> Iterator[str]:
    """Replace an over-long line with a marker, so a 10 MB line costs nothing and fails one row."""
    for line in fh:
        if len(line) > MAX_LINE_CHARS:
            yield _LONG_LINE_MARK + "\n"
        else:
            yield line.replace("\x00", "")


def _csv_rows(source: Source, encoding: str) -> Iterator[tuple[int, list[str] | None]]:
    csv.field_size_limit(MAX_LINE_CHARS * 2)
    with _text(source, encoding) as fh:
        reader = csv.reader(_guard_long_lines(fh))
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield reader.line_num, None
                continue
            if cells and cells[0] == _LONG_LINE_MARK:
                yield reader.line_num, None
                continue
            yield reader.line_num, cells


def xlsx_cell(value: Any) -> str:
    """A spreadsheet value as the text a person typed (dates ISO, whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if abs(value) >= 1e15:
            return NUMBER_MARK + repr(value)  # e.g. an ID number Excel turned into 4.4e17
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _is_xlsx(source: Source, file_name: str) -> bool:
    if file_name.lower().endswith(".xlsx"):
        return True
    if isinstance(source, bytes):
        return source[:4] == _ZIP_MAGIC
    with open(source, "rb") as fh:
        return fh.read(4) == _ZIP_MAGIC


def open_table(source: Source, file_name: str = "") -> Table:
    """Header and rows of a CSV or XLSX file (a path, or the bytes of an upload).

    Raises :class:`UnreadableFile` for an unusable file. Rows are read lazily, one at a time.
    """
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size == 0:
        raise UnreadableFile(_("The file is empty."))
    if _is_xlsx(source, file_name):
        return _open_xlsx(source)
    encoding = detect_encoding(source)
    with _text(source, encoding) as fh:
        estimated = sum(1 for _line in fh) - 1
    rows = _csv_rows(source, encoding)
    try:
        first = next(rows)
    except StopIteration:
        raise UnreadableFile(_("The file is empty.")) from None
    if first[1] is None:
        raise UnreadableFile(_("The header row cannot be read."))
    header = [cell.strip().lstrip("\ufeff") for cell in first[1]]
    if not any(header):
        raise UnreadableFile(_("The first row must name the columns."))
    return Table(header=header, rows=rows, estimated_rows=max(estimated, 0))


def _open_xlsx(source: Source) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True, data_only=True
        )
    except Exception:  # openpyxl raises many types for broken archives
        raise UnreadableFile(_("The XLSX file cannot be read.")) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [xlsx_cell(v).strip() for v in next(values)]
    except StopIteration:
        book.close()
        raise UnreadableFile(_("The file is empty.")) from None

    def rows() -> Iterator[tuple[int, list[str] | None]]:
        for number, row in enumerate(values, start=2):
            yield number, [xlsx_cell(v) for v in row]
        book.close()

    return Table(header=header, rows=rows(), estimated_rows=max((sheet.max_row or 1) - 1, 0))
