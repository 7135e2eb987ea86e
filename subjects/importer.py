"""Bulk import of subject files (CSV in UTF-8 with or without BOM, or GB18030; XLSX).

The contract (README "Importing subjects"):

- One row per person, a header row naming columns in Chinese (or the English keys); the
  column mapping is :data:`COLUMNS`, and :data:`TEMPLATES` lists each source's template.
- Upsert by blind index: a new person is inserted, a known one updated with the non-empty
  cells that differ; empty cells never erase what is on file. The same file twice changes
  nothing (and a file whose SHA-256 was already imported from the same source is skipped).
- Every rejected row is reported (row number, column, reason) in an error file; good rows
  are written whatever happens to bad ones. Rows are processed in batches, each batch in
  its own transaction: validate, HMAC and encrypt in Python, then on PostgreSQL ``COPY`` into
  a temporary staging table and a set-based ``INSERT ... ON CONFLICT DO NOTHING`` /
  ``UPDATE ... FROM``; elsewhere (SQLite) ``bulk_create``/``bulk_update``.
- A person already on file in a county outside the importer's jurisdiction is refused
  ("already registered in <county>") and flagged to both counties' supervisors.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import record
from core.spreadsheets import is_formula_like, safe_cell
from jurisdictions.models import Division, Located, normalise_code
from notifications.outbox import notify

from . import ids
from .apps import IMPORT_FINISHED
from .models import (
    Category,
    ConfirmationMethod,
    DuplicateFlag,
    Employment,
    Ethnicity,
    HousingTenure,
    ImportBatch,
    ImportSource,
    ImportStatus,
    PoliticalAffiliation,
    Provenance,
    RankClass,
    Relation,
    Resettlement,
    ServicemanStatus,
    Sex,
    Subject,
    SubjectStatus,
)

MAX_LINE_CHARS = 64 * 1024  # a longer line is refused (its row only), never parsed


class ImportFileError(Exception):
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
    _col("name", ("姓名",), "text", max_length=64, label=gettext_lazy("name")),
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

# Database columns written for a new subject (besides the mapped ones).
_FK_COLUMNS = {"division": "division_id", "collection_point": "collection_point_id"}
_VALUE_KEYS = [c.key for c in COLUMNS if c.key != "id_number"]


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


# --- reading files ------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` (with or without BOM) if the whole file is valid UTF-8, else ``gb18030``."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text. Save it as CSV (UTF-8) or XLSX."))


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str] | None]]  # (row number, cells) — None: unreadable row
    estimated_rows: int


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str] | None]]:
    csv.field_size_limit(MAX_LINE_CHARS * 2)
    with open(path, encoding=encoding, newline="") as fh:
        buffered = _guard_long_lines(fh)
        reader = csv.reader(buffered)
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


_LONG_LINE_MARK = "\x00laurel-long-line\x00"


def _guard_long_lines(fh: Iterable[str]) -> Iterator[str]:
    """Replace an over-long line with a marker, so a 10 MB line costs nothing and fails one row."""
    for line in fh:
        if len(line) > MAX_LINE_CHARS:
            yield _LONG_LINE_MARK + "\n"
        else:
            yield line.replace("\x00", "")


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if abs(value) >= 1e15:
            return "\x00number:" + repr(value)  # e.g. an ID number Excel turned into 4.4e17
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def open_table(path: Path) -> Table:
    """Header and rows of a CSV or XLSX file; raises :class:`ImportFileError` for unusable files."""
    if path.stat().st_size == 0:
        raise ImportFileError(_("The file is empty."))
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        return _open_xlsx(path)
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        estimated = sum(1 for _line in fh) - 1
    rows = _csv_rows(path, encoding)
    try:
        first = next(rows)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    if first[1] is None:
        raise ImportFileError(_("The header row cannot be read."))
    header = [cell.strip().lstrip("\ufeff") for cell in first[1]]
    if not any(header):
        raise ImportFileError(_("The first row must name the columns."))
    return Table(header=header, rows=rows, estimated_rows=max(estimated, 0))


def _open_xlsx(path: Path) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for broken archives
        raise ImportFileError(_("The XLSX file cannot be read.")) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [_xlsx_cell(v).strip() for v in next(values)]
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None

    def rows() -> Iterator[tuple[int, list[str] | None]]:
        for number, row in enumerate(values, start=2):
            yield number, [_xlsx_cell(v) for v in row]
        book.close()

    return Table(header=header, rows=rows(), estimated_rows=max((sheet.max_row or 1) - 1, 0))


# --- the import ---------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    reason: str
    value: str = ""


@dataclass
class Counts:
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    hmac: str
    number18: str
    values: dict[str, Any]


class Importer:
    """One import run over one file. ``scope_codes``: divisions the importer may write in (None: all)."""

    def __init__(
        self,
        batch: ImportBatch,
        path: Path,
        *,
        actor: Any | None,
        scope_codes: list[str] | None,
        progress: Callable[[int], None] | None = None,
        batch_size: int | None = None,
    ) -> None:
        self.batch = batch
        self.path = path
        self.actor = actor
        self.scope_codes = scope_codes
        self.progress = progress
        self.batch_size = batch_size or settings.LAUREL_IMPORT_BATCH_SIZE
        self.source = ImportSource(batch.source)
        self.provenance = PROVENANCE_OF_SOURCE[self.source]
        self.counts = Counts()
        self.choices = _choice_lookup()
        self.divisions = dict(Division.objects.filter(level__gte=3).values_list("code", "level"))
        self.county_names = dict(Division.objects.filter(level=3).values_list("code", "name"))
        self.known_prefixes = ids._known_division_prefixes()
        self.indexer = ids.blind_indexer()
        self.seen: dict[int, int] = {}
        self.now = timezone.now()
        self.postgres = connection.vendor == "postgresql"
        self.header_names: dict[str, str] = {}
        self._codes: dict[str, str] = {}

    # -- entry point
    def run(self) -> Counts:
        table = open_table(self.path)
        mapping = self._map_header(table.header)
        self.batch.total_rows = table.estimated_rows
        self.batch.save(update_fields=["total_rows"])
        chunk: list[tuple[int, list[str] | None]] = []
        for item in table.rows:
            chunk.append(item)
            if len(chunk) >= self.batch_size:
                self._process(chunk, mapping)
                chunk = []
        if chunk:
            self._process(chunk, mapping)
        return self.counts

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

    # -- one batch of rows
    def _process(self, chunk: list[tuple[int, list[str] | None]], mapping: dict[int, Column]) -> None:
        good: list[_Row] = []
        for number, cells in chunk:
            row = self._clean(number, cells, mapping)
            if row is not None:
                good.append(row)
        with transaction.atomic():
            self._write(good)
        self.counts.processed += len(chunk)
        if self.progress:
            self.progress(len(chunk))
        ImportBatch.objects.filter(pk=self.batch.pk).update(processed_rows=self.counts.processed)

    def _reject(self, number: int, column: Column | None, reason: str, value: str = "") -> None:
        # The column as the file names it (what the person fixing the file sees).
        label = self.header_names.get(column.key, column.headers[0]) if column else ""
        if column is not None and column.kind == "id":
            value = ids.mask(value) if value else ""
        self.counts.errors.append(RowError(number, label, reason, value[:200]))

    def _clean(self, number: int, cells: list[str] | None, mapping: dict[int, Column]) -> _Row | None:
        if cells is None:
            self._reject(number, None, _("The row cannot be read (a line over 64 KB, or broken quoting)."))
            self.counts.rejected += 1
            return None
        if not any(c.strip() for c in cells):
            return None  # blank lines are skipped silently
        errors_before = len(self.counts.errors)
        values: dict[str, Any] = {}
        raw_id = ""
        width = len(cells)
        value_of = self._value
        for index, column, field_key, is_id in self._plan(mapping):
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
            self._reject(number, COLUMN_BY_KEY["id_number"], _("The ID number is missing."))
        elif raw_id.startswith("\x00number:"):
            self._reject(
                number,
                COLUMN_BY_KEY["id_number"],
                _("The ID number was stored as a number and lost digits; format the column as text."),
            )
        else:
            try:
                info = ids.validate(raw_id, known_divisions=self.known_prefixes, today=self.now.date())
            except ids.InvalidIdNumber as exc:
                self._reject(number, COLUMN_BY_KEY["id_number"], exc.messages[0], raw_id)
        if info is not None:
            if values.get("birth_date") and values["birth_date"] != info.birth_date:
                self._reject(number, COLUMN_BY_KEY["birth_date"], _("The birth date does not match the ID number."))
            if values.get("sex") and values["sex"] != info.sex:
                self._reject(number, COLUMN_BY_KEY["sex"], _("The sex does not match the ID number."))
            values["birth_date"], values["sex"] = info.birth_date, info.sex
        if len(self.counts.errors) > errors_before or info is None:
            self.counts.rejected += 1
            return None
        assert info is not None
        hmac_hex = self.indexer(info.number)
        key = int(hmac_hex[:16], 16)
        first = self.seen.get(key)
        if first is not None:
            self._reject(
                number,
                COLUMN_BY_KEY["id_number"],
                _("The same person as row %(row)s of this file.") % {"row": first},
                info.number,
            )
            self.counts.rejected += 1
            return None
        self.seen[key] = number
        return _Row(number, hmac_hex, info.number, values)

    def _plan(self, mapping: dict[int, Column]) -> list[tuple[int, Column, str, bool]]:
        plan = getattr(self, "_plan_cache", None)
        if plan is None:
            plan = [(i, c, c.key, c.kind == "id") for i, c in sorted(mapping.items())]
            self._plan_cache = plan
        return plan

    def _value(self, number: int, column: Column, text: str) -> Any:
        kind = column.kind
        if kind == "text":
            if column.key == "name" and (is_formula_like(text) or any(ch.isdigit() for ch in text)):
                self._reject(number, column, _("This is not a valid name."), safe_cell(text))
                return None
            if len(text) > column.max_length:
                self._reject(
                    number,
                    column,
                    _("Too long: at most %(n)s characters.") % {"n": column.max_length},
                    safe_cell(text[:50]),
                )
                return None
            return text
        if kind == "choice":
            value = self.choices[column.key].get(text) or self.choices[column.key].get(text.lower())
            if value is None:
                self._reject(number, column, _("Not one of the allowed values."), safe_cell(text))
            return value
        if kind == "date":
            date = parse_date(text)
            if date is None or date.year < 1870 or date > self.now.date():
                self._reject(number, column, _("Not a real date (use YYYY-MM-DD)."), safe_cell(text))
                return None
            return date
        if kind == "bool":
            flag = _BOOL.get(text.lower())
            if flag is None:
                self._reject(number, column, _("Answer 有 or 无."), safe_cell(text))
            return flag
        if kind == "decimal":
            try:
                amount = Decimal(text)
            except InvalidOperation:
                amount = Decimal(-1)
            if not amount.is_finite() or amount < 0 or amount >= 100000:
                self._reject(number, column, _("Enter a number of square metres."), safe_cell(text))
                return None
            return amount.quantize(Decimal("0.01"))
        # division / township
        code = self._codes.get(text)
        if code is None:
            code = self._codes[text] = normalise_code(text)
        level = self.divisions.get(code)
        if level is None or (kind == "division" and level not in (3, 4)) or (kind == "township" and level != 4):
            reason = _("Unknown township code.") if kind == "township" else _("Unknown county or township code.")
            self._reject(number, column, reason, safe_cell(text))
            return None
        if kind == "division" and not self._in_scope(code):
            self._reject(number, column, _("This division is outside your jurisdiction."), code)
            return None
        return code

    def _in_scope(self, code: str) -> bool:
        if self.scope_codes is None:
            return True
        return any(code.startswith(c) or c == "CN" for c in self.scope_codes)

    # -- writing one batch
    def _write(self, rows: list[_Row]) -> None:
        if not rows:
            return
        existing = self._existing([r.hmac for r in rows])
        inserts: list[_Row] = []
        updates: list[tuple[_Row, dict[str, Any], dict[str, Any]]] = []
        flags: list[DuplicateFlag] = []
        for row in rows:
            current = existing.get(row.hmac)
            if current is None:
                if self.source not in CREATING_SOURCES:
                    self._reject(row.number, COLUMN_BY_KEY["id_number"], _("This person is not on file."), row.number18)
                    self.counts.rejected += 1
                    continue
                missing = [k for k in REQUIRED_FOR_NEW if k not in row.values]
                if missing:
                    for key in missing:
                        self._reject(row.number, COLUMN_BY_KEY[key], _("Required for a person not yet on file."))
                    self.counts.rejected += 1
                    continue
                inserts.append(row)
                continue
            if not self._in_scope(current["county_code"]):
                county = self.county_names.get(current["county_code"], current["county_code"])
                self._reject(
                    row.number,
                    COLUMN_BY_KEY["id_number"],
                    _("This person is already registered in %(county)s.") % {"county": county},
                    row.number18,
                )
                self.counts.rejected += 1
                attempted = row.values.get("division") or (self.scope_codes or ["CN"])[0]
                flags.append(
                    DuplicateFlag(
                        subject_id=current["id"],
                        existing_county_code=current["county_code"],
                        attempted_division_id=attempted,
                        attempted_county_code=attempted[:6],
                        attempted_by=self._actor(),
                        source=self.source,
                    )
                )
                continue
            changed = {
                key: value
                for key, value in row.values.items()
                if _db_value(key, current.get(_FK_COLUMNS.get(key, key))) != _db_value(key, value)
            }
            if changed:
                updates.append((row, changed, current))
            else:
                self.counts.unchanged += 1
        if self.batch.dry_run:
            self.counts.created += len(inserts)
            self.counts.updated += len(updates)
            return
        if flags:
            DuplicateFlag.objects.bulk_create(flags)
        self.counts.created += self._insert(inserts)
        self._update(updates)
        self.counts.updated += len(updates)

    def _actor(self) -> Any | None:
        return self.actor if getattr(self.actor, "is_authenticated", False) else None

    def _existing(self, hmacs: list[str]) -> dict[str, dict[str, Any]]:
        fields = ["id", "id_number_hmac", "county_code", "provenance"] + [_FK_COLUMNS.get(k, k) for k in _VALUE_KEYS]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(hmacs), 5000):
            for item in Subject.objects.filter(id_number_hmac__in=hmacs[start : start + 5000]).values(*fields):
                found[item["id_number_hmac"]] = item
        return found

    def _entry(self) -> dict[str, str]:
        return {"source": self.provenance.value, "ref": f"import:{self.batch.pk}", "at": self.now.isoformat()}

    def _insert(self, rows: list[_Row]) -> int:
        if not rows:
            return 0
        tokens = ids.encrypt_many(r.number18 for r in rows)
        provenance = {"*": self._entry()}
        actor = self._actor()
        fixed = {
            "provenance": provenance,
            "created_by_id": actor.pk if actor else None,
            "import_batch_id": self.batch.pk,
            "created_at": self.now,
            "updated_at": self.now,
        }
        if self.postgres:  # the same for every row: render once for COPY
            fixed = {k: _Rendered(_copy_text(v)) for k, v in fixed.items()}
        records = []
        for row, token in zip(rows, tokens, strict=True):
            item: dict[str, Any] = {_FK_COLUMNS.get(k, k): v for k, v in row.values.items()}
            item.update(Located.codes_for(item["division_id"]))
            item.update(fixed)
            item["id_number_encrypted"] = token
            item["id_number_hmac"] = row.hmac
            item["id_number_masked"] = ids.mask(row.number18)
            records.append(item)
        if self.postgres:
            inserted = _pg_insert_records(records)
        else:
            Subject.objects.bulk_create([Subject(**r) for r in records], batch_size=500, ignore_conflicts=True)
            inserted = set(
                Subject.objects.filter(
                    id_number_hmac__in=[r.hmac for r in rows], import_batch_id=self.batch.pk
                ).values_list("id_number_hmac", flat=True)
            )
        for row in rows:
            if row.hmac not in inserted:  # lost a race with a concurrent registration
                self._reject(
                    row.number,
                    COLUMN_BY_KEY["id_number"],
                    _("Registered at the same moment by someone else; import the file again."),
                    row.number18,
                )
                self.counts.rejected += 1
        return len(inserted)

    def _update(self, updates: list[tuple[_Row, dict[str, Any], dict[str, Any]]]) -> None:
        """Write only each row's own changed columns (rows of one batch change different ones)."""
        if not updates:
            return
        entry = self._entry()
        changes: dict[int, dict[str, Any]] = {}
        for _row, changed, current in updates:
            values: dict[str, Any] = {}
            for key, value in changed.items():
                values[_FK_COLUMNS.get(key, key)] = value
                if key == "division":
                    values.update(Located.codes_for(value))
            values["provenance"] = {**(current["provenance"] or {}), **dict.fromkeys(changed, entry)}
            values["updated_at"] = self.now
            values["import_batch_id"] = self.batch.pk
            changes[current["id"]] = values
        if self.postgres:
            _pg_update(changes)
            return
        objects = Subject.objects.in_bulk(list(changes))
        by_columns: dict[tuple[str, ...], list[Subject]] = {}
        for pk, values in changes.items():
            obj = objects[pk]
            for attname, value in values.items():
                setattr(obj, attname, value)
            by_columns.setdefault(tuple(sorted(values)), []).append(obj)
        for attnames, group in by_columns.items():
            fields = [Subject._meta.get_field(a.removesuffix("_id")).name if a.endswith("_id") else a for a in attnames]
            Subject.objects.bulk_update(group, fields, batch_size=500)


def _db_value(key: str, value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return value


# --- PostgreSQL: COPY into a staging table, then set-based statements ---------------------


def _concrete_columns() -> list[Any]:
    return [f for f in Subject._meta.concrete_fields if f.column != "id"]


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _Rendered(str):
    """A value already in COPY text format."""


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if type(value) is _Rendered:
        return value
    if type(value) is str:
        return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(value) else value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _field_defaults() -> list[tuple[str, str, Any]]:
    """(attname, column, value when absent) for every column written on insert."""
    defaults = []
    for f in _concrete_columns():
        if f.has_default():
            default = f.get_default()
        elif f.null:
            default = None
        elif f.empty_strings_allowed:
            default = ""
        else:
            default = None
        defaults.append((f.attname, f.column, default))
    return defaults


def _pg_insert_records(records: list[dict[str, Any]]) -> set[str]:
    """COPY ``records`` (attname → value) into a staging table, then INSERT ... ON CONFLICT DO NOTHING.

    Returns the blind indexes actually inserted (a concurrent registration wins the conflict).
    """
    defaults = _field_defaults()
    names = ", ".join(f'"{column}"' for _attname, column, _default in defaults)
    table = Subject._meta.db_table
    lines = []
    for item in records:
        lines.append("\t".join(_copy_text(item.get(attname, default)) for attname, _c, default in defaults))
    with connection.cursor() as cursor:
        # Identifiers come from model metadata, never from input.
        create = "CREATE TEMP TABLE IF NOT EXISTS subjects_import_stage ON COMMIT DELETE ROWS AS SELECT "
        create += f'{names} FROM "{table}"'
        cursor.execute(create + " WITH NO DATA")
        with cursor.copy(f"COPY subjects_import_stage ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for start in range(0, len(lines), 1000):
                copy.write("\n".join(lines[start : start + 1000]) + "\n")
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {names} FROM subjects_import_stage '  # noqa: S608
            "ON CONFLICT (id_number_hmac) DO NOTHING RETURNING id_number_hmac"
        )
        inserted = {hmac for (hmac,) in cursor.fetchall()}
        cursor.execute("TRUNCATE subjects_import_stage")
    return inserted


def _pg_insert(objects: list[Subject]) -> set[str]:
    attnames = [f.attname for f in _concrete_columns()]
    return _pg_insert_records([{a: getattr(o, a) for a in attnames} for o in objects])


def _copy_value(field: Any, obj: Subject) -> Any:
    value = getattr(obj, field.attname)
    if field.attname == "provenance":
        return json.dumps(value, ensure_ascii=False)
    if field.attname == "photo":
        return str(value or "")
    return value


def _pg_update(changes: dict[int, dict[str, Any]]) -> None:
    """COPY each row's changed columns (NULL elsewhere) into a staging table; one UPDATE ... FROM.

    A NULL in the staging row keeps the current value (imports never clear a value).
    """
    attnames = sorted({a for values in changes.values() for a in values})
    columns = [
        Subject._meta.get_field(a.removesuffix("_id") if a.endswith("_id") else a).column  # type: ignore[union-attr]
        for a in attnames
    ]
    table = Subject._meta.db_table
    names = ", ".join(f'"{c}"' for c in ["id", *columns])
    with connection.cursor() as cursor:
        # The changed columns differ per batch: a fresh staging table each time.
        cursor.execute("DROP TABLE IF EXISTS subjects_update_stage")
        create = "CREATE TEMP TABLE subjects_update_stage ON COMMIT DROP AS SELECT "
        cursor.execute(create + f'{names} FROM "{table}" WITH NO DATA')
        lines = ["\t".join([str(pk), *(_copy_text(values.get(a)) for a in attnames)]) for pk, values in changes.items()]
        with cursor.copy(f"COPY subjects_update_stage ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write("\n".join(lines) + "\n")
        assignments = ", ".join(f'"{c}" = COALESCE(s."{c}", t."{c}")' for c in columns)
        cursor.execute(f'UPDATE "{table}" t SET {assignments} FROM subjects_update_stage s WHERE t.id = s.id')  # noqa: S608


# --- running a batch ----------------------------------------------------------------------


def error_report(errors: list[RowError]) -> bytes:
    """The rejected rows as CSV (UTF-8 with BOM): row, column, value, reason. Cells made formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Reason")])
    for error in errors:
        writer.writerow([error.row, safe_cell(error.column), safe_cell(error.value), safe_cell(error.reason)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def run_batch(
    batch: ImportBatch,
    path: Path,
    *,
    actor: Any | None,
    scope_codes: list[str] | None,
    progress: Callable[[int], None] | None = None,
) -> ImportBatch:
    """Import ``path`` into the registry as ``batch``; never raises for bad input (the batch says why)."""
    batch.sha256 = batch.sha256 or file_sha256(path)
    previous = (
        ImportBatch.objects.filter(sha256=batch.sha256, source=batch.source, status=ImportStatus.DONE, dry_run=False)
        .exclude(pk=batch.pk)
        .order_by("id")
        .first()
    )
    batch.status = ImportStatus.RUNNING
    batch.save()
    if previous is not None and not batch.dry_run:
        batch.status = ImportStatus.DONE
        batch.message = _("This file was already imported (batch %(id)s); nothing changed.") % {"id": previous.pk}
        batch.finished_at = timezone.now()
        batch.save()
        return batch
    importer = Importer(batch, path, actor=actor, scope_codes=scope_codes, progress=progress)
    try:
        counts = importer.run()
    except ImportFileError as exc:
        batch.status = ImportStatus.FAILED
        batch.message = str(exc)
        batch.finished_at = timezone.now()
        batch.save()
        return batch
    except Exception:
        batch.refresh_from_db()
        batch.status = ImportStatus.FAILED
        batch.message = _("The import stopped because of an internal error; rows imported so far are kept.")
        batch.finished_at = timezone.now()
        batch.save()
        raise
    batch.refresh_from_db()
    batch.processed_rows = counts.processed
    batch.total_rows = max(batch.total_rows, counts.processed)
    batch.created_count = counts.created
    batch.updated_count = counts.updated
    batch.unchanged_count = counts.unchanged
    batch.rejected_count = counts.rejected
    batch.status = ImportStatus.DONE
    batch.finished_at = timezone.now()
    if counts.errors:
        batch.error_file.save(f"import-{batch.pk}-errors.csv", ContentFile(error_report(counts.errors)), save=False)
    with transaction.atomic():  # the batch's result, its audit event and the notice commit together
        batch.save()
        record(
            event_type="subject.import_batch",
            actor=actor,
            obj=batch,
            data={
                "source": batch.source,
                "sha256": batch.sha256,
                "dry_run": batch.dry_run,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "rejected": counts.rejected,
            },
        )
        notify(
            event=IMPORT_FINISHED,
            recipients=[batch.created_by] if batch.created_by else [],
            context={
                "name": batch.file_name,
                "ok": counts.created + counts.updated + counts.unchanged,
                "errors": counts.rejected,
            },
            dedupe_key=f"import.finished:{batch.pk}",
            division_code=batch.division_id,
        )
    return batch
