"""Registration (登记), acceptance (受理) and refusal (不予受理) with their limits, through actions and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from letters.models import Letter
from petitions import actions, nodes
from petitions.deadlines import deadlines_of
from petitions.models import Petition, Stage

pytestmark = pytest.mark.django_db


def open_nodes(case):
    return {
        t.flow_task.name
        for t in Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    }


def test_a_registered_matter_waits_for_acceptance_with_15_days_moved_off_the_weekend(register):
    case = register()
    petition = Petition.objects.get(case=case)
    assert case.kind == "grievance" and petition.stage == Stage.REGISTERED
    assert open_nodes(case) == {nodes.ACCEPT}
    # Received Friday 5 June: 15 days end on Saturday 20 June, moved to Monday 22 June.
    assert deadlines_of(petition).accept_by.date == dt.date(2026, 6, 22)
    assert AuditEvent.objects.filter(event_type="petition.registered", object_id=str(case.pk)).exists()


def test_the_15_days_run_from_receipt(register):
    petition = Petition.objects.get(case=register(received_on=dt.date(2026, 6, 1)))
    assert deadlines_of(petition).accept_by.date == dt.date(2026, 6, 16)  # Tuesday: not moved


def test_registration_needs_request_facts_and_reasons_naming_article_19(register):
    with pytest.raises(ValidationError) as exc:
        register(request=" ", facts="", reasons="")
    assert set(exc.value.message_dict) == {"request", "facts", "reasons"}
    assert not Petition.objects.exists()
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="register").exists()


def test_a_hand_off_needs_its_reference_number(register):
    with pytest.raises(ValidationError) as exc:
        register(channel="hotline_12345")
    assert "reference_number" in exc.value.message_dict
    case = register(channel="national_system", reference_number="XF-2026-0001")
    assert case.petition.reference_number == "XF-2026-0001"


def test_accepting_starts_60_days_and_issues_the_acceptance_notice(register, caseworker):
    case = actions.do_accept(register(), actor=caseworker)
    petition = Petition.objects.get(case=case)
    assert petition.stage == Stage.HANDLING and petition.accepted_on == dt.date(2026, 6, 5)
    handle_by = deadlines_of(petition).handle_by
    assert handle_by is not None and handle_by.date == dt.date(2026, 8, 4)
    assert open_nodes(case) == {nodes.HANDLE}
    assert Letter.objects.filter(case=case, kind=actions.ACCEPTANCE).count() == 1
    assert case.due_at is not None and case.due_at.date() == dt.date(2026, 8, 4)


def test_registration_within_own_remit_may_accept_at_once(register):
    case = register(accept_now=True)
    assert case.petition.stage == Stage.HANDLING and open_nodes(case) == {nodes.HANDLE}


def test_the_same_request_in_progress_raised_again_is_flagged_and_not_accepted(register, articles):
    first = register(accept_now=True)
    again = register(request=" 补发优待证 ")
    petition = Petition.objects.get(case=again)
    assert petition.repeat_of == first and petition.stage == Stage.REFUSED
    assert again.status == "closed" and again.outcome == "not_accepted"
    assert petition.refusal_citations[0]["number"] == "第十九条"
    letter = Letter.objects.get(case=again, kind=actions.NON_ACCEPTANCE)
    # The article is a summary (摘要): cited by number, its text never printed as the article.
    assert letter.snapshot["petition"]["basis"] == [{"cite": "《信访工作条例》第十九条", "text": ""}]


def test_refusing_needs_reasons_and_articles_in_force(register, caseworker, articles):
    case = register()
    with pytest.raises(ValidationError) as exc:
        actions.do_refuse(case, actor=caseworker, reasons="不属于本机关职权", citations_=[articles["repealed"].pk])
    message = exc.value.message_dict["citations"][0]
    assert "信访条例" in message and "第二十一条" in message
    assert Petition.objects.get(case=case).stage == Stage.REGISTERED
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="refuse").exists()
    case = actions.do_refuse(case, actor=caseworker, reasons="不属于本机关职权", citations_=[articles["19"].pk])
    assert case.status == "closed" and case.petition.stage == Stage.REFUSED
    assert open_nodes(case) == set()


def test_the_api_accepts_and_shows_the_deadlines(api_as, caseworker, register):
    case = register()
    client = api_as(caseworker)
    detail = client.get(f"/api/v1/cases/{case.pk}/").data
    assert detail["deadlines"]["accept_by"] == {"date": "2026-06-22", "provisional": False}
    assert detail["clock"]["state"] == "waiting" and detail["handling_bodies"]["lead"]["code"] == "440106"
    response = client.post(f"/api/v1/cases/{case.pk}/transitions/accept/", {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["deadlines"]["handle_by"] == {"date": "2026-08-04", "provisional": False}
    assert response.data["petition"]["stage"] == "handling"
    again = client.post(f"/api/v1/cases/{case.pk}/transitions/accept/", {}, format="json")
    assert again.status_code == 409


def test_an_unknown_transition_is_404(api_as, caseworker, register):
    case = register()
    assert api_as(caseworker).post(f"/api/v1/cases/{case.pk}/transitions/fly/", {}, format="json").status_code == 404


def test_the_api_registers_a_walk_in(api_as, caseworker, subject):
    body = {
        "subject": subject.pk,
        "channel": "visit",
        "request": "补发优待证",
        "facts": "未收到",
        "reasons": "符合条件",
    }
    response = api_as(caseworker).post("/api/v1/petitions/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["kind"] == "grievance" and response.data["petition"]["channel"] == "visit"
    bad = api_as(caseworker).post("/api/v1/petitions/", {**body, "request": ""}, format="json")
    assert bad.status_code == 400 and "request" in bad.data


def test_the_outsider_sees_nothing(api_as, caseworker_b, register, subject):
    case = register()
    client = api_as(caseworker_b)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client.post(f"/api/v1/cases/{case.pk}/transitions/accept/", {}, format="json").status_code == 404
    body = {"subject": subject.pk, "channel": "visit", "request": "x", "facts": "x", "reasons": "x"}
    assert client.post("/api/v1/petitions/", body, format="json").status_code == 404


def test_the_tasks_list_shows_the_acceptance_step(api_as, caseworker, register):
    case = register()
    rows = api_as(caseworker).get("/api/v1/tasks/?scope=queue").data
    row = next(r for r in rows if r["case"]["id"] == case.pk)
    assert row["node"] == nodes.ACCEPT and row["label"]


def test_an_approver_cannot_accept(api_as, approver, register):
    case = register()
    response = api_as(approver).post(f"/api/v1/cases/{case.pk}/transitions/accept/", {}, format="json")
    assert response.status_code == 403


def test_the_sla_scan_announces_an_acceptance_overdue(register, caseworker, _today):
    from django.utils import timezone

    from cases.actions import scan_sla
    from notifications.models import Notification

    case = register()
    _today.move_to(dt.datetime(2026, 6, 23, 2, 0, tzinfo=dt.UTC))  # the day after Monday 22 June
    counts = scan_sla(timezone.now())
    assert counts["overdue"] == 1
    note = Notification.objects.get(event="sla.overdue", recipient=caseworker)
    assert note.context["case"] == case.number and note.context["step"] == nodes.ACCEPT
    from django.utils import translation

    from cases.notify import words

    with translation.override("zh-hans"):
        assert words(note.context)["step"] == "信访：受理审查"
