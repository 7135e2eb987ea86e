"""Reading department extracts into the staging table (layouts: :mod:`crosscheck.layouts`).

Rows are parsed and validated in Python (the ID number is normalised, checked and turned
into its blind index at once; the full number is never written anywhere), then written in
chunks: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere. A bad row is reported with its
row number, column and reason and skipped; every good row is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from jurisdictions.models import normalise_code
from subjects import ids

from .layouts import BENEFIT_ALIASES, Column, Layout, choose
from .models import DatasetRow

CHUNK_ROWS = 5000
MAX_REPORTED_ERRORS = 1000
MAX_CELL_CHARS = 255
BENEFIT_CODES = frozenset(
    {
        "state_pension",
        "state_subsidy",
        "basic_medical",
        "rural_cooperative_medical",
        "employee_pension",
        "urban_resident_pension",
        "rural_pension",
        "dibao",
        "disability_subsidies",
    }
)
_TRUE = {"是", "1", "y", "yes", "true", "t", "有"}
_FALSE = {"否", "0", "n", "no", "false", "f", "无"}
_SEX = {"男": "male", "1": "male", "male": "male", "m": "male", "女": "female", "2": "female", "female": "female"}
_SEX["f"] = "female"

# Staging columns written per row, in COPY order.
ROW_COLUMNS = (
    "batch_id",
    "row_number",
    "id_hmac",
    "id_masked",
    "name",
    "sex",
    "birth_date",
    "division_code",
    "county_code",
    "event_date",
    "end_date",
    "benefit_type",
    "receiving",
    "amount",
    "flag",
)


class DatasetFileError(Exception):
    """The whole file is unusable (encoding, no header, no matching layout); the message says why."""


@dataclass
class RowError:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class Parsed:
    layout: Layout
    total: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rejected: int = 0


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DatasetFileError(_("The file is neither UTF-8 nor GB18030 text."))


def read_table(data: bytes, file_name: str) -> Iterator[list[Any]]:
    """The file's rows (header first) as lists of cell values."""
    if file_name.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise DatasetFileError(
                _("The spreadsheet cannot be read: %(error)s") % {"error": type(exc).__name__}
            ) from None
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
        book.close()
        return
    text = _decode(data)
    yield from csv.reader(io.StringIO(text, newline=""))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("Not a date (use YYYY-MM-DD)."))


def _cell(column: Column, raw: Any, index: Callable[[str], str]) -> dict[str, Any]:
    """Staging values for one cell; raises ValueError with the reason."""
    text = _text(raw)
    if column.kind == "id":
        info = ids.validate(text, check_division=False)
        return {"id_hmac": index(info.number), "id_masked": info.masked}
    if column.kind == "text":
        if len(text) > MAX_CELL_CHARS:
            raise ValueError(_("Too long."))
        return {column.target: text[:64]}
    if column.kind == "sex":
        sex = _SEX.get(text.lower())
        if sex is None:
            raise ValueError(_("Unknown sex (use 男 or 女)."))
        return {column.target: sex}
    if column.kind == "date":
        return {column.target: _date(raw)}
    if column.kind == "bool":
        lowered = text.lower()
        if lowered in _TRUE:
            return {column.target: True}
        if lowered in _FALSE:
            return {column.target: False}
        raise ValueError(_("Use 是 or 否."))
    if column.kind == "decimal":
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Not a number.")) from None
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e8"):
            raise ValueError(_("Not a plausible amount."))
        return {column.target: amount.quantize(Decimal("0.01"))}
    if column.kind == "division":
        code = normalise_code(text)
        if not code.isdigit() or len(code) not in (6, 9):
            raise ValueError(_("Not a county or township code."))
        return {column.target: code, "county_code": code[:6]}
    if column.kind == "benefit":
        code = BENEFIT_ALIASES.get(text, text.lower())
        if code not in BENEFIT_CODES:
            raise ValueError(_("Unknown benefit type."))
        return {column.target: code}
    raise AssertionError(column.kind)


def parse(
    data: bytes,
    file_name: str,
    *,
    department: str,
    layout_name: str = "",
    scope_code: str = "",
    progress: Callable[[int], None] | None = None,
) -> Parsed:
    """Parse and validate a whole file; raise :class:`DatasetFileError` if it is unusable."""
    rows = read_table(data, file_name)
    try:
        header = [_text(h) for h in next(rows)]
    except StopIteration:
        raise DatasetFileError(_("The file is empty.")) from None
    layout = choose(department, header, layout_name)
    if layout is None:
        raise DatasetFileError(
            _("The columns do not match any file layout of this department (see README, Cross-checking).")
        )
    keys = layout.header_keys()
    positions: list[tuple[int, Column]] = []
    seen: set[str] = set()
    for i, text in enumerate(header):
        column = keys.get(text.lower())
        if column is not None and column.key not in seen:
            positions.append((i, column))
            seen.add(column.key)
    missing = [c.headers[0] for c in layout.columns if c.required and c.key not in seen]
    if missing:
        raise DatasetFileError(_("Required columns are missing: %(columns)s") % {"columns": ", ".join(missing)})
    parsed = Parsed(layout=layout)
    index = ids.blind_indexer()
    for number, raw_row in enumerate(rows, start=2):
        if not any(_text(v) for v in raw_row):
            continue
        parsed.total += 1
        values: dict[str, Any] = {"row_number": number}
        problems: list[RowError] = []
        for position, column in positions:
            raw = raw_row[position] if position < len(raw_row) else None
            if _text(raw) == "":
                if column.required:
                    problems.append(RowError(number, column.headers[0], _("This column is required.")))
                continue
            try:
                values.update(_cell(column, raw, index))
            except ValueError as exc:  # InvalidIdNumber is a ValidationError, handled below
                problems.append(RowError(number, column.headers[0], str(exc)))
            except ids.InvalidIdNumber as exc:
                problems.append(RowError(number, column.headers[0], " ".join(exc.messages)))
        division = values.get("division_code", "")
        if not problems and scope_code and division and not division.startswith(scope_code):
            problems.append(RowError(number, "division_code", _("Outside the division this feed may send data for.")))
        if problems:
            parsed.rejected += 1
            room = MAX_REPORTED_ERRORS - len(parsed.errors)
            parsed.errors.extend(problems[: max(room, 0)])
        else:
            if layout.default_benefit_type and not values.get("benefit_type"):
                values["benefit_type"] = layout.default_benefit_type
            parsed.rows.append(values)
        if progress is not None and parsed.total % 1000 == 0:
            progress(1000)
    if progress is not None:
        progress(parsed.total % 1000)
    return parsed


def _row_tuple(batch_id: int, values: dict[str, Any]) -> tuple[Any, ...]:
    blank = {"name", "sex", "division_code", "county_code", "benefit_type", "id_masked", "id_hmac"}
    return tuple(batch_id if c == "batch_id" else values.get(c, "" if c in blank else None) for c in ROW_COLUMNS)


def write_rows(batch_id: int, rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> None:
    """Write staged rows: COPY on PostgreSQL, bulk_create elsewhere; in chunks."""
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        if connection.vendor == "postgresql":
            table = DatasetRow._meta.db_table
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:
                    for values in chunk:
                        copy.write_row(_row_tuple(batch_id, values))
        else:
            DatasetRow.objects.bulk_create(
                [DatasetRow(batch_id=batch_id, **values) for values in chunk],
                batch_size=500,
            )
        if progress is not None:
            progress(len(chunk))


def analyze() -> None:
    """PostgreSQL: fresh statistics after a big load, so the next run plans its joins right."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DatasetRow._meta.db_table}")
