"""Reading subject files for the bulk import: columns, templates, and every row checked.

This module reads and never writes: :class:`RowReader` turns the rows of a file (read by
:mod:`core.readers`: CSV in UTF-8 with or without BOM, or GB18030; XLSX) into checked values
and row errors; :mod:`subjects.actions.imports` writes them. The contract (README "Importing
subjects"):

- One row per person, a header row naming columns in Chinese (or the English keys); the
  column mapping is :data:`COLUMNS`, and :data:`TEMPLATES` lists each source's template.
- Upsert by blind index: a new person is inserted, a known one updated with the non-empty
  cells that differ; empty cells never erase what is on file. The same file twice changes
  nothing (and a file whose SHA-256 was already imported from the same source is skipped).
- Every rejected row is reported (row number, column, reason) in an error file; good rows
  are written whatever happens to bad ones. The report is **streamed** (:class:`ErrorSink`):
  each rejection is written to a spool file as it is found and only a count stays in memory,
  so a file of a million bad rows costs no more memory than one of a thousand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.readers import NUMBER_MARK, UnreadableFile, open_table
from core.spreadsheets import is_formula_like, safe_cell
from jurisdictions.models import Division, normalise_code

from . import ids
from .models import (
    Category,
    ConfirmationMethod,
    Employment,
    Ethnicity,
    HousingTenure,
    ImportSource,
    PoliticalAffiliation,
    Provenance,
    RankClass,
    Relation,
    Resettlement,
    ServicemanStatus,
    Sex,
    SubjectStatus,
)


class ImportFileError(UnreadableFile):
    """The whole file cannot be imported (encoding, no header, missing columns...): a clear reason."""


@dataclass(frozen=True)
class Column:
    key: str  # Subject field (or id_number)
    headers: tuple[str, ...]  # accepted header texts; the first is the template's
    kind: str  # text, choice, date, bool, decimal, division, township, id
    max_length: int = 0
    choices: type[TextChoices] | None = None
    label: Any = ""


def _col(key: str, headers: tuple[str, ...], kind: str, **kw: Any) -> Column:
    return Column(key, (*headers, key), kind, **kw)


COLUMNS: list[Column] = [
    _col("id_number", ("公民身份号码", "身份证号码", "身份证号"), "id", label=gettext_lazy("national ID number")),
    _col("name", ("姓名",), "text", max_length=64, label=pgettext_lazy("person", "name")),
    _col("sex", ("性别",), "choice", choices=Sex, label=gettext_lazy("sex")),
    _col("ethnicity", ("民族",), "choice", choices=Ethnicity, label=gettext_lazy("ethnicity")),
    _col("birth_date", ("出生日期",), "date", label=gettext_lazy("birth date")),
    _col(
        "political_affiliation",
        ("政治面貌",),
        "choice",
        choices=PoliticalAffiliation,
        label=gettext_lazy("political affiliation"),
    ),
    _col("category", ("人员类别", "类别"), "choice", choices=Category, label=gettext_lazy("category")),
    _col("status", ("人员状态",), "choice", choices=SubjectStatus, label=gettext_lazy("status")),
    _col(
        "service_start",
        ("入伍时间", "入伍(参加工作)时间", "入伍（参加工作）时间"),
        "date",
        label=gettext_lazy("enlistment (start of work)"),
    ),
    _col(
        "service_end",
        ("退伍时间", "退伍(离休退休)时间", "退伍（离休退休）时间"),
        "date",
        label=gettext_lazy("discharge (retirement)"),
    ),
    _col("rank_class", ("服役期间身份",), "choice", choices=RankClass, label=gettext_lazy("rank class in service")),
    _col("service_unit", ("服役部队",), "text", max_length=128, label=gettext_lazy("unit served in")),
    _col("service_number", ("服役期间编号",), "text", max_length=32, label=gettext_lazy("service number")),
    _col(
        "division",
        ("户籍区划代码", "户籍地代码"),
        "division",
        label=gettext_lazy("household registration (county or township)"),
    ),
    _col("hukou_address", ("户籍地址",), "text", max_length=255, label=gettext_lazy("household registration address")),
    _col("phone", ("联系电话",), "text", max_length=32, label=gettext_lazy("telephone")),
    _col("resettlement", ("安置方式",), "choice", choices=Resettlement, label=gettext_lazy("resettlement")),
    _col("employment", ("就业状态",), "choice", choices=Employment, label=gettext_lazy("employment status")),
    _col("employer", ("工作单位",), "text", max_length=128, label=gettext_lazy("employer")),
    _col("owns_home", ("有无住房",), "bool", label=gettext_lazy("owns a home")),
    _col("housing_tenure", ("住房性质",), "choice", choices=HousingTenure, label=gettext_lazy("housing tenure")),
    _col("floor_area", ("住房面积", "住房面积(平方米)"), "decimal", label=gettext_lazy("floor area (m²)")),
    _col("grievances", ("主要诉求",), "text", max_length=4000, label=gettext_lazy("grievances")),
    _col("confirmed_by", ("确认人",), "text", max_length=64, label=gettext_lazy("confirmed by")),
    _col("confirmed_at", ("确认日期",), "date", label=gettext_lazy("confirmed on")),
    _col(
        "confirmation_method",
        ("确认方式",),
        "choice",
        choices=ConfirmationMethod,
        label=gettext_lazy("confirmation method"),
    ),
    _col("collection_point", ("采集点区划代码",), "township", label=gettext_lazy("collection point (township)")),
    _col("serviceman_name", ("军人姓名",), "text", max_length=64, label=gettext_lazy("serviceman's name")),
    _col(
        "serviceman_status",
        ("军人状况",),
        "choice",
        choices=ServicemanStatus,
        label=gettext_lazy("serviceman's status"),
    ),
    _col("relation", ("与军人关系",), "choice", choices=Relation, label=gettext_lazy("relation to the serviceman")),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

# Columns of each source's template (the order of the template file).
TEMPLATES: dict[str, list[str]] = {
    ImportSource.PUBLIC_SECURITY: [
        "id_number",
        "name",
        "sex",
        "ethnicity",
        "birth_date",
        "division",
        "hukou_address",
        "category",
        "status",
    ],
    ImportSource.MILITARY: [
        "id_number",
        "name",
        "category",
        "division",
        "political_affiliation",
        "service_start",
        "service_end",
        "rank_class",
        "service_unit",
        "service_number",
    ],
    ImportSource.COUNTY: [c.key for c in COLUMNS],
    ImportSource.DEPARTMENT: [
        "id_number",
        "name",
        "status",
        "employment",
        "employer",
        "owns_home",
        "housing_tenure",
        "floor_area",
    ],
}
# Sources that may put new people on file (others only update people already on file).
CREATING_SOURCES = {ImportSource.PUBLIC_SECURITY, ImportSource.MILITARY, ImportSource.COUNTY}
REQUIRED_FOR_NEW = ("name", "category", "division")
PROVENANCE_OF_SOURCE = {
    ImportSource.PUBLIC_SECURITY: Provenance.PUBLIC_SECURITY_SEED,
    ImportSource.MILITARY: Provenance.MILITARY_SEED,
    ImportSource.COUNTY: Provenance.CASEWORKER_ENTRY,
    ImportSource.DEPARTMENT: Provenance.DEPARTMENT_VERIFICATION,
}

# Database attribute of each column that is a foreign key.
FK_COLUMNS = {"division": "division_id", "collection_point": "collection_point_id"}
VALUE_KEYS = [c.key for c in COLUMNS if c.key != "id_number"]
# Always known for a valid row (read from the ID number), whatever the file's columns.
FROM_ID = ("birth_date", "sex")
# What the writer needs of a row rendered for COPY besides its line (see ParsedRow.line).
KEPT_WHEN_RENDERED = tuple(dict.fromkeys([*REQUIRED_FOR_NEW, "division"]))
_COPY_ESCAPE = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def template_header(source: str) -> list[str]:
    return [COLUMN_BY_KEY[key].headers[0] for key in TEMPLATES[source]]


def template_csv(source: str) -> bytes:
    """The template file of ``source``: UTF-8 with BOM (Excel-friendly), header and one example row."""
    example = {
        "id_number": "11010519491231002X",
        "name": "张三",
        "sex": "女",
        "ethnicity": "汉族",
        "birth_date": "1949-12-31",
        "division": "110105",
        "hukou_address": "北京市朝阳区某街道某号",
        "category": "退役士兵",
        "status": "正常",
        "political_affiliation": "群众",
        "service_start": "1968-03-01",
        "service_end": "1973-12-31",
        "rank_class": "义务兵",
        "service_unit": "某部",
        "employment": "离退休",
        "owns_home": "有",
        "housing_tenure": "自有住房",
        "floor_area": "62.5",
        "confirmation_method": "现场采集",
    }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(template_header(source))
    writer.writerow([example.get(key, "") for key in TEMPLATES[source]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- choice and value parsing -------------------------------------------------------------

_EXTRA_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": {"男": "male", "女": "female", "1": "male", "2": "female", "m": "male", "f": "female"},
    "status": {"正常": "active", "在册": "active"},
}
_BOOL = {
    "有": True,
    "是": True,
    "y": True,
    "yes": True,
    "true": True,
    "1": True,
    "无": False,
    "否": False,
    "没有": False,
    "n": False,
    "no": False,
    "false": False,
    "0": False,
}
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _choice_lookup() -> dict[str, dict[str, str]]:
    """For each choice column: accepted spellings (value, English and Chinese label) → value."""
    table: dict[str, dict[str, str]] = {}
    for column in COLUMNS:
        if column.choices is None:
            continue
        spellings: dict[str, str] = {}
        for value, label in column.choices.choices:
            spellings[value.lower()] = value
            with translation.override("en"):
                spellings[str(label).lower()] = value
            with translation.override("zh-hans"):
                zh = str(label)
            spellings[zh] = value
            if column.key == "ethnicity" and zh.endswith("族") and len(zh) >= 2:
                spellings[zh[:-1]] = value  # "汉" for "汉族"
            if column.key == "ethnicity":
                spellings[str(int(value))] = value  # "1" for "01"
        spellings.update(_EXTRA_SYNONYMS.get(column.key, {}))
        table[column.key] = spellings
    return table


@lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --- checking rows ------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    reason: str
    value: str = ""


@dataclass
class ParsedRow:
    """A row whose every cell is valid: the person's blind index, full number and values."""

    number: int
    hmac: str
    number18: str
    values: dict[str, Any]
    token: str = ""  # the encrypted number, when a parallel checker already made it
    # The row as one line of PostgreSQL COPY text for the staging table (RowReader.staged_keys),
    # when the run loads by COPY; then ``values`` keeps only the keys the writer still needs.
    line: str = ""


_BOM = "\ufeff".encode()


class ErrorSink:
    """The error report, written as rejections come: CSV (UTF-8 with BOM) of row, column, value, reason.

    Only the number of errors is kept in memory. ``path`` is a spool file that outlives the
    process (a resumed import truncates it to ``offset``, the bytes committed with its last
    chunk, and appends); without a path, an anonymous temporary file.
    """

    def __init__(self, path: Path | None = None, *, offset: int = 0, count: int = 0) -> None:
        self.path = path
        self.count = count
        self._file: IO[bytes]
        if path is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
            offset = 0
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "r+b")
        self._file.truncate(offset)
        self._file.seek(offset)
        if offset == 0:
            self.count = 0
            self._write([_("Row"), _("Column"), _("Value"), _("Reason")], bom=True)

    def _write(self, cells: list[Any], *, bom: bool = False) -> None:
        line = io.StringIO()
        csv.writer(line).writerow(cells)
        self._file.write((_BOM if bom else b"") + line.getvalue().encode("utf-8"))

    def append(self, error: RowError) -> None:
        self._write([error.row, safe_cell(error.column), safe_cell(error.value), safe_cell(error.reason)])
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def commit_point(self) -> int:
        """Flush to disk and return the file's length: where a resumed run starts appending."""
        self._file.flush()
        os.fsync(self._file.fileno())
        return self._file.tell()

    def report(self) -> IO[bytes]:
        """The whole report so far, from its beginning (for storing once the import is done)."""
        self._file.flush()
        self._file.seek(0)
        return self._file

    def close(self, *, delete: bool = False) -> None:
        self._file.close()
        if delete and self.path is not None:
            self.path.unlink(missing_ok=True)


class _Collected(ErrorSink):
    """A chunk's errors kept in a list, in a checker process, to be sent back with its rows."""

    def __init__(self) -> None:
        self.path, self.count = None, 0
        self.items: list[RowError] = []

    def append(self, error: RowError) -> None:
        self.items.append(error)
        self.count += 1


class ListedErrors(_Collected):
    """Errors kept in a list by a run of a few rows made elsewhere (synced offline entries), with no
    spool file: the caller stores them as the batch's report when the run ends."""

    def commit_point(self) -> int:
        return 0

    def close(self, *, delete: bool = False) -> None:
        return None


class _Muted(ErrorSink):
    """A sink that writes nothing: re-reading rows a previous run already reported."""

    def __init__(self) -> None:
        self.path, self.count = None, 0

    def append(self, error: RowError) -> None:
        self.count += 1


@dataclass
class Counts:
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: ErrorSink = field(default_factory=ErrorSink)


class RowReader:
    """Reads one file for one import: checks each row, collects row errors, writes nothing.

    ``scope_codes``: divisions the importer may write in (None: all). ``counts`` gathers the
    rejected rows and their errors (the writer adds its own through :meth:`reject`).
    """

    def __init__(
        self, source: str, *, scope_codes: list[str] | None, now: dt.datetime, errors: ErrorSink | None = None
    ) -> None:
        self.source = ImportSource(source)
        self.scope_codes = scope_codes
        self.now = now
        self.today = timezone.localdate(now)  # the users' calendar day (Asia/Shanghai), not UTC's
        self.counts = Counts(errors=errors) if errors is not None else Counts()
        self.choices = _choice_lookup()
        self.divisions = dict(Division.objects.filter(level__gte=3).values_list("code", "level"))
        self.known_prefixes = ids._known_division_prefixes()
        self.indexer = ids.blind_indexer()
        self.seen: dict[int, int] = {}
        self.header_names: dict[str, str] = {}
        self._codes: dict[str, str] = {}
        self._plan: list[tuple[int, Column, str, bool]] = []
        self.estimated_rows = 0
        # Whether _clean checks repeats itself (one process), or accept() does it in the parent
        # after checker processes parsed the rows (the seen-set must be one for the whole file).
        self.dedupe = True
        self.dedupe_late = False
        # Whether good rows come rendered as COPY lines (ParsedRow.line): set by a run that loads
        # by COPY, before it reads (a checker process inherits it and renders too).
        self.render = False
        self._staged: list[tuple[str, str]] = []

    def rows(self, path: Path) -> Iterator[tuple[int, list[str] | None]]:
        """Open ``path`` and map its header; raises :class:`core.readers.UnreadableFile` for unusable files."""
        table = open_table(path)
        self.use_header(table.header)
        self.estimated_rows = table.estimated_rows
        return table.rows

    def use_header(self, header: list[str]) -> None:
        """Map the columns of ``header`` (a file's, or rows made elsewhere: offline collection)."""
        mapping = self._map_header(header)
        self._plan = [(i, c, c.key, c.kind == "id") for i, c in sorted(mapping.items())]
        present = {c.key for c in mapping.values()} | set(FROM_ID)
        self._staged = [(c.key, c.kind) for c in COLUMNS if c.key in present and c.kind != "id"]

    def staged_keys(self) -> list[str]:
        """The value columns of a rendered line, in order (after row number, blind index and
        masked number): the file's columns and those read from the ID number (after :meth:`rows`)."""
        return [key for key, _kind in self._staged]

    def _line(self, number: int, hmac_hex: str, number18: str, values: dict[str, Any]) -> str:
        """The row in COPY text format: row number, blind index, masked number, staged values
        (``\\N`` for an empty cell: it keeps what is on file)."""
        cells = [str(number), hmac_hex, number18[:6] + "********" + number18[-4:]]
        get = values.get
        for key, kind in self._staged:
            value = get(key)
            if value is None:
                cells.append("\\N")
            elif kind == "text":
                cells.append(value.translate(_COPY_ESCAPES) if _COPY_ESCAPE.search(value) else value)
            elif kind == "date":
                cells.append(value.isoformat())
            elif kind == "bool":
                cells.append("t" if value else "f")
            else:  # choice and division codes, decimals: never need escaping
                cells.append(str(value))
        return "\t".join(cells)

    def _parsed(self, number: int, hmac_hex: str, number18: str, values: dict[str, Any]) -> ParsedRow:
        if not self.render:
            return ParsedRow(number, hmac_hex, number18, values)
        line = self._line(number, hmac_hex, number18, values)
        kept = {key: values[key] for key in KEPT_WHEN_RENDERED if key in values}
        return ParsedRow(number, hmac_hex, number18, kept, line=line)

    def chunks(self, rows: Iterator[tuple[int, list[str] | None]], size: int) -> Iterator[tuple[int, list[ParsedRow]]]:
        """(rows read, good rows) for each ``size`` rows of the file."""
        chunk: list[tuple[int, list[str] | None]] = []
        for item in rows:
            chunk.append(item)
            if len(chunk) >= size:
                yield len(chunk), self.check(chunk)
                chunk = []
        if chunk:
            yield len(chunk), self.check(chunk)

    def skip(self, rows: Iterator[tuple[int, list[str] | None]], count: int) -> None:
        """Read past the first ``count`` rows, which a previous run already wrote and reported.

        They are checked again with their errors muted, only so that a later row repeating one
        of them is still reported as the same person; the counts are left as they were.
        """
        counts, self.counts = self.counts, Counts(errors=_Muted())
        render, self.render = self.render, False
        try:
            for _done in range(count):
                item = next(rows, None)
                if item is None:
                    break
                self._clean(*item)
        finally:
            self.counts, self.render = counts, render

    def check(self, chunk: list[tuple[int, list[str] | None]]) -> list[ParsedRow]:
        good: list[ParsedRow] = []
        for number, cells in chunk:
            row = self._clean(number, cells)
            if row is not None:
                good.append(row)
        return self.accept(good)

    def parse(self, chunk: list[tuple[int, list[str] | None]]) -> tuple[list[ParsedRow], list[RowError], int]:
        """The stateless part of :meth:`check`, run in a checker process: (good rows with their number
        encrypted, errors, rejected count). The parent passes the good rows to :meth:`accept`."""
        counts, self.counts = self.counts, Counts(errors=_Collected())
        self.dedupe = False
        try:
            good = [row for number, cells in chunk if (row := self._clean(number, cells)) is not None]
            collected = self.counts.errors
            assert isinstance(collected, _Collected)
            errors, rejected = collected.items, self.counts.rejected
        finally:
            self.counts, self.dedupe = counts, True
        for row, token in zip(good, ids.encrypt_many(r.number18 for r in good), strict=True):
            row.token = token
        return good, errors, rejected

    def take(self, errors: list[RowError], rejected: int) -> None:
        """Record what a checker process rejected (into this run's streamed report)."""
        for error in errors:
            self.counts.errors.append(error)
        self.counts.rejected += rejected

    def accept(self, good: list[ParsedRow]) -> list[ParsedRow]:
        """``good`` without the rows repeating a person seen earlier in the file (each reported)."""
        if not self.dedupe_late:
            return good
        kept: list[ParsedRow] = []
        for row in good:
            key = int(row.hmac[:16], 16)
            first = self.seen.get(key)
            if first is not None:
                self.reject(
                    row.number,
                    "id_number",
                    _("The same person as row %(row)s of this file.") % {"row": first},
                    row.number18,
                )
                self.counts.rejected += 1
                continue
            self.seen[key] = row.number
            kept.append(row)
        return kept

    def _map_header(self, header: list[str]) -> dict[int, Column]:
        by_header = {h: c for c in COLUMNS for h in c.headers}
        by_header.update({h.lower(): c for c in COLUMNS for h in c.headers if h.isascii()})
        mapping: dict[int, Column] = {}
        for index, text in enumerate(header):
            column = by_header.get(text) or by_header.get(text.lower())
            if column is not None and column not in mapping.values():
                mapping[index] = column
        self.header_names = {c.key: header[i] for i, c in mapping.items()}
        present = {c.key for c in mapping.values()}
        required = ["id_number", *(REQUIRED_FOR_NEW if self.source in CREATING_SOURCES else ())]
        missing = [COLUMN_BY_KEY[k].headers[0] for k in required if k not in present]
        if missing:
            raise ImportFileError(
                _("Required columns are missing: %(columns)s. Use the template of this source.")
                % {"columns": "、".join(missing)}
            )
        return mapping

    def reject(self, number: int, key: str | None, reason: str, value: str = "") -> None:
        """Report row ``number`` (column ``key``, as the file names it) as rejected for ``reason``."""
        column = COLUMN_BY_KEY[key] if key else None
        label = self.header_names.get(column.key, column.headers[0]) if column else ""
        if column is not None and column.kind == "id":
            value = ids.mask(value) if value else ""
        self.counts.errors.append(RowError(number, label, reason, value[:200]))

    def in_scope(self, code: str) -> bool:
        if self.scope_codes is None:
            return True
        return any(code.startswith(c) or c == "CN" for c in self.scope_codes)

    def _clean(self, number: int, cells: list[str] | None) -> ParsedRow | None:
        if cells is None:
            self.reject(number, None, _("The row cannot be read (a line over 64 KB, or broken quoting)."))
            self.counts.rejected += 1
            return None
        if not any(c.strip() for c in cells):
            return None  # blank lines are skipped silently
        errors = self.counts.errors
        errors_before = errors.count
        values: dict[str, Any] = {}
        raw_id = ""
        width = len(cells)
        value_of = self._value
        for index, column, field_key, is_id in self._plan:
            if index >= width:
                continue
            text = cells[index].strip()
            if not text:
                continue
            if is_id:
                raw_id = text
                continue
            value = value_of(number, column, text)
            if value is not None:
                values[field_key] = value
        info = None
        if not raw_id:
            self.reject(number, "id_number", _("The ID number is missing."))
        elif raw_id.startswith(NUMBER_MARK):
            self.reject(
                number,
                "id_number",
                _("The ID number was stored as a number and lost digits; format the column as text."),
            )
        else:
            try:
                info = ids.validate(raw_id, known_divisions=self.known_prefixes, today=self.today)
            except ids.InvalidIdNumber as exc:
                self.reject(number, "id_number", exc.messages[0], raw_id)
        if info is not None:
            if values.get("birth_date") and values["birth_date"] != info.birth_date:
                self.reject(number, "birth_date", _("The birth date does not match the ID number."))
            if values.get("sex") and values["sex"] != info.sex:
                self.reject(number, "sex", _("The sex does not match the ID number."))
            values["birth_date"], values["sex"] = info.birth_date, info.sex
        if errors.count > errors_before or info is None:
            self.counts.rejected += 1
            return None
        hmac_hex = self.indexer(info.number)
        if not self.dedupe:
            return self._parsed(number, hmac_hex, info.number, values)
        key = int(hmac_hex[:16], 16)
        first = self.seen.get(key)
        if first is not None:
            self.reject(
                number,
                "id_number",
                _("The same person as row %(row)s of this file.") % {"row": first},
                info.number,
            )
            self.counts.rejected += 1
            return None
        self.seen[key] = number
        return self._parsed(number, hmac_hex, info.number, values)

    def _value(self, number: int, column: Column, text: str) -> Any:
        kind = column.kind
        if kind == "text":
            if column.key == "name" and (is_formula_like(text) or any(ch.isdigit() for ch in text)):
                self.reject(number, column.key, _("This is not a valid name."), safe_cell(text))
                return None
            if len(text) > column.max_length:
                self.reject(
                    number,
                    column.key,
                    _("Too long: at most %(n)s characters.") % {"n": column.max_length},
                    safe_cell(text[:50]),
                )
                return None
            return text
        if kind == "choice":
            value = self.choices[column.key].get(text) or self.choices[column.key].get(text.lower())
            if value is None:
                self.reject(number, column.key, _("Not one of the allowed values."), safe_cell(text))
            return value
        if kind == "date":
            date = parse_date(text)
            if date is None or date.year < 1870 or date > self.today:
                self.reject(number, column.key, _("Not a real date (use YYYY-MM-DD)."), safe_cell(text))
                return None
            return date
        if kind == "bool":
            flag = _BOOL.get(text.lower())
            if flag is None:
                self.reject(number, column.key, _("Answer 有 or 无."), safe_cell(text))
            return flag
        if kind == "decimal":
            try:
                amount = Decimal(text)
            except InvalidOperation:
                amount = Decimal(-1)
            if not amount.is_finite() or amount < 0 or amount >= 100000:
                self.reject(number, column.key, _("Enter a number of square metres."), safe_cell(text))
                return None
            return amount.quantize(Decimal("0.01"))
        # division / township
        code = self._codes.get(text)
        if code is None:
            code = self._codes[text] = normalise_code(text)
        level = self.divisions.get(code)
        if level is None or (kind == "division" and level not in (3, 4)) or (kind == "township" and level != 4):
            reason = _("Unknown township code.") if kind == "township" else _("Unknown county or township code.")
            self.reject(number, column.key, reason, safe_cell(text))
            return None
        if kind == "division" and not self.in_scope(code):
            self.reject(number, column.key, _("This division is outside your jurisdiction."), code)
            return None
        return code
