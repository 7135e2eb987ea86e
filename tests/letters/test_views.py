"""Pages: the public verification page, permission-checked downloads (audited), dispatch,
correction, undelivered letters and letterheads — and the outsider's 404 on each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from letters.models import Letter, Letterhead
from tests.conftest import COUNTY_A


@pytest.fixture
def letter(
    letterhead: Any, file_case: Callable[..., Any], decide: Callable[..., Any], issue: Callable[..., Letter]
) -> Letter:
    return issue(decide(file_case(), "reject"), "rejection")


def _downloads(letter: Letter) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type="letter.downloaded", object_id=str(letter.pk)))


def test_the_verification_page_confirms_a_real_code_without_signing_in(client: Client, letter: Letter) -> None:
    response = client.get(reverse("letters:verify", args=[letter.verification_code]))
    assert response.status_code == 200
    page = response.content.decode()
    for shown in ("广州市天河区退役军人事务局", letter.number, letter.sha256, "欧***", "不予批准决定书"):
        assert shown in page
    # Enough to confirm authenticity, nothing more: no full name, ID number or case number.
    for hidden in (letter.snapshot["subject"]["name"], letter.snapshot["subject"]["id_masked"], letter.case.number):
        assert hidden not in page


def test_the_printed_code_with_its_dash_and_in_lower_case_also_verifies(client: Client, letter: Letter) -> None:
    printed = letter.snapshot["verification_code"].lower()
    assert client.get(f"/letters/verify/{printed}/").status_code == 200


def test_a_forged_code_gives_404(client: Client, letter: Letter) -> None:
    assert client.get("/letters/verify/ABCDE23456/").status_code == 404
    assert client.get("/letters/verify/x/").status_code == 404


def test_a_pending_letter_does_not_verify_yet(
    client: Client, letterhead: Any, file_case: Callable[..., Any], approver: Any
) -> None:
    from letters.actions import do_request_letter

    pending = do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    assert client.get(f"/letters/verify/{pending.verification_code}/").status_code == 404


def test_the_verification_page_says_when_a_letter_was_superseded(client: Client, letter: Letter, approver: Any) -> None:
    from letters.actions import do_supersede_letter

    new = do_supersede_letter(letter, actor=approver, reason="理由表述有误")
    page = client.get(f"/letters/verify/{letter.verification_code}/").content.decode()
    assert new.number in page


def test_the_verification_page_is_open_to_a_user_who_has_not_passed_two_factor(
    client: Client, letter: Letter, approver: Any
) -> None:
    client.force_login(approver)  # approvers need TOTP for everything else
    assert client.get(f"/letters/verify/{letter.verification_code}/").status_code == 200


def test_a_caseworker_downloads_the_pdf_and_the_download_is_audited(
    client: Client, letter: Letter, caseworker: Any
) -> None:
    client.force_login(caseworker)
    response = client.get(reverse("letters:download", args=[letter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    import hashlib

    assert hashlib.sha256(body).hexdigest() == letter.sha256
    [event] = _downloads(letter)
    assert event.actor_username == "caseworker" and event.data["via"] == "page"


def test_an_outsider_gets_404_on_every_letter_page(client: Client, letter: Letter, caseworker_b: Any) -> None:
    client.force_login(caseworker_b)
    for url in (
        reverse("letters:detail", args=[letter.pk]),
        reverse("letters:download", args=[letter.pk]),
        reverse("letters:case", args=[letter.case_id]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("letters:dispatch", args=[letter.pk]),
        reverse("letters:supersede", args=[letter.pk]),
        reverse("letters:retry", args=[letter.pk]),
    ):
        assert client.post(url, {"method": "printed", "date": "2026-01-01", "reason": "x"}).status_code == 404, url
    assert _downloads(letter) == []


def test_signing_in_is_required_for_downloads(client: Client, letter: Letter) -> None:
    response = client.get(reverse("letters:download", args=[letter.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_file_changed_on_disk_is_not_served(client: Client, letter: Letter, caseworker: Any, settings: Any) -> None:
    from pathlib import Path

    path = Path(settings.LAUREL_LETTER_DIR) / letter.file_name
    path.chmod(0o640)
    path.write_bytes(path.read_bytes() + b"x")
    client.force_login(caseworker)
    assert client.get(reverse("letters:download", args=[letter.pk])).status_code == 503


def test_the_detail_page_records_a_dispatch(client: Client, letter: Letter, caseworker: Any) -> None:
    client.force_login(caseworker)
    page = client.get(reverse("letters:detail", args=[letter.pk]))
    assert page.status_code == 200 and letter.number in page.content.decode()
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("letters:dispatch", args=[letter.pk]),
        {"method": "mailed", "date": today, "tracking_number": "EMS9876543210CN"},
    )
    assert response.status_code == 302
    assert letter.dispatches.get().tracking_number == "EMS9876543210CN"
    response = client.post(
        reverse("letters:dispatch", args=[letter.pk]), {"method": "mailed", "date": today}, follow=True
    )
    assert letter.dispatches.count() == 1  # refused with a message: no tracking number
    assert "tracking number" in response.content.decode().lower() or "邮件" in response.content.decode()


def test_a_caseworker_may_not_correct_a_decision_letter_but_an_approver_may(
    client: Client, letter: Letter, caseworker: Any, approver: Any
) -> None:
    client.force_login(caseworker)
    assert client.post(reverse("letters:supersede", args=[letter.pk]), {"reason": "更正"}).status_code == 403
    approver_client = Client()
    approver_client.force_login(approver)
    # Approvers must pass two-factor first; mark the session verified as the TOTP step would.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=approver, name="test", confirmed=True)
    session = approver_client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = approver_client.post(reverse("letters:supersede", args=[letter.pk]), {"reason": "理由表述有误"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.superseded_at is not None


def test_undelivered_letters_are_listed_per_county(
    client: Client, letter: Letter, caseworker: Any, supervisor: Any
) -> None:
    client.force_login(supervisor)  # city level: sees both counties
    page = client.get(reverse("letters:undelivered"), {"county": COUNTY_A}).content.decode()
    assert letter.number in page
    assert client.get(reverse("letters:undelivered"), {"county": "110101"}).status_code == 404  # another province
    from letters.actions import do_record_dispatch

    do_record_dispatch(letter, method="in_person", date=timezone.localdate(), actor=caseworker)
    assert letter.number not in client.get(reverse("letters:undelivered")).content.decode()


def test_an_administrator_sets_the_letterhead_of_their_county(
    client: Client, make_user: Callable[..., Any], db: Any
) -> None:
    import io

    from PIL import Image

    admin = make_user("county_admin", "sysadmin", COUNTY_A)  # letterheads are settings: the system administrator
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin, name="test", confirmed=True)
    client.force_login(admin)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    png = io.BytesIO()
    Image.new("RGBA", (64, 64), (212, 0, 0, 255)).save(png, "PNG")
    png.seek(0)
    png.name = "seal.png"
    form = {
        "bureau_name": "广州市天河区退役军人事务局",
        "header_text": "",
        "number_prefix": "天退役军人决",
        "reconsideration_body": "广州市天河区人民政府",
        "reconsideration_days": 60,
        "court": "广州铁路运输法院",
        "lawsuit_months": 6,
        "seal_upload": png,
    }
    response = client.post(reverse("letters:letterhead", args=[COUNTY_A]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    head = Letterhead.objects.get(division_id=COUNTY_A)
    assert (head.seal.name or "").endswith(".png")
    assert AuditEvent.objects.filter(event_type="letter.letterhead_changed").exists()
    # Not theirs: another county's letterhead is outside the jurisdiction.
    assert client.get(reverse("letters:letterhead", args=["440104"])).status_code == 404


def test_a_caseworker_may_not_change_letterheads(client: Client, caseworker: Any) -> None:
    client.force_login(caseworker)
    assert client.get(reverse("letters:letterhead", args=[COUNTY_A])).status_code == 403


def test_a_caseworker_requests_a_correction_letter_from_the_case_page(
    client: Client, letterhead: Any, file_case: Callable[..., Any], caseworker: Any, caseworker_b: Any
) -> None:
    case = file_case()
    url = reverse("letters:request", args=[case.pk])
    form = {"kind": "correction", "reasons": "请补充退役证复印件。", "days": 10}
    outsider = Client()
    outsider.force_login(caseworker_b)
    assert outsider.post(url, form).status_code == 404
    client.force_login(caseworker)
    assert client.post(url, {**form, "reasons": ""}).status_code == 302  # refused with a message
    assert not Letter.objects.exists()
    response = client.post(url, form)
    letter = Letter.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("letters:detail", args=[letter.pk])
    assert letter.kind == "correction" and letter.snapshot["correction"] == {"what": "请补充退役证复印件。", "days": 10}
    assert letter.number in client.get(reverse("letters:case", args=[case.pk])).content.decode()


def test_the_verification_page_speaks_to_the_public(client: Client, letter: Letter) -> None:
    page = client.get(reverse("letters:verify", args=[letter.verification_code])).content.decode()
    footer = page.split('<footer class="footer">', 1)[1]
    assert "查验" in footer and "仅限授权工作人员" not in footer  # its own footer, not the staff one
    assert "sha256sum" not in page  # no shell commands for the public
    assert 'style="' not in page  # the hash is wrapped by the stylesheet (the CSP forbids inline styles)
    assert f'<code class="hash">{letter.sha256}</code>' in page


def test_the_dispatch_date_is_prefilled_as_the_browser_date_field_expects(
    client: Client, letter: Letter, caseworker: Any
) -> None:
    client.force_login(caseworker)
    page = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    assert f'type="date" name="date" value="{timezone.localdate().isoformat()}"' in page
    assert "登记" in page  # the dispatch button: 登记, not 档案号


def test_the_signing_certificate_is_described_in_chinese() -> None:
    from django.utils import translation

    from letters.templatetags.letters_extras import certificate

    with translation.override("zh-hans"):
        described = certificate("Common Name: 天河区退役军人事务局, Organization: 天河区人民政府, Country: CN")
    assert described == "名称：天河区退役军人事务局；单位：天河区人民政府；国家：CN"
