"""A supervisor uploads a department file with a bad row in a real browser (PostgreSQL only):
the upload page is reached from the cross-check navigation, the progress shows, the batch page
lists the rejected row and offers its error file. Screenshots go to ``var/screenshots/crosscheck/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from crosscheck.models import DatasetBatch
from tests.cases.conftest import restore_demo_divisions
from tests.cases.test_browser import CHROMIUM, browser, server, session_cookie  # noqa: F401  (fixtures)

from .conftest import DEATHS, csv_bytes, new_id

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots" / "crosscheck"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser walks run on PostgreSQL only"),
]


@pytest.fixture
def supervisor(make_user: Any) -> Any:
    restore_demo_divisions()
    return make_user("supervisor_a", "supervisor", "440106")


def test_supervisor_uploads_a_file_with_a_bad_row_in_the_browser(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    supervisor: Any,
    tmp_path: Path,
) -> None:
    rows = [
        [new_id(), "张三", "2025-01-01"],
        ["110101190001010000", "王五", "2025-13-01"],
        [new_id(), "李四", "2025-02-01"],
    ]
    file = tmp_path / "deaths.csv"
    file.write_bytes(csv_bytes(DEATHS, rows))
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN")
    context.add_cookies([session_cookie(supervisor, server)])
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{server}/crosscheck/")
    page.click("#nav-upload")
    page.wait_for_url("**/crosscheck/upload/")
    page.select_option("#id_department", "public_security")
    page.set_input_files("#id_file", str(file))
    page.screenshot(path=str(SHOTS / "upload.png"), full_page=True)
    page.click("#dataset-upload button[type=submit]")
    page.wait_for_url("**/crosscheck/batches/*/")
    page.screenshot(path=str(SHOTS / "uploaded.png"), full_page=True)

    batch = DatasetBatch.objects.get()
    assert (batch.loaded_rows, batch.rejected_rows) == (2, 1)
    assert page.locator("#batch-errors tbody tr").first.inner_text().startswith("3")
    assert page.locator("#error-file").count() == 1
    assert "已导入 2 行" in page.locator("ul.messages").inner_text()
    assert not problems, problems
    context.close()
