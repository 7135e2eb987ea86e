"""The grievance pages: registration from the workbench and the person's page, the case page's panel, transitions."""

from __future__ import annotations

import pytest

from petitions.models import Petition, Stage

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    from tests.cases.test_views import logged_in as two_factor_login

    return two_factor_login(client, user)


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


def test_the_workbench_and_the_person_page_lead_to_registration(signed_in, subject):
    assert 'id="register-petition"' in signed_in.get("/").content.decode()
    page = signed_in.get(f"/subjects/{subject.pk}/").content.decode()
    assert f"/petitions/register/?subject={subject.pk}" in page


def test_registration_chooses_the_person_then_registers(signed_in, subject):
    found = signed_in.get("/petitions/register/", {"name": subject.name})
    assert f"?subject={subject.pk}" in found.content.decode()
    form = signed_in.get("/petitions/register/", {"subject": subject.pk})
    assert form.status_code == 200
    body = {
        "subject": subject.pk,
        "channel": "visit",
        "request": "补发优待证",
        "facts": "未收到",
        "reasons": "符合条件",
    }
    response = signed_in.post("/petitions/register/", body)
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert response["Location"] == f"/cases/{petition.case_id}/"


def test_registration_shows_the_missing_request_on_its_field(signed_in, subject):
    body = {"subject": subject.pk, "channel": "visit", "request": "", "facts": "未收到", "reasons": "符合条件"}
    response = signed_in.post("/petitions/register/", body)
    assert response.status_code == 400 and not Petition.objects.exists()
    assert "Art. 19" in response.content.decode() or "第十九条" in response.content.decode()


def test_the_case_page_shows_the_limits_and_the_steps(signed_in, register):
    case = register()
    page = signed_in.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="petition-deadlines"' in page and "2026-06-22" in page
    assert f"/petitions/{case.pk}/accept/" in page and f"/petitions/{case.pk}/refuse/" in page


def test_accepting_then_extending_through_the_pages(signed_in, register, client, approver):
    case = register()
    assert signed_in.get(f"/petitions/{case.pk}/accept/").status_code == 200
    assert signed_in.post(f"/petitions/{case.pk}/accept/", {}).status_code == 302
    refused = signed_in.post(f"/petitions/{case.pk}/extend/", {"days": "45", "reason": "复杂"})
    assert refused.status_code == 400 and Petition.objects.get().stage == Stage.HANDLING
    assert signed_in.post(f"/petitions/{case.pk}/extend/", {"days": "20", "reason": "复杂"}).status_code == 302
    assert signed_in.post(f"/petitions/{case.pk}/approve_extension/", {"approve": "yes"}).status_code == 403
    logged_in(client, approver)
    assert client.post(f"/petitions/{case.pk}/approve_extension/", {"approve": "yes"}).status_code == 302
    assert Petition.objects.get().extension_days == 20


def test_deciding_through_the_page_picks_citations(signed_in, register, articles):
    case = register(accept_now=True)
    form = signed_in.get(f"/petitions/{case.pk}/decide/").content.decode()
    assert "《信访工作条例》第三十二条" in form and "旧条文" not in form
    body = {"opinion": "support", "facts": "经查属实", "reasons": "予以补发", "citations": [articles["32"].pk]}
    assert signed_in.post(f"/petitions/{case.pk}/decide/", body).status_code == 302
    assert Petition.objects.get().stage == Stage.DECIDED


def test_the_outsider_gets_404_on_every_page(client, caseworker_b, register, subject):
    case = register()
    client.force_login(caseworker_b)
    assert client.get(f"/petitions/{case.pk}/accept/").status_code == 404
    assert client.post(f"/petitions/{case.pk}/accept/", {}).status_code == 404
    assert client.get("/petitions/register/", {"subject": subject.pk}).status_code == 404


def test_an_unknown_step_page_is_404(signed_in, register):
    case = register()
    assert signed_in.get(f"/petitions/{case.pk}/fly/").status_code == 404


def test_the_inbox_task_link_of_a_grievance_step_leads_to_the_case_page(signed_in, register):
    from petitions import actions, nodes

    case = register()
    task = actions.open_task(case, nodes.ACCEPT)
    assert task is not None
    response = signed_in.get(f"/cases/tasks/{task.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"


def test_a_provisional_limit_is_shown_as_such(signed_in, register, api_as, caseworker, monkeypatch):
    import petitions.deadlines
    from policies.calendar import Limit

    real = petitions.deadlines.calendar_limit
    monkeypatch.setattr(
        petitions.deadlines, "calendar_limit", lambda start, days: Limit(real(start, days).date, provisional=True)
    )
    case = register()
    assert "暂按 2026-06-22" in signed_in.get(f"/cases/{case.pk}/").content.decode()
    detail = api_as(caseworker).get(f"/api/v1/cases/{case.pk}/").data
    assert detail["deadlines"]["accept_by"] == {"date": "2026-06-22", "provisional": True}


def test_a_letter_is_registered_with_its_scan(signed_in, subject):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import Attachment

    scan = SimpleUploadedFile("来信.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", content_type="application/pdf")
    body = {
        "subject": subject.pk,
        "channel": "letter",
        "request": "补发优待证",
        "facts": "未收到",
        "reasons": "符合条件",
    }
    response = signed_in.post("/petitions/register/", {**body, "scan": scan})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Attachment.objects.get(case=Petition.objects.get().case).original_name == "来信.pdf"


def test_a_hearing_is_scheduled_and_its_record_attached_through_the_pages(signed_in, register):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from petitions.models import Hearing

    case = register(accept_now=True)
    body = {"held_at": "2026-06-20T09:00", "place": "区局会议室", "participants": "信访人、经办人"}
    assert signed_in.post(f"/petitions/{case.pk}/schedule_hearing/", body).status_code == 302
    hearing = Hearing.objects.get()
    assert f"/petitions/{case.pk}/hearings/{hearing.pk}/record/" in signed_in.get(f"/cases/{case.pk}/").content.decode()
    record = SimpleUploadedFile("笔录.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", content_type="application/pdf")
    response = signed_in.post(f"/petitions/{case.pk}/hearings/{hearing.pk}/record/", {"record": record})
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert hearing.record is not None and hearing.record.original_name == "笔录.pdf"


def test_the_outsider_cannot_attach_a_hearing_record(client, caseworker_b, register):
    from petitions.models import Hearing

    case = register(accept_now=True)
    hearing = Hearing.objects.create(
        petition=case.petition, held_at=case.created_at, place="x", participants="x", scheduled_by=case.filed_by
    )
    client.force_login(caseworker_b)
    assert client.post(f"/petitions/{case.pk}/hearings/{hearing.pk}/record/", {}).status_code == 404
