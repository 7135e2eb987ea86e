"""Intake review offers the real choices: accept (受理), return for correction (补正, with the list of
what is missing and the 补正通知书) and refuse to accept (不予受理, reasons, legal basis and the
不予受理告知书); a case returned at intake comes back to intake review once corrected."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from cases import actions
from cases.models import IntakeDecision, Outcome, Status
from core.errors import Conflict
from letters.models import Letter
from policies.models import PolicyArticle, PolicyDocument

from .conftest import open_nodes, open_task
from .test_views import logged_in

pytestmark = pytest.mark.django_db


def test_returning_at_intake_lists_what_is_missing_pauses_the_clock_and_requests_the_correction_notice(
    caseworker, file_case
):
    case = file_case()
    case = actions.do_return_at_intake(
        open_task(case, "intake"), actor=caseworker, missing=["household_register", "bank_account"], other="近期照片"
    )
    assert case.status == Status.RETURNED and case.paused_at is not None
    assert open_nodes(case) == {"correct"}
    letter = Letter.objects.get(case=case, kind="correction")
    assert letter.snapshot["correction"]["what"].splitlines() == [
        "1. 户口簿复印件",
        "2. 用于发放的银行账户",
        "3. 近期照片",
    ]
    event = AuditEvent.objects.filter(event_type="case.transition", object_id=str(case.pk)).latest("id")
    assert event.data["intake"] == IntakeDecision.CORRECT
    assert event.data["missing"] == ["household_register", "bank_account"]


def test_a_case_corrected_after_intake_comes_back_to_intake_review_and_can_then_be_accepted(
    caseworker, file_case, walk
):
    case = file_case()
    actions.do_return_at_intake(open_task(case, "intake"), actor=caseworker, missing=["id_card"], days=10)
    assert Letter.objects.get(case=case, kind="correction").snapshot["correction"]["days"] == 10
    case = actions.do_resubmit_case(open_task(case, "correct"), actor=caseworker, note="已补交身份证复印件")
    assert case.status == Status.SUBMITTED and case.paused_at is None and case.due_at is not None
    assert open_nodes(case) == {"intake"}
    case = walk.intake(case)
    assert case.status == Status.VERIFYING and case.verification_round == 1
    assert open_nodes(case) == {"verify_public_security", "verify_civil_affairs"}


def test_a_return_at_intake_needs_something_missing_and_known_items(caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    with pytest.raises(ValidationError) as caught:
        actions.do_return_at_intake(task, actor=caseworker, missing=[], other="  ")
    assert "missing" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.do_return_at_intake(task, actor=caseworker, missing=["favourite_colour"])
    assert "favourite_colour" in caught.value.message_dict["missing"][0]
    with pytest.raises(ValidationError) as caught:
        actions.do_return_at_intake(task, actor=caseworker, missing=["id_card"], days=0)
    assert "days" in caught.value.message_dict
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and not Letter.objects.filter(case=case, kind="correction").exists()


def test_refusing_to_accept_closes_the_case_with_reasons_legal_basis_and_the_refusal_notice(caseworker, file_case):
    case = file_case()
    case = actions.do_refuse_intake(
        open_task(case, "intake"),
        actor=caseworker,
        reasons="申请事项不属于本机关职责范围。",
        legal_basis="《信访工作条例》第三十条",
    )
    assert case.status == Status.CLOSED and case.outcome == Outcome.NOT_ACCEPTED
    assert case.decided_by == caseworker and case.due_at is None
    assert open_nodes(case) == set()
    letter = Letter.objects.get(case=case, kind="non_acceptance")
    assert letter.snapshot["decision"]["reasons"] == "申请事项不属于本机关职责范围。"
    assert letter.snapshot["decision"]["legal_basis"] == "《信访工作条例》第三十条"
    assert not Letter.objects.filter(case=case, kind="acknowledgement").exists()


def test_a_refusal_needs_reasons_and_legal_basis(caseworker, file_case):
    case = file_case()
    with pytest.raises(ValidationError) as caught:
        actions.do_refuse_intake(open_task(case, "intake"), actor=caseworker, reasons=" ", legal_basis="")
    assert set(caught.value.message_dict) == {"reasons", "citations"}
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_the_second_of_two_intake_decisions_on_the_same_task_loses(caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    actions.do_refuse_intake(task, actor=caseworker, reasons="不属于受理范围", legal_basis="条例")
    with pytest.raises(Conflict):
        actions.do_return_at_intake(task, actor=caseworker, missing=["id_card"])


def test_an_unknown_intake_choice_is_a_field_error(caseworker, file_case):
    case = file_case()
    with pytest.raises(ValidationError) as caught:
        actions.do_complete_task(open_task(case, "intake"), actor=caseworker, data={"intake_decision": "forward"})
    assert "intake_decision" in caught.value.message_dict


# --- the page -------------------------------------------------------------------------------


def test_the_intake_form_offers_the_three_choices_in_chinese(client, caseworker, file_case):
    case = file_case()
    page = logged_in(client, caseworker).get(f"/cases/tasks/{open_task(case, 'intake').pk}/").content.decode()
    for words in ("予以受理", "退回补正", "不予受理", "户口簿复印件", "补正期限（日）", "不予受理的理由"):
        assert words in page, words


def test_the_caseworker_returns_an_application_for_correction_from_the_form(client, caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    response = logged_in(client, caseworker).post(
        f"/cases/tasks/{task.pk}/", {"intake_decision": "correct", "missing": ["id_card"], "days": "15"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RETURNED
    assert Letter.objects.filter(case=case, kind="correction").exists()


def test_a_refusal_without_reasons_shows_chinese_field_errors_and_saves_nothing(client, caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    response = logged_in(client, caseworker).post(f"/cases/tasks/{task.pk}/", {"intake_decision": "refuse"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "请写明不予受理的理由" in errors["reasons"][0]
    assert "请从政策法规库中选择本决定所依据的条文" in errors["citations"][0]
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_the_second_post_of_an_intake_decision_is_a_409(client, caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    logged_in(client, caseworker)
    document = PolicyDocument.objects.create(title="信访工作条例", kind="regulation")
    article = PolicyArticle.objects.create(
        document=document, number="第二十一条", version=1, text="条文。", effective_on=dt.date(2022, 5, 1)
    )
    body: dict[str, Any] = {"intake_decision": "refuse", "reasons": "不属于受理范围", "citations": [article.pk]}
    assert client.post(f"/cases/tasks/{task.pk}/", body).status_code == 302
    assert client.post(f"/cases/tasks/{task.pk}/", body).status_code == 409


def test_the_outsider_gets_404_on_the_intake_form(client, caseworker_b, file_case):
    case = file_case()
    task = open_task(case, "intake")
    logged_in(client, caseworker_b)
    assert client.get(f"/cases/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/cases/tasks/{task.pk}/", {"intake_decision": "refuse"}).status_code == 404


# --- the API --------------------------------------------------------------------------------


def test_the_api_returns_an_application_for_correction_and_older_clients_still_accept(caseworker, file_case, api_as):
    returned, accepted = file_case(), file_case()
    response = api_as(caseworker).post(
        f"/api/v1/tasks/{open_task(returned, 'intake').pk}/complete/",
        {"intake_decision": "correct", "missing": ["id_card"]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == Status.RETURNED
    response = api_as(caseworker).post(f"/api/v1/tasks/{open_task(accepted, 'intake').pk}/complete/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == Status.VERIFYING


def test_the_api_answers_a_refusal_without_reasons_with_400_field_messages(caseworker, file_case, api_as):
    case = file_case()
    response = api_as(caseworker).post(
        f"/api/v1/tasks/{open_task(case, 'intake').pk}/complete/", {"intake_decision": "refuse"}, format="json"
    )
    assert response.status_code == 400
    assert {"reasons", "citations"} <= set(response.json())
