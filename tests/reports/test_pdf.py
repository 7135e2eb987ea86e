"""The submitted report's PDF: official layout in Chinese with the signer's sign-off."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

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


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_a_submitted_report_is_issued_like_a_letter_numbered_sealed_signed_and_verifiable(
    populated: Any, approver_a: User, period: Any, real_pdf: None, tmp_path: Any
) -> None:
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from jurisdictions.models import Division
    from letters.actions import do_set_letterhead
    from letters.signing import check_pdf

    png = io.BytesIO()
    Image.new("RGBA", (64, 64), (212, 0, 0, 255)).save(png, format="PNG")
    do_set_letterhead(
        Division.objects.get(code=COUNTY_A),
        actor=None,
        seal=ContentFile(png.getvalue(), name="seal.png"),
        bureau_name="广州市天河区退役军人事务局",
        number_prefix="天退役军人决",
        reconsideration_body="广州市天河区人民政府",
        court="广州铁路运输法院",
    )
    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period, analysis="进展顺利。")
    actions.do_submit_report(report, actor=approver_a)
    document = report.documents.get()
    year = timezone.localtime(document.signed_at).year
    assert document.document_number == f"天退役军人报〔{year}〕1号"  # the letterhead's prefix, as a report
    assert document.verification_code and document.signer
    pdf = document.file.read()
    check = check_pdf(pdf)
    assert check.ok and check.intact and check.whole_file, check.problems
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    code = f"{document.verification_code[:5]}-{document.verification_code[5:]}"
    for expected in (document.document_number, "广州市退役军人事务局：", f"验证码：{code}", "/letters/verify/"):
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout
    rows = [line.split() for line in images.splitlines()[2:]]
    assert [(r[2], r[3], r[4]) for r in rows if r[2] == "image"] == [("image", "64", "64")]  # the bureau's seal


def test_the_public_verification_page_finds_a_submitted_report_and_says_when_it_was_replaced(
    populated: Any, approver_a: User, city_supervisor: User, period: Any
) -> None:
    from reports.models import ReportDocument

    report = actions.do_compile_report(COUNTY_A, actor=approver_a, period=period)
    actions.do_submit_report(report, actor=approver_a)
    first = report.documents.get()
    assert first.document_number.endswith(f"〔{timezone.localtime(first.signed_at).year}〕1号")
    page = Client().get(f"/letters/verify/{first.verification_code}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert first.document_number in body and first.sha256 in body and "广州市退役军人事务局" in body
    actions.do_return_report(report, actor=city_supervisor, comments="请补充分析")
    actions.do_submit_report(report, actor=approver_a)
    second = ReportDocument.objects.get(report=report, number=2)
    assert second.document_number.endswith("2号")
    assert second.document_number in Client().get(f"/letters/verify/{first.verification_code}/").content.decode()
    assert Client().get("/letters/verify/ZZZZZZZZZZ/").status_code == 404
