"""The submitted report's PDF: official layout in Chinese with the signer's sign-off."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from reports import actions
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_submission_renders_a_chinese_pdf_with_the_sign_off(
    populated: Any, approver_a: User, city_supervisor: User, period: Any, real_pdf: None, tmp_path: Any
) -> None:
    approver_a.first_name = "张审批"
    approver_a.save()
    analysis = "本县服务对象信息采集进展顺利。"
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period, analysis=analysis)
    actions.do_submit_report(report, actor=approver_a)
    document = report.documents.get()
    client = Client()
    client.force_login(city_supervisor)
    response = client.get(reverse("reports:document", kwargs={"report_id": report.pk, "number": 1}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    assert "天河区退役军人事务局" in compact
    assert "本县服务对象信息采集进展顺利" in compact
    assert "签发人" in compact and "张审批" in compact
    assert "服务对象类别及状态" in compact
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == document.sha256
