"""In a real browser (PostgreSQL only): the approver opens the approval task from the case page and
sees, inside the task, the person, the verification with the department's reply document, and the
documents themselves (the scan as an image, the reply PDF in a frame) — no decision taken blind.
Screenshots go to var/screenshots/approval-task/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases import actions
from cases.models import Kind, Status

from .conftest import BENEFIT_FIELDS, open_task
from .test_browser import browser, page_as, people, server  # noqa: F401 - fixtures of the browser walks

SHOTS = Path("var/screenshots/approval-task")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser walks run on PostgreSQL only"),
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed"),
]


def reply_pdf() -> bytes:
    """The department's reply, a one-page PDF (a real one: the browser's viewer shows it)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (595, 842), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 535, 120), fill=(200, 30, 30))
    for y in range(180, 700, 30):
        draw.line((70, y, 525, y), fill=(60, 60, 60), width=3)
    out = io.BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


def scan_png() -> bytes:
    """A small "scan" of a household register page (grey lines on paper), as PNG."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 300), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 470, 290), outline=(120, 40, 40), width=4)
    for y in range(50, 280, 28):
        draw.line((30, y, 450, y), fill=(150, 150, 150), width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def pending_case(people: dict[str, Any], make_user: Any, settings: Any, tmp_path: Path) -> Any:  # noqa: F811
    settings.LAUREL_ATTACHMENT_DIR = tmp_path / "attachments"
    case = actions.do_file_case(
        people["subject"],
        kind=Kind.BENEFIT_CLAIM,
        title="申请定期抚恤补助",
        description="我是退役士兵，生活困难。",
        actor=people["caseworker"],
        departments=["public_security"],
        duplicate_action="continue",
        **BENEFIT_FIELDS,
    )
    actions.do_add_attachment(case, upload=SimpleUploadedFile("户口簿.png", scan_png()), actor=people["caseworker"])
    actions.do_review_intake(open_task(case, "intake"), actor=people["caseworker"])
    actions.do_record_verification(
        open_task(case, "verify_public_security"),
        actor=people["liaison"],
        result="confirmed",
        note="户籍信息一致",
        reply=SimpleUploadedFile("公安复函.pdf", reply_pdf()),
    )
    case.refresh_from_db()
    assert case.status == Status.PENDING_APPROVAL
    return case


def test_the_approver_sees_the_documents_inside_the_approval_task(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    people: dict[str, Any],  # noqa: F811
    pending_case: Any,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = page_as(browser, people["approver"], server)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{server}/cases/{pending_case.pk}/")
    page.click("#open-tasks >> text=办理")
    page.wait_for_selector("#task-form")
    assert "赵大勇" in page.inner_text("#task-person")
    verifications = page.inner_text("#task-verifications")
    assert "公安" in verifications and "公安复函.pdf" in verifications
    image = page.locator("#task-documents img.preview")
    image.scroll_into_view_if_needed()
    # Polled from here: wait_for_function's in-page polling evaluates a string, which the CSP forbids.
    for _ in range(100):
        if page.locator("#task-documents img.preview").evaluate("img => img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert image.evaluate("img => img.naturalWidth") == 480
    assert page.locator("#task-documents iframe.preview").count() == 1
    page.screenshot(path=str(SHOTS / "01-approval-task-top.png"))
    page.locator("#task-documents").screenshot(path=str(SHOTS / "02-documents-inline.png"))
    page.screenshot(path=str(SHOTS / "03-approval-task-full.png"), full_page=True)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


def test_the_caseworker_returns_an_application_for_correction_at_intake_in_the_browser(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    people: dict[str, Any],  # noqa: F811
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = actions.do_file_case(
        people["subject"],
        kind=Kind.BENEFIT_CLAIM,
        title="申请定期抚恤补助",
        actor=people["caseworker"],
        departments=["public_security"],
        duplicate_action="continue",
        **BENEFIT_FIELDS,
    )
    page = page_as(browser, people["caseworker"], server)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{server}/cases/{case.pk}/")
    page.click("#open-tasks >> text=办理")
    page.check("input[name=intake_decision][value=correct]")
    page.check("input[name=missing][value=household_register]")
    page.fill("#id_other", "近期免冠照片")
    page.locator("#task-form").screenshot(path=str(SHOTS / "04-intake-return-for-correction.png"))
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/cases/inbox/")
    case.refresh_from_db()
    assert case.status == Status.RETURNED
