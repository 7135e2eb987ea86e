"""Every task form shows what it decides on — the case, the person's summary, the earlier
verification results and the documents inline — and a liaison attaches the department's reply
document to a verification, which the approver then sees inside the approval task."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from cases import actions
from cases.models import Attachment, Status, VerificationResult

from .conftest import open_task
from .test_attachments import PDF, PNG
from .test_views import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _attachment_dir(settings, tmp_path):
    settings.LAUREL_ATTACHMENT_DIR = tmp_path / "attachments"


def test_the_liaison_attaches_the_departments_reply_to_the_verification(file_case, walk, liaison_ps):
    case = walk.intake(file_case())
    verification = actions.do_record_verification(
        open_task(case, "verify_public_security"),
        actor=liaison_ps,
        result="confirmed",
        reply=SimpleUploadedFile("公安复函.pdf", PDF),
    )
    reply = Attachment.objects.get(verification=verification)
    assert reply.case == case and reply.original_name == "公安复函.pdf" and reply.uploaded_by == liaison_ps
    event = AuditEvent.objects.get(event_type="attachment.added")
    assert event.data["department"] == "public_security"


def test_a_reply_that_is_not_a_document_is_a_field_error_and_nothing_is_recorded(file_case, walk, liaison_ps):
    case = walk.intake(file_case())
    with pytest.raises(ValidationError) as caught:
        actions.do_record_verification(
            open_task(case, "verify_public_security"),
            actor=liaison_ps,
            result="confirmed",
            reply=SimpleUploadedFile("reply.pdf", b"MZ not a document"),
        )
    assert "reply" in caught.value.message_dict
    assert not VerificationResult.objects.exists() and not Attachment.objects.exists()


def test_the_liaison_uploads_the_reply_on_the_verification_form(client, file_case, walk, liaison_ps):
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    logged_in(client, liaison_ps)
    page = client.get(f"/cases/tasks/{task.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and "部门复函" in page
    response = client.post(
        f"/cases/tasks/{task.pk}/", {"result": "confirmed", "reply": SimpleUploadedFile("复函.png", PNG)}
    )
    assert response.status_code == 302
    verification = Attachment.objects.get().verification
    assert verification is not None and verification.department == "public_security"


def test_a_bad_reply_file_on_the_form_is_a_chinese_field_error(client, file_case, walk, liaison_ps):
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    response = logged_in(client, liaison_ps).post(
        f"/cases/tasks/{task.pk}/", {"result": "confirmed", "reply": SimpleUploadedFile("x.pdf", b"MZ")}
    )
    assert response.status_code == 200
    assert "PDF" in response.context["form"].errors["reply"][0]
    assert not VerificationResult.objects.exists()


def test_the_approval_task_shows_the_case_the_person_the_verifications_and_the_documents_inline(
    client, caseworker, file_case, walk, liaison_ps, liaison_ca, approver
):
    case = walk.intake(file_case())
    actions.do_add_attachment(case, upload=SimpleUploadedFile("户口簿.png", PNG), actor=caseworker)
    actions.do_record_verification(
        open_task(case, "verify_public_security"),
        actor=liaison_ps,
        result="confirmed",
        reply=SimpleUploadedFile("公安复函.pdf", PDF),
    )
    actions.do_record_verification(open_task(case, "verify_civil_affairs"), actor=liaison_ca, result="confirmed")
    case.refresh_from_db()
    assert case.status == Status.PENDING_APPROVAL
    image, reply = Attachment.objects.order_by("id")
    page = logged_in(client, approver).get(f"/cases/tasks/{open_task(case, 'approve').pk}/").content.decode()
    assert case.title in page and case.subject.name in page and case.subject.id_number_masked in page
    assert "公安" in page and "公安复函.pdf" in page  # the verification and its reply document
    assert f'<img class="preview" src="/cases/attachments/{image.pk}/preview/"' in page
    assert f'<iframe class="preview" src="/cases/attachments/{reply.pk}/preview/"' in page
    assert "style=" not in page.split('id="task-form"')[0].split("<main")[-1]  # CSP: no inline styles


def test_the_preview_serves_the_document_inline_to_the_sites_own_pages_only_and_is_audited(
    client, caseworker, file_case
):
    case = file_case()
    attachment = actions.do_add_attachment(case, upload=SimpleUploadedFile("a.pdf", PDF), actor=caseworker)
    response = logged_in(client, caseworker).get(f"/cases/attachments/{attachment.pk}/preview/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(event_type="attachment.downloaded")
    assert event.data["via"] == "preview"


def test_the_outsider_gets_404_on_the_task_form_and_the_preview(client, caseworker, caseworker_b, file_case):
    case = file_case()
    attachment = actions.do_add_attachment(case, upload=SimpleUploadedFile("a.png", PNG), actor=caseworker)
    logged_in(client, caseworker_b)
    assert client.get(f"/cases/attachments/{attachment.pk}/preview/").status_code == 404
    assert client.get(f"/cases/tasks/{open_task(case, 'intake').pk}/").status_code == 404
