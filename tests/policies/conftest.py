from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from accounts.models import User
from policies.actions import COLUMNS

TODAY = datetime.date(2026, 6, 1)

ROW = {
    "document_title": "信访工作条例",
    "document_number": "",
    "issuer": "中共中央、国务院",
    "kind": "regulation",
    "article": "第二十二条",
    "title": "登记与转送、交办",
    "text": "收到信访事项后15日内登记并转送。",
    "is_summary": "是",
    "summary_source": "产品领域说明摘要",
    "effective_on": "2022-05-01",
    "repealed_on": "",
}


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with freeze_time(datetime.datetime(2026, 6, 1, 2, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """A CSV file of ``rows`` (each a change of :data:`ROW`), header on line 1."""

    def write(*rows: dict[str, Any], name: str = "articles.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({**ROW, **row})
        return path

    return write


@pytest.fixture
def web_as() -> Callable[[User], Any]:
    from django.test import Client

    def client_for(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return client_for
