"""Reading handed-over files: encodings, spreadsheets, unreadable rows and files."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from core.readers import MAX_LINE_CHARS, NUMBER_MARK, UnreadableFile, detect_encoding, open_table


def rows_of(source: Path | bytes, file_name: str = "") -> tuple[list[str], list[tuple[int, list[str] | None]]]:
    table = open_table(source, file_name)
    return table.header, list(table.rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_accepted_encoding_reads_the_same(tmp_path: Path, encoding: str) -> None:
    data = "姓名,身份证号\n龚䶮𫖯,440106\n".encode(encoding)
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    for source in (data, path):
        assert rows_of(source) == (["姓名", "身份证号"], [(2, ["龚䶮𫖯", "440106"])])


def test_the_encoding_is_utf8_when_valid_else_gb18030() -> None:
    assert detect_encoding("张三".encode()) == "utf-8-sig"
    assert detect_encoding("张三".encode("gb18030")) == "gb18030"


def test_spreadsheet_cells_read_as_typed_text() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "整数", "小数", "长号码", "空"])
    sheet.append([dt.datetime(2025, 2, 3, 10, 0), 440106, 62.5, 4.40106196005170e17, None])
    buffer = io.BytesIO()
    book.save(buffer)
    header, rows = rows_of(buffer.getvalue())
    assert header == ["日期", "整数", "小数", "长号码", "空"]
    assert rows == [(2, ["2025-02-03", "440106", "62.5", NUMBER_MARK + "4.4010619600517e+17", ""])]


def test_an_overlong_line_is_one_unreadable_row() -> None:
    data = ("a,b\n1," + "x" * (MAX_LINE_CHARS + 1) + "\n2,y\n").encode()
    assert rows_of(data)[1] == [(2, None), (3, ["2", "y"])]


@pytest.mark.parametrize(
    ("data", "file_name", "reason"),
    [
        (b"", "", "empty"),
        (b"\xff\xfe\x00\x00\x81\x30\xff\xff binary \x80\x80\xff", "", "GB18030"),
        (b"PK\x03\x04 not really a zip", "", "XLSX"),
        (b",,\n1,2\n", "", "name the columns"),
    ],
)
def test_unusable_files_say_why(data: bytes, file_name: str, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason), translation.override("en"):
        open_table(data, file_name)
