"""Attachments: type sniffed from content, size limit, random storage names with SHA-256, audited downloads."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from cases.models import Attachment

from .test_views import logged_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _attachment_dir(settings, tmp_path):
    settings.LAUREL_ATTACHMENT_DIR = tmp_path / "attachments"


def test_a_pdf_is_stored_under_a_random_name_and_downloads_are_audited(client, caseworker, file_case):
    case = file_case()
    logged_in(client, caseworker)
    upload = SimpleUploadedFile("户口簿.pdf", PDF, content_type="image/png")  # the claimed type is ignored
    assert client.post(f"/cases/{case.pk}/attachments/", {"file": upload}).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "户口簿" not in attachment.storage_name and len(attachment.storage_name) == 48
    response = client.get(f"/cases/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(event_type="attachment.downloaded", actor=caseworker).count() == 1
    assert "户口簿.pdf" in client.get(f"/cases/{case.pk}/").content.decode()


def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_whatever_its_name(client, caseworker, file_case):
    case = file_case()
    logged_in(client, caseworker)
    upload = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(f"/cases/{case.pk}/attachments/", {"file": upload}, follow=True)
    assert not Attachment.objects.exists()
    assert "PDF" in response.content.decode()


def test_a_file_over_the_limit_is_refused(client, caseworker, file_case, settings):
    settings.LAUREL_ATTACHMENT_MAX_BYTES = 20
    case = file_case()
    logged_in(client, caseworker)
    client.post(f"/cases/{case.pk}/attachments/", {"file": SimpleUploadedFile("a.png", PNG)})
    assert not Attachment.objects.exists()


def test_the_outsider_cannot_download_or_upload(client, caseworker, caseworker_b, file_case):
    case = file_case()
    logged_in(client, caseworker)
    client.post(f"/cases/{case.pk}/attachments/", {"file": SimpleUploadedFile("a.png", PNG)})
    attachment = Attachment.objects.get()
    logged_in(client, caseworker_b)
    assert client.get(f"/cases/attachments/{attachment.pk}/").status_code == 404
    assert client.get("/cases/attachments/999999/").status_code == 404
    assert client.post(f"/cases/{case.pk}/attachments/", {"file": SimpleUploadedFile("b.png", PNG)}).status_code == 404
    assert not AuditEvent.objects.filter(event_type="attachment.downloaded").exists()
