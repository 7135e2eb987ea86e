"""Caseworker pages (zh-Hans): list, detail, filing, inbox, task forms; the outsider gets 404 everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from cases.models import Case, Status

from .conftest import open_task

pytestmark = pytest.mark.django_db


def logged_in(client: Any, user: Any) -> Any:
    """Signed in with two-factor verified (approvers need it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_caseworker_liaison_and_approver_walk_a_claim_through_the_pages(
    client, caseworker, liaison_ps, approver, subject
):
    logged_in(client, caseworker)
    page = client.get(f"/cases/new/?subject={subject.pk}")
    assert page.status_code == 200
    assert "提交案件" in page.content.decode() or "立案" in page.content.decode()
    response = client.post(
        "/cases/new/",
        {
            "subject": subject.pk,
            "kind": "benefit_claim",
            "title": "申请定期抚恤补助",
            "channel": "walk_in",
            "departments": ["public_security"],
            "benefit_type": "state_subsidy",
            "benefit_change": "add",
            "benefit_amount": "300",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    intake = open_task(case, "intake")
    assert client.post(f"/cases/tasks/{intake.pk}/", {"departments": ["public_security"]}).status_code == 302
    logged_in(client, liaison_ps)
    inbox = client.get("/cases/inbox/?scope=queue").content.decode()
    assert case.number in inbox
    verify = open_task(case, "verify_public_security")
    assert client.post(f"/cases/tasks/{verify.pk}/claim/").status_code == 302
    assert case.number in client.get("/cases/inbox/?scope=mine").content.decode()
    assert client.post(f"/cases/tasks/{verify.pk}/", {"result": "confirmed"}).status_code == 302
    logged_in(client, approver)
    approve = open_task(case, "approve")
    form = client.get(f"/cases/tasks/{approve.pk}/").content.decode()
    assert "批准" in form
    response = client.post(
        f"/cases/tasks/{approve.pk}/",
        {"decision": "approve", "legal_basis": "条例", "findings": "经核查，申请人符合条件。"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "已结案" in detail or "结案" in detail
    assert "数据库已更新" in detail


def test_a_form_error_keeps_the_input_and_explains(client, liaison_ps, walk, file_case):
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    response = logged_in(client, liaison_ps).post(f"/cases/tasks/{task.pk}/", {"result": "disputed", "note": ""})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors


def test_completing_a_task_twice_shows_a_409_page(client, caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    logged_in(client, caseworker)
    assert client.post(f"/cases/tasks/{task.pk}/", {}).status_code == 302
    response = client.post(f"/cases/tasks/{task.pk}/", {})
    assert response.status_code == 409


def test_the_detail_page_offers_only_what_the_user_may_do(client, caseworker, approver, walk, file_case):
    case = walk.intake(file_case())
    as_caseworker = logged_in(client, caseworker).get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/withdraw/" in as_caseworker
    assert "/claim/" not in as_caseworker  # verification tasks are for the departments
    as_approver = logged_in(client, approver).get(f"/cases/{case.pk}/").content.decode()
    assert "/withdraw/" not in as_approver


def test_withdraw_from_the_page(client, caseworker, file_case):
    case = file_case()
    response = logged_in(client, caseworker).post(f"/cases/{case.pk}/withdraw/", {"reason": "本人撤回"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.WITHDRAWN
    assert client.post(f"/cases/{case.pk}/withdraw/", {"reason": "再次"}).status_code == 409


def test_withdrawing_asks_for_confirmation_on_a_page_of_its_own(client, caseworker, file_case):
    case = file_case()
    detail = logged_in(client, caseworker).get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/withdraw/"' not in detail  # no dangerous form inline
    assert f'href="/cases/{case.pk}/withdraw/"' in detail
    confirm = client.get(f"/cases/{case.pk}/withdraw/")
    assert confirm.status_code == 200
    assert "撤回" in confirm.content.decode() and case.number in confirm.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED  # looking withdrew nothing
    unexplained = client.post(f"/cases/{case.pk}/withdraw/", {"reason": ""})
    assert unexplained.status_code == 400
    assert unexplained.context["form"].errors["reason"]
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_the_case_page_shows_the_step_the_case_is_at_and_its_due_date(client, caseworker, walk, file_case):
    case = walk.intake(file_case())
    response = logged_in(client, caseworker).get(f"/cases/{case.pk}/")
    steps = response.context["steps"]
    assert [str(s["label"]) for s in steps] == ["受理", "核查", "审批", "办结"]
    assert [s["state"] for s in steps] == ["done", "current", "todo", "todo"]
    assert steps[1]["due"] == case.due_at
    assert 'aria-current="step"' in response.content.decode()


def test_a_finished_case_has_every_step_done(client, caseworker, file_case):
    case = file_case()
    logged_in(client, caseworker).post(f"/cases/{case.pk}/withdraw/", {"reason": "本人撤回"})
    steps = client.get(f"/cases/{case.pk}/").context["steps"]
    assert [s["state"] for s in steps] == ["done"] * 4
    assert steps[-1]["note"] == "已撤回"


def test_the_timeline_names_people_not_usernames(client, caseworker, file_case):
    caseworker.first_name = "张经办"
    caseworker.save(update_fields=["first_name"])
    case = file_case()
    timeline = logged_in(client, caseworker).get(f"/cases/{case.pk}/").content.decode().split('id="timeline"')[1]
    assert "张经办" in timeline
    assert caseworker.username not in timeline


def test_filing_a_duplicate_shows_the_open_case(client, caseworker, subject, file_case):
    first = file_case()
    body = {
        "subject": subject.pk,
        "kind": "benefit_claim",
        "title": "再次申请",
        "channel": "phone",
        "benefit_type": "state_subsidy",
        "benefit_change": "add",
        "benefit_amount": "100",
    }
    response = logged_in(client, caseworker).post("/cases/new/", body)
    assert response.status_code == 200 and first.number in response.content.decode()
    response = client.post("/cases/new/", {**body, "duplicate_action": "link"})
    assert response.status_code == 302
    assert Case.objects.latest("id").related_case == first


def test_the_case_list_filters_and_searches(client, caseworker, file_case, walk):
    open_case = file_case()
    other = walk.intake(file_case())
    logged_in(client, caseworker)
    page = client.get("/cases/", {"status": "verifying"}).content.decode()
    assert other.number in page and open_case.number not in page
    page = client.get("/cases/", {"q": open_case.number}).content.decode()
    assert open_case.number in page and other.number not in page
    page = client.get("/cases/", {"stage": "verify_public_security"}).content.decode()
    assert other.number in page and open_case.number not in page


def test_the_case_list_uses_a_bounded_number_of_queries(client, caseworker, file_case):
    logged_in(client, caseworker)
    file_case()
    client.get("/cases/")
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    for _ in range(6):
        file_case()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/cases/")
    assert response.status_code == 200
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as inbox_few:
        client.get("/cases/inbox/?scope=queue")
    file_case()
    with CaptureQueriesContext(connection) as inbox_many:
        client.get("/cases/inbox/?scope=queue")
    assert len(inbox_many) == len(inbox_few)


def test_print_view_and_timeline(client, caseworker, walk, file_case):
    case = walk.intake(file_case())
    page = logged_in(client, caseworker).get(f"/cases/{case.pk}/print/").content.decode()
    assert (case.number in page and "案件已立" in page) or "立案" in page


def test_navigation_counts_my_tasks_and_the_queue(client, caseworker, file_case):
    file_case()
    page = logged_in(client, caseworker).get("/cases/").content.decode()
    assert 'class="navcount">1<' in page


def test_the_outsider_gets_404_on_every_case_page(
    client, caseworker_b, liaison_b, approver_b, walk, file_case, subject
):
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    for outsider in (caseworker_b, liaison_b, approver_b):
        logged_in(client, outsider)
        for url in (
            f"/cases/{case.pk}/",
            f"/cases/{case.pk}/print/",
            f"/cases/{case.pk}/withdraw/",
            f"/cases/tasks/{task.pk}/",
            f"/cases/new/?subject={subject.pk}",
        ):
            assert client.get(url).status_code == 404, url
        for url in (
            f"/cases/{case.pk}/withdraw/",
            f"/cases/{case.pk}/attachments/",
            f"/cases/tasks/{task.pk}/claim/",
            f"/cases/tasks/{task.pk}/release/",
            f"/cases/tasks/{task.pk}/reassign/",
            f"/cases/tasks/{task.pk}/",
        ):
            assert (
                client.post(url, {"reason": "x", "user": outsider.username, "result": "confirmed"}).status_code == 404
            ), url
        assert client.post("/cases/inbox/assign/", {"task": [task.pk], "user": outsider.username}).status_code == 404
        assert case.number not in client.get("/cases/").content.decode()
        assert case.number not in client.get("/cases/inbox/?scope=queue").content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.VERIFYING
    assert not AuditEvent.objects.filter(event_type__startswith="task.", object_id=str(case.pk)).exists()


def test_bulk_assign_by_a_supervisor(client, city_supervisor, caseworker, file_case):
    tasks = [open_task(file_case(), "intake") for _ in range(2)]
    logged_in(client, city_supervisor)
    response = client.post("/cases/inbox/assign/", {"task": [t.pk for t in tasks], "user": "caseworker"})
    assert response.status_code == 302
    for task in tasks:
        task.refresh_from_db()
        assert task.owner == caseworker


def test_the_queue_filters_by_task_department_and_division(client, city_supervisor, walk, file_case):
    submitted = file_case()
    verifying = walk.intake(file_case())
    logged_in(client, city_supervisor)
    page = client.get("/cases/inbox/", {"scope": "queue", "node": "intake"}).content.decode()
    assert submitted.number in page and verifying.number not in page
    page = client.get("/cases/inbox/", {"scope": "queue", "department": "civil_affairs"}).content.decode()
    assert verifying.number in page and submitted.number not in page
    page = client.get("/cases/inbox/", {"scope": "queue", "division": "440104"}).content.decode()
    assert submitted.number not in page and verifying.number not in page
