"""Reading department extracts into the staging table (layouts: :mod:`crosscheck.layouts`).

Files are read by :mod:`core.readers` (CSV in UTF-8 or GB18030, XLSX); rows are parsed and
validated in Python (the ID number is normalised, checked and turned into its blind index at
once; the full number is never written anywhere), then written in chunks by
:func:`core.bulk.append` (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere). A bad row is reported with its
row number, column and reason and skipped; every good row is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core import bulk, readers
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
    # Rejected rows whose only fault is the ID number and that name a person (name, birth date): kept for
    # linkage (crosscheck.linkage), each with the reason its ID number was refused.
    unidentified: list[dict[str, Any]] = field(default_factory=list)


def read_table(data: bytes, file_name: str) -> readers.Table:
    """The file's header and rows (CSV in UTF-8 or GB18030, or XLSX: :mod:`core.readers`)."""
    try:
        return readers.open_table(data, file_name)
    except readers.UnreadableFile as exc:
        raise DatasetFileError(str(exc)) from None


def _text(value: str | None) -> str:
    return "" if value is None else value.strip()


def _date(value: str) -> dt.date:
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("Not a date (use YYYY-MM-DD)."))


def _month(value: str) -> dt.date:
    text = _text(value)
    for fmt in ("%Y-%m", "%Y%m", "%Y/%m", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError(_("Not a month (use YYYY-MM)."))


# 户口状态: in the register (True) or struck off (False).
_HUKOU_STATUS = {"正常": True, "在册": True, "注销": False, "迁出": False, "死亡": False}


def _cell(column: Column, text: str, index: Callable[[str], str]) -> dict[str, Any]:
    """Staging values for one (stripped, non-empty) cell; raises ValueError with the reason."""
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
        return {column.target: _date(text)}
    if column.kind == "month":
        return {column.target: _month(text)}
    if column.kind == "hukou_status":
        if text not in _HUKOU_STATUS:
            raise ValueError(_("Use 正常 or 注销."))
        return {column.target: _HUKOU_STATUS[text]}
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
    table = read_table(data, file_name)
    header = [_text(h) for h in table.header]
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
    for number, raw_row in table.rows:
        if raw_row is None:  # broken quoting, or a line over readers.MAX_LINE_CHARS
            parsed.total += 1
            parsed.rejected += 1
            if len(parsed.errors) < MAX_REPORTED_ERRORS:
                reason = _("The row cannot be read (a line over 64 KB, or broken quoting).")
                parsed.errors.append(RowError(number, "", reason))
            if progress is not None and parsed.total % 1000 == 0:
                progress(1000)
            continue
        if not any(_text(v) for v in raw_row):
            continue
        parsed.total += 1
        values: dict[str, Any] = {"row_number": number}
        problems: list[RowError] = []
        id_problem = ""
        for position, column in positions:
            raw = _text(raw_row[position]) if position < len(raw_row) else ""
            if raw == "":
                if column.required:
                    problems.append(RowError(number, column.headers[0], _("This column is required.")))
                    if column.kind == "id":
                        id_problem = str(_("This column is required."))
                continue
            try:
                values.update(_cell(column, raw, index))
            except ValueError as exc:  # InvalidIdNumber is a ValidationError, handled below
                problems.append(RowError(number, column.headers[0], str(exc)))
            except ids.InvalidIdNumber as exc:
                problems.append(RowError(number, column.headers[0], " ".join(exc.messages)))
                id_problem = " ".join(exc.messages)
        division = values.get("division_code", "")
        if not problems and scope_code and division and not division.startswith(scope_code):
            problems.append(RowError(number, "division_code", _("Outside the division this feed may send data for.")))
        if problems:
            parsed.rejected += 1
            room = MAX_REPORTED_ERRORS - len(parsed.errors)
            parsed.errors.extend(problems[: max(room, 0)])
            if id_problem and len(problems) == 1 and values.get("name") and values.get("birth_date"):
                parsed.unidentified.append({**values, "id_problem": id_problem[:200]})
        else:
            if layout.default_benefit_type and not values.get("benefit_type"):
                values["benefit_type"] = layout.default_benefit_type
            parsed.rows.append(values)
        if progress is not None and parsed.total % 1000 == 0:
            progress(1000)
    if progress is not None:
        progress(parsed.total % 1000)
    return parsed


def write_rows(batch_id: int, rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> None:
    """Write staged rows in chunks (``COPY`` on PostgreSQL: :func:`core.bulk.append`)."""
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        bulk.append(DatasetRow, [{"batch_id": batch_id, **values} for values in chunk])
        if progress is not None:
            progress(len(chunk))


def analyze() -> None:
    """PostgreSQL: fresh statistics after a big load, so the next run plans its joins right."""
    bulk.analyze(DatasetRow)
