"""The cases and tasks API: the whole walk, errors (400/403/404/409), and the outsider."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cases.models import Case, Status
from subjects.models import Benefit

from .conftest import open_task

pytestmark = pytest.mark.django_db


def file_via_api(client: Any, subject: Any, **extra: Any) -> Any:
    body = {
        "subject": subject.pk,
        "kind": "benefit_claim",
        "title": "申请定期抚恤补助",
        "description": "本人申请",
        "departments": ["public_security", "civil_affairs"],
        "benefit_type": "state_subsidy",
        "benefit_change": "add",
        "benefit_amount": "300.00",
        **extra,
    }
    return client.post("/api/v1/cases/", body, format="json")


def test_benefit_claim_walks_through_the_api(api_as, caseworker, liaison_ps, liaison_ca, approver, subject):
    cw, ps, ca, ap = api_as(caseworker), api_as(liaison_ps), api_as(liaison_ca), api_as(approver)
    response = file_via_api(cw, subject)
    assert response.status_code == 201, response.data
    case_id = response.data["id"]
    assert response.data["status"] == "submitted"
    [intake] = cw.get("/api/v1/tasks/?scope=queue").data
    assert intake["node"] == "intake"
    assert cw.post(f"/api/v1/tasks/{intake['id']}/claim/").data["owner"] == "caseworker"
    assert [t["id"] for t in cw.get("/api/v1/tasks/?scope=mine").data] == [intake["id"]]
    assert cw.post(f"/api/v1/tasks/{intake['id']}/complete/", {}, format="json").data["status"] == "verifying"
    [verify_ps] = ps.get("/api/v1/tasks/?scope=queue").data
    [verify_ca] = ca.get("/api/v1/tasks/?scope=queue").data
    assert (verify_ps["department"], verify_ca["department"]) == ("public_security", "civil_affairs")
    bad = ps.post(f"/api/v1/tasks/{verify_ps['id']}/complete/", {"result": "maybe"}, format="json")
    assert bad.status_code == 400 and "result" in bad.data
    assert (
        ps.post(f"/api/v1/tasks/{verify_ps['id']}/complete/", {"result": "confirmed"}, format="json").status_code == 200
    )
    done = ca.post(
        f"/api/v1/tasks/{verify_ca['id']}/complete/", {"result": "confirmed", "note": "无异常"}, format="json"
    )
    assert done.data["status"] == "pending_approval"
    [approve] = ap.get("/api/v1/tasks/?scope=queue").data
    response = ap.post(
        f"/api/v1/tasks/{approve['id']}/complete/",
        {"decision": "approve", "reasons": "符合条件", "legal_basis": "《军人抚恤优待条例》第十条"},
        format="json",
    )
    assert response.data["status"] == "closed"
    detail = cw.get(f"/api/v1/cases/{case_id}/").data
    assert detail["outcome"] == "approved" and detail["open_tasks"] == []
    assert {v["department"] for v in detail["verifications"]} == {"public_security", "civil_affairs"}
    history = cw.get(f"/api/v1/cases/{case_id}/history/").data
    assert [e["event_type"] for e in history][:2] == ["case.filed", "task.claimed"]
    assert "case.applied" in [e["event_type"] for e in history]
    assert Benefit.objects.get(subject=subject).source_ref == detail["number"]


def test_filing_validates_kind_fields(api_as, caseworker, subject):
    response = file_via_api(api_as(caseworker), subject, benefit_type="", benefit_change="add")
    assert response.status_code == 400
    assert "benefit_type" in response.data


def test_filing_a_duplicate_answers_409_with_the_open_case(api_as, caseworker, subject):
    client = api_as(caseworker)
    first = file_via_api(client, subject).data
    response = file_via_api(client, subject)
    assert response.status_code == 409
    assert response.data["duplicates"][0]["number"] == first["number"]
    linked = file_via_api(client, subject, duplicate_action="link")
    assert linked.status_code == 201 and linked.data["related_case"] == first["number"]


def test_withdraw_transition_and_409_when_repeated(api_as, caseworker, file_case):
    case = file_case()
    client = api_as(caseworker)
    url = f"/api/v1/cases/{case.pk}/transitions/withdraw/"
    response = client.post(url, {"reason": "本人撤回"}, format="json")
    assert response.status_code == 200 and response.data["status"] == "withdrawn"
    again = client.post(url, {"reason": "再次撤回"}, format="json")
    assert again.status_code == 409
    assert again.data["status"] == "withdrawn"


def test_an_unknown_transition_is_409(api_as, caseworker, file_case):
    case = file_case()
    response = api_as(caseworker).post(f"/api/v1/cases/{case.pk}/transitions/approve/", {}, format="json")
    assert response.status_code == 409 and response.data["status"] == "submitted"


def test_completing_a_completed_task_is_409(api_as, caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    client = api_as(caseworker)
    assert client.post(f"/api/v1/tasks/{task.pk}/complete/", {}, format="json").status_code == 200
    response = client.post(f"/api/v1/tasks/{task.pk}/complete/", {}, format="json")
    assert response.status_code == 409
    assert response.data["status"] == "verifying"


def test_claiming_a_task_claimed_by_someone_else_is_409(api_as, caseworker, make_user, file_case):
    case = file_case()
    task = open_task(case, "intake")
    other = make_user("caseworker2", "caseworker")
    assert api_as(caseworker).post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 200
    response = api_as(other).post(f"/api/v1/tasks/{task.pk}/claim/")
    assert response.status_code == 409
    assert api_as(other).post(f"/api/v1/tasks/{task.pk}/release/").status_code == 403


def test_a_liaison_cannot_work_on_another_departments_task(api_as, liaison_ca, walk, file_case):
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    response = api_as(liaison_ca).post(f"/api/v1/tasks/{task.pk}/complete/", {"result": "confirmed"}, format="json")
    assert response.status_code == 403


def test_a_caseworker_cannot_approve(api_as, caseworker, walk, file_case):
    case = walk.verify_all(walk.intake(file_case()))
    task = open_task(case, "approve")
    response = api_as(caseworker).post(f"/api/v1/tasks/{task.pk}/complete/", {"decision": "approve"}, format="json")
    assert response.status_code == 403


def test_the_approver_who_is_the_subject_is_refused_with_403(api_as, approver, subject, walk, file_case):
    case = walk.verify_all(walk.intake(file_case()))
    approver.id_number_hmac = subject.id_number_hmac
    approver.save()
    task = open_task(case, "approve")
    response = api_as(approver).post(f"/api/v1/tasks/{task.pk}/complete/", {"decision": "approve"}, format="json")
    assert response.status_code == 403
    assert "回避" in str(response.data["detail"])
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_APPROVAL


def test_a_supervisor_of_the_city_sees_and_reassigns_county_tasks(api_as, city_supervisor, caseworker, file_case):
    case = file_case()
    task = open_task(case, "intake")
    client = api_as(city_supervisor)
    assert [t["id"] for t in client.get("/api/v1/tasks/?scope=queue").data] == [task.pk]
    response = client.post(f"/api/v1/tasks/{task.pk}/reassign/", {"user": "caseworker"}, format="json")
    assert response.status_code == 200 and response.data["owner"] == "caseworker"
    bad = client.post(f"/api/v1/tasks/{task.pk}/reassign/", {"user": "city_supervisor"}, format="json")
    assert bad.status_code == 400


def test_the_case_list_is_scoped_and_searchable(api_as, caseworker, caseworker_b, file_case, subject):
    case = file_case()
    data = api_as(caseworker).get("/api/v1/cases/").data
    assert [c["number"] for c in data["results"]] == [case.number]
    assert api_as(caseworker_b).get("/api/v1/cases/").data["results"] == []
    assert api_as(caseworker).get("/api/v1/cases/", {"q": case.number}).data["results"][0]["id"] == case.pk
    assert api_as(caseworker).get("/api/v1/cases/", {"q": "张三"}).data["results"][0]["id"] == case.pk
    assert api_as(caseworker).get("/api/v1/cases/", {"q": "无此人"}).data["results"] == []


def test_keyset_pagination_walks_every_case_once(api_as, caseworker, file_case):
    numbers = {file_case().number for _ in range(5)}
    client = api_as(caseworker)
    from cases import queries

    seen: list[str] = []
    rows, cursor = queries.keyset_page(queries.case_list(caseworker), size=2)
    seen += [c.number for c in rows]
    while cursor:
        rows, cursor = queries.keyset_page(queries.case_list(caseworker), after=cursor, size=2)
        seen += [c.number for c in rows]
    assert sorted(seen) == sorted(numbers) and len(seen) == 5
    assert client.get("/api/v1/cases/", {"after": "garbage"}).status_code == 200


def test_an_outsider_gets_404_on_every_case_and_task_endpoint(
    api_as, caseworker_b, liaison_b, approver_b, walk, file_case
):
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    for outsider in (caseworker_b, liaison_b, approver_b):
        client = api_as(outsider)
        assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}/history/").status_code == 404
        assert client.post(f"/api/v1/cases/{case.pk}/transitions/withdraw/", {"reason": "x"}).status_code == 404
        for action in ("claim", "release", "complete", "reassign"):
            assert client.post(f"/api/v1/tasks/{task.pk}/{action}/", {"result": "confirmed"}).status_code == 404
        assert client.get("/api/v1/tasks/?scope=queue").data == []
        assert client.get("/api/v1/cases/").data["results"] == []
    assert Case.objects.get(pk=case.pk).status == Status.VERIFYING


def test_an_outsider_cannot_file_for_a_subject_of_another_county(api_as, caseworker_b, subject):
    assert file_via_api(api_as(caseworker_b), subject).status_code == 404


def test_anonymous_requests_are_refused(api_client, file_case):
    case = file_case()
    assert api_client.get(f"/api/v1/cases/{case.pk}/").status_code in (401, 403)


def test_search_by_full_id_number_uses_the_blind_index(api_as, caseworker, make_subject, file_case):
    from .conftest import new_id

    number = new_id()
    person = make_subject(name="钱七", id_number=number)
    case = file_case(subject_=person)
    client = api_as(caseworker)
    assert [c["id"] for c in client.get("/api/v1/cases/", {"q": number}).data["results"]] == [case.pk]
    assert client.get("/api/v1/cases/", {"q": number[:-1] + ("0" if number[-1] != "0" else "1")}).data["results"] == []


def test_the_list_pages_with_a_cursor(api_as, caseworker, file_case):
    for _ in range(3):
        file_case()
    client = api_as(caseworker)
    first = client.get("/api/v1/cases/").data
    assert first["next"] is None and len(first["results"]) == 3


def test_filing_a_claim_on_another_countys_benefit_is_400_in_chinese(api_as, caseworker, subject, subject_b):
    from subjects.actions import do_add_benefit

    other = do_add_benefit(
        subject_b,
        benefit_type="dibao",
        amount="500",
        start=dt.date(2020, 1, 1),
        actor=None,
        provenance="caseworker_entry",
    )
    client = api_as(caseworker)
    response = file_via_api(client, subject, benefit_type="dibao", benefit_change="end", benefit_id=other.pk)
    assert response.status_code == 400
    assert response.data["benefit_id"] == ["这不是此人的待遇。"]
    huge = file_via_api(client, subject, benefit_type="dibao", benefit_change="end", benefit_id=2**40)
    assert huge.status_code == 400 and "benefit_id" in huge.data
    assert not Case.objects.exists()


def test_a_title_with_a_bidi_override_is_400_with_a_message(api_as, caseworker, subject):
    response = file_via_api(api_as(caseworker), subject, title="申请\u202e助补")
    assert response.status_code == 400
    assert "U+202E" in response.data["title"][0]
