"""``manage.py load_dataset`` and ``manage.py crosscheck``."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from crosscheck.models import DatasetBatch, Discrepancy, Run

from .conftest import DEATHS, csv_bytes


def test_load_then_run_from_the_command_line(tmp_path: Path, make_subject, add_benefit):
    subject, number = make_subject()
    add_benefit(subject)
    path = tmp_path / "deaths.csv"
    path.write_bytes(csv_bytes(DEATHS, [[number, subject.name, "2025-01-31"], ["123", "坏行", "2025-01-01"]]))
    out = StringIO()
    call_command("load_dataset", str(path), "--department", "public_security", "--no-progress", stdout=out)
    assert "1 loaded, 1 rejected" in out.getvalue()
    assert "row 3, 公民身份号码" in out.getvalue()
    out = StringIO()
    call_command("load_dataset", str(path), "--department", "public_security", "--no-progress", stdout=out)
    assert "Already loaded" in out.getvalue()
    assert DatasetBatch.objects.count() == 1

    out = StringIO()
    call_command("crosscheck", "--department", "public_security", "--as-of", "2025-06-30", "--no-progress", stdout=out)
    assert "deceased_receiving: 1" in out.getvalue()
    item = Discrepancy.objects.get()
    assert item.months_overpaid == 5
    assert Run.objects.get().department == "public_security"


def test_command_errors_are_clear(tmp_path: Path, db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_dataset", str(tmp_path / "missing.csv"), "--department", "housing")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(CommandError, match="README"):
        call_command("load_dataset", str(bad), "--department", "housing", "--no-progress")
    with pytest.raises(CommandError, match="Unknown division"):
        call_command("crosscheck", "--division", "999999", "--no-progress")


def test_issue_feed_token_prints_the_key_once(db):
    out = StringIO()
    call_command("issue_feed_token", "民政低保库", "--department", "civil_affairs", "--division", "440100", stdout=out)
    assert "Authorization: Feed" in out.getvalue()
