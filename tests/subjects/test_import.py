"""Bulk import: good rows kept, bad rows reported, idempotent, encodings, hostile files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from subjects import ids
from subjects.actions.imports import run_import_batch
from subjects.importer import template_csv, template_header
from subjects.models import DuplicateFlag, ImportBatch, ImportSource, ImportStatus, Subject
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import new_id

pytestmark = pytest.mark.django_db

HEADER = ["公民身份号码", "姓名", "人员类别", "户籍区划代码", "民族", "住房面积", "主要诉求"]


def write_csv(path: Path, rows: list[list[str]], *, header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def run(path: Path, *, source: str = "county", scope: str = "CN", dry_run: bool = False) -> ImportBatch:
    batch = ImportBatch(division_id=scope, source=source, file_name=path.name, dry_run=dry_run)
    batch.save()
    done = run_import_batch(batch, path, actor=None, scope_codes=[scope])
    assert done is not None
    return done


def errors_of(batch: ImportBatch) -> list[list[str]]:
    with batch.error_file.open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


def test_good_rows_are_imported_and_bad_rows_reported_with_row_field_and_reason(tmp_path: Path) -> None:
    good = new_id(COUNTY_A)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    bad_date = ids.build(COUNTY_A, dt.date(1960, 1, 1), 5).replace("19600101", "19600230")
    unknown_division = ids.build("990101", dt.date(1960, 1, 1), 5)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in new_id(COUNTY_A))
    path = write_csv(
        tmp_path / "people.csv",
        [
            [good, "王䶮", "退役士兵", COUNTY_A, "汉族", "60", '=HYPERLINK("http://x")'],
            [bad_check, "甲", "退役士兵", COUNTY_A, "", "", ""],
            [bad_date, "乙", "退役士兵", COUNTY_A, "", "", ""],
            [unknown_division, "丙", "退役士兵", COUNTY_A, "", "", ""],
            [full_width, "李𫖯", "烈士遗属", COUNTY_A, "壮", "", ""],
            [new_id(COUNTY_A), "=cmd|' /C calc'!A0", "退役士兵", COUNTY_A, "", "", ""],
            [new_id(COUNTY_A), "丁", "宇航员", "999999", "火星族", "-5", ""],
        ],
    )
    batch = run(path)
    assert batch.status == ImportStatus.DONE, batch.message
    assert (batch.created_count, batch.rejected_count) == (2, 5)
    assert set(Subject.objects.values_list("name", flat=True)) == {"王䶮", "李𫖯"}
    rare = Subject.objects.get(name="李𫖯")
    assert rare.ethnicity == "08"
    assert Subject.objects.get(name="王䶮").grievances.startswith("=HYPERLINK")  # stored as data
    errors = errors_of(batch)
    by_row: dict[str, list[str]] = {}
    for row, column, _value, _reason in errors:
        by_row.setdefault(row, []).append(column)
    assert by_row["3"] == ["公民身份号码"] and "校验" in next(e for e in errors if e[0] == "3")[3]
    assert by_row["4"] == ["公民身份号码"]
    assert by_row["5"] == ["公民身份号码"]
    assert by_row["7"] == ["姓名"]
    assert set(by_row["8"]) == {"人员类别", "户籍区划代码", "民族", "住房面积"}
    # The error file never holds a full ID number, and neutralises formulas.
    with batch.error_file.open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    assert bad_check not in text and bad_date not in text
    assert "\n=" not in text and ",=" not in text


def test_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [[new_id(), "甲", "退役士兵", COUNTY_A, "", "", ""]])
    first = run(path)
    assert first.created_count == 1
    second = run(path)
    assert second.status == ImportStatus.DONE
    assert second.sha256 == first.sha256
    assert second.created_count == second.updated_count == 0
    assert "已导入" in second.message
    assert Subject.objects.count() == 1


def test_upsert_updates_changed_cells_only_and_a_rerun_is_unchanged(tmp_path: Path) -> None:
    number = new_id()
    run(write_csv(tmp_path / "a.csv", [[number, "甲", "退役士兵", COUNTY_A, "汉族", "", ""]]))
    path = write_csv(tmp_path / "b.csv", [[number, "甲", "退役士兵", COUNTY_A, "", "45.5", ""]])
    second = run(path, source="county")
    assert (second.created_count, second.updated_count) == (0, 1)
    subject = Subject.objects.get()
    assert str(subject.floor_area) == "45.50"
    assert subject.ethnicity == "01"  # an empty cell never erases
    assert subject.provenance_of("floor_area")["ref"] == f"import:{second.pk}"
    third = run(write_csv(tmp_path / "c.csv", [[number, "甲", "", "", "", "45.50", ""]]))
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 0, 1)


def test_a_gb18030_file_imports_rare_characters_exactly(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gb.csv", [[new_id(), "龚䶮𫖯", "老复员军人", COUNTY_A, "", "", ""]], encoding="gb18030"
    )
    batch = run(path)
    assert batch.created_count == 1, batch.message
    assert Subject.objects.get().name == "龚䶮𫖯"


def test_a_utf8_file_with_bom_and_the_english_keys(tmp_path: Path) -> None:
    header = ["id_number", "name", "category", "division"]
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{','.join(header)}\n{new_id()},甲,retired_soldier,{COUNTY_A}\n".encode())
    assert run(path).created_count == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (b"\xff\xfe\x00\x00\x81\x30\xff\xff binary \x80\x80\xff", "GB18030"),
        ("姓名,人员类别\n甲,退役士兵\n".encode(), "公民身份号码"),
    ],
)
def test_unusable_files_fail_clearly(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    batch = run(path)
    assert batch.status == ImportStatus.FAILED
    assert message in batch.message


def test_a_10_mb_line_fails_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    ok = new_id()
    path.write_text(
        ",".join(HEADER) + "\n" + f"{new_id()},甲,退役士兵,{COUNTY_A},,," + "x" * (10 * 1024 * 1024) + "\n"
        f"{ok},乙,退役士兵,{COUNTY_A},,,\n",
        encoding="utf-8",
    )
    batch = run(path)
    assert (batch.created_count, batch.rejected_count) == (1, 1)
    assert errors_of(batch)[0][0] == "2"


def test_xlsx_files_import_and_numeric_id_cells_are_refused(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([new_id(), "甲", "退役士兵", COUNTY_A, "汉族", 50, ""])
    sheet.append([4.40106196005170e17, "乙", "退役士兵", int(COUNTY_A), None, None, None])
    path = tmp_path / "x.xlsx"
    book.save(path)
    batch = run(path)
    assert (batch.created_count, batch.rejected_count) == (1, 1)
    assert "文本" in errors_of(batch)[0][3]


def test_a_person_on_file_in_another_county_is_refused_and_flagged(
    tmp_path: Path, make_subject: Callable[..., Subject]
) -> None:
    existing = make_subject(COUNTY_A)
    number = ids.decrypt(existing.id_number_encrypted)
    path = write_csv(tmp_path / "b.csv", [[number, "张三", "退役士兵", COUNTY_B, "", "", ""]])
    batch = run(path, scope=COUNTY_B)
    assert batch.rejected_count == 1
    assert "天河区" in errors_of(batch)[0][3]
    flag = DuplicateFlag.objects.get()
    assert (flag.existing_county_code, flag.attempted_county_code) == (COUNTY_A, COUNTY_B)
    assert Subject.objects.get().county_code == COUNTY_A


def test_the_same_person_twice_in_one_file_is_reported(tmp_path: Path) -> None:
    number = new_id()
    path = write_csv(
        tmp_path / "d.csv",
        [[number, "甲", "退役士兵", COUNTY_A, "", "", ""], [number.lower(), "甲", "退役士兵", COUNTY_A, "", "", ""]],
    )
    batch = run(path)
    assert (batch.created_count, batch.rejected_count) == (1, 1)
    assert "2" in errors_of(batch)[0][3]


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [[new_id(), "甲", "退役士兵", COUNTY_A, "", "", ""]])
    batch = run(path, dry_run=True)
    assert batch.created_count == 1
    assert not Subject.objects.exists()


def test_department_files_update_only(tmp_path: Path, subject_a: Subject) -> None:
    number = ids.decrypt(subject_a.id_number_encrypted)
    header = ["公民身份号码", "就业状态"]
    path = write_csv(tmp_path / "dep.csv", [[number, "务农"], [new_id(), "企业"]], header=header)
    batch = run(path, source="department")
    assert (batch.updated_count, batch.rejected_count) == (1, 1)
    subject_a.refresh_from_db()
    assert subject_a.employment == "farming"
    assert subject_a.provenance_of("employment")["source"] == "department_verification"


def test_templates_have_their_sources_columns() -> None:
    for source in ImportSource.values:
        text = template_csv(source).decode("utf-8-sig")
        assert text.splitlines()[0].split(",") == template_header(source)


def test_the_command_imports_and_reports(tmp_path: Path, capsys: Any) -> None:
    path = write_csv(
        tmp_path / "a.csv", [[new_id(), "甲", "退役士兵", COUNTY_A, "", "", ""], ["1", "乙", "", "", "", "", ""]]
    )
    errors = tmp_path / "errors.csv"
    call_command("import_subjects", str(path), "--source", "county", "--errors", str(errors), verbosity=0)
    out = capsys.readouterr().out
    assert "1 created" in out and "1 rejected" in out
    assert errors.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(CommandError):
        call_command("import_subjects", str(tmp_path / "missing.csv"), "--source", "county", verbosity=0)


def test_rows_of_one_batch_changing_different_columns_keep_each_others_values(tmp_path: Path) -> None:
    one, two = new_id(), new_id()
    header = ["公民身份号码", "姓名", "人员类别", "户籍区划代码", "人员状态", "工作单位", "民族"]
    run(
        write_csv(
            tmp_path / "a.csv",
            [
                [one, "甲", "退役士兵", COUNTY_A, "", "甲厂", "汉族"],
                [two, "乙", "退役士兵", COUNTY_A, "已故", "", "回族"],
            ],
            header=header,
        )
    )
    batch = run(
        write_csv(
            tmp_path / "b.csv",
            [[one, "", "", "", "已故", "", ""], [two, "", "", "", "", "乙厂", ""]],
            header=header,
        )
    )
    assert batch.updated_count == 2
    first, second = Subject.objects.get(name="甲"), Subject.objects.get(name="乙")
    assert (first.status, first.employer, first.ethnicity) == ("deceased", "甲厂", "01")
    assert (second.status, second.employer, second.ethnicity) == ("deceased", "乙厂", "03")


def test_the_uploader_is_told_when_the_import_finished(tmp_path: Path, caseworker: Any) -> None:
    from notifications.models import Notification

    path = write_csv(
        tmp_path / "a.csv",
        [
            [new_id(), "甲", "退役士兵", COUNTY_A, "", "", ""],
            ["110105194912310021", "乙", "退役士兵", COUNTY_A, "", "", ""],
        ],
    )
    batch = ImportBatch(division_id=COUNTY_A, source="county", file_name=path.name, created_by=caseworker)
    batch.save()
    run_import_batch(batch, path, actor=caseworker, scope_codes=[COUNTY_A])
    notice = Notification.objects.get(recipient=caseworker, event="import.finished")
    assert notice.context == {"name": "a.csv", "ok": 1, "errors": 1}
