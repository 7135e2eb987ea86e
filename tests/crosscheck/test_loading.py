"""Loading department files: layouts, encodings, bad rows, idempotency, no full ID numbers stored."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from audit.models import AuditEvent
from crosscheck import actions, loader
from crosscheck.models import DatasetBatch, DatasetRow
from jurisdictions.models import Department
from subjects import ids

from .conftest import DEATHS, HUKOU, csv_bytes, new_id

PS = Department.PUBLIC_SECURITY


def load_bytes(data: bytes, name: str = "f.csv", department: str = PS, **kw):
    return actions.do_load_dataset(data, file_name=name, department=department, actor=None, **kw)


def test_rows_are_staged_with_blind_index_and_masked_number_only(db):
    number = new_id()
    batch, created = load_bytes(csv_bytes(HUKOU, [[number, "张三", "男", "1950-01-01", "440106"]]))
    assert created and batch.layout == "public_security.hukou"
    row = DatasetRow.objects.get(batch=batch)
    assert row.id_hmac == ids.blind_index(number)
    assert row.id_masked == ids.mask(number)
    stored = " ".join(str(v) for v in DatasetRow.objects.values_list().get())
    assert number not in stored
    assert AuditEvent.objects.filter(event_type="crosscheck.dataset_loaded").count() == 1


def test_the_same_file_loads_once(db):
    data = csv_bytes(DEATHS, [[new_id(), "张三", "2025-01-01"]])
    first, created = load_bytes(data)
    again, created_again = load_bytes(data, name="renamed.csv")
    assert created and not created_again and again.pk == first.pk
    assert DatasetRow.objects.count() == 1


def test_bad_rows_are_reported_and_good_rows_kept(db):
    good = new_id()
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = csv_bytes(
        DEATHS,
        [[good, "张三", "2025-01-01"], [bad_check, "李四", "2025-01-01"], [new_id(), "王五", "2025-13-40"]],
    )
    batch, _ = load_bytes(data)
    assert (batch.total_rows, batch.loaded_rows, batch.rejected_rows) == (3, 1, 2)
    assert [(e["row"], e["field"]) for e in batch.errors] == [(3, "公民身份号码"), (4, "死亡日期")]
    assert all(e["reason"] for e in batch.errors)
    assert bad_check not in str(batch.errors)


def test_gb18030_csv_and_xlsx_are_read(db):
    number = new_id()
    batch, _ = load_bytes(csv_bytes(DEATHS, [[number, "张三", "2025/02/03"]], encoding="gb18030"))
    assert DatasetRow.objects.get(batch=batch).event_date == dt.date(2025, 2, 3)
    book = Workbook()
    sheet = book.active
    sheet.append(["公民身份号码", "姓名", "是否有住房"])
    sheet.append([new_id(), "李四", "否"])
    buffer = io.BytesIO()
    book.save(buffer)
    batch, _ = load_bytes(buffer.getvalue(), name="housing.xlsx", department=Department.HOUSING)
    assert batch.layout == "housing.property" and DatasetRow.objects.get(batch=batch).flag is False


def test_a_file_matching_no_layout_is_refused_whole(db):
    with pytest.raises(loader.DatasetFileError):
        load_bytes(csv_bytes(["foo", "bar"], [["1", "2"]]))
    with pytest.raises(loader.DatasetFileError):
        load_bytes(b"")
    assert not DatasetBatch.objects.exists()


def test_a_scoped_token_loads_only_rows_of_its_division(db):
    token, _key = actions.do_issue_feed_token(name="天河公安", department=PS, actor=None, division=None)
    from jurisdictions.models import Division

    token.division = Division.objects.get(code="440106")
    token.save()
    data = csv_bytes(HUKOU, [[new_id(), "张三", "男", "", "440106"], [new_id("440104"), "李四", "男", "", "440104"]])
    batch, _ = load_bytes(data, token=token)
    assert batch.coverage_code == "440106"
    assert (batch.loaded_rows, batch.rejected_rows) == (1, 1)
    assert batch.errors[0]["field"] == "division_code"
