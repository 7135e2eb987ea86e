"""Per-case exception grants: one user, one case, a reason and a period; and the recusal rule's staff ID."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AuditEvent
from cases import actions, policy
from cases.models import Case, CaseGrant
from jurisdictions.actions import do_create_staff
from jurisdictions.models import Division, Role
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import new_id, open_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _attachment_dir(settings: Any, tmp_path: Any) -> None:
    settings.LAUREL_ATTACHMENT_DIR = tmp_path / "attachments"


@pytest.fixture
def security_a(make_user: Callable[..., Any]) -> Any:
    return make_user("security_a", Role.ADMIN, COUNTY_A)


@pytest.fixture
def cases(file_case: Callable[..., Case], walk: Any, make_subject: Callable[..., Any], caseworker: Any) -> Any:
    """Two cases of county A waiting for verification, each with a document."""
    shared = walk.intake(file_case())
    other = walk.intake(file_case(subject_=make_subject(COUNTY_A, name="赵六")))
    for case in (shared, other):
        upload = SimpleUploadedFile("户口簿.pdf", PDF)
        actions.do_add_attachment(case, upload=upload, actor=caseworker)
    return shared, other


def grant(case: Case, user: Any, actor: Any, **kw: Any) -> CaseGrant:
    kw.setdefault("ends_on", timezone.localdate() + dt.timedelta(days=14))
    return actions.do_grant_case_access(case, user=user, reason="县公安局请求核查户籍", actor=actor, **kw)


def test_an_exception_grant_opens_exactly_one_case_and_its_tasks_and_nothing_else(
    api_as: Callable[[Any], Any], liaison_b: Any, security_a: Any, cases: Any
) -> None:
    shared, other = cases
    grant(shared, liaison_b, security_a)
    api = api_as(liaison_b)
    body = api.get(f"/api/v1/cases/{shared.pk}/").json()
    assert body["number"] == shared.number
    assert set(body["subject"]) == {"id", "name", "id_number_masked"}  # the person's summary only
    assert api.get(f"/api/v1/cases/{other.pk}/").status_code == 404
    mine = open_task(shared, "verify_public_security")
    theirs = open_task(other, "verify_public_security")
    assert api.post(f"/api/v1/tasks/{theirs.pk}/claim/").status_code == 404
    assert api.post(f"/api/v1/tasks/{open_task(shared, 'verify_civil_affairs').pk}/claim/").status_code == 403
    assert api.post(f"/api/v1/tasks/{mine.pk}/claim/").status_code == 200
    done = api.post(f"/api/v1/tasks/{mine.pk}/complete/", {"result": "confirmed"}, format="json")
    assert done.status_code == 200
    # Apart from the scoped lists and queues:
    assert shared.number not in str(api.get("/api/v1/cases/").json())
    assert shared.number not in str(api.get("/api/v1/tasks/?scope=queue").json())
    assert [row["case"]["id"] for row in api.get("/api/v1/cases/shared/").json()] == [shared.pk]
    [doc] = shared.attachments.all()
    [their_doc] = other.attachments.all()
    web = Client()
    web.force_login(liaison_b)
    assert web.get(f"/cases/attachments/{doc.pk}/").status_code == 200
    assert web.get(f"/cases/attachments/{their_doc.pk}/").status_code == 404
    assert web.get(f"/subjects/{shared.subject_id}/").status_code == 404  # not the whole register record


def test_the_shared_case_opens_in_pages_and_is_listed_apart(
    client: Client, liaison_b: Any, security_a: Any, cases: Any
) -> None:
    shared, other = cases
    grant(shared, liaison_b, security_a)
    client.force_login(liaison_b)
    home = client.get("/").content.decode()
    assert 'href="/cases/shared/"' in home and "与我共享" in home
    listed = client.get("/cases/shared/").content.decode()
    assert shared.number in listed and other.number not in listed and "县公安局请求核查户籍" in listed
    page = client.get(f"/cases/{shared.pk}/").content.decode()
    assert "作为例外与您共享" in page and "张三" in page
    assert client.get(f"/cases/{other.pk}/").status_code == 404
    assert shared.number not in client.get("/cases/").content.decode()
    task = open_task(shared, "verify_public_security")
    assert client.get(f"/cases/tasks/{task.pk}/").status_code == 200


def test_ending_the_grant_ends_access_at_once(
    api_as: Callable[[Any], Any], liaison_b: Any, security_a: Any, cases: Any
) -> None:
    shared, _other = cases
    given = grant(shared, liaison_b, security_a)
    api = api_as(liaison_b)
    assert api.get(f"/api/v1/cases/{shared.pk}/").status_code == 200
    ended = api_as(security_a).post(f"/api/v1/cases/{shared.pk}/grants/{given.pk}/end/")
    assert ended.status_code == 200 and ended.json()["in_force"] is False
    assert api.get(f"/api/v1/cases/{shared.pk}/").status_code == 404
    assert api.get("/api/v1/cases/shared/").json() == []
    assert api_as(security_a).post(f"/api/v1/cases/{shared.pk}/grants/{given.pk}/end/").status_code == 409
    event = AuditEvent.objects.get(event_type="case.access_ended")
    assert event.actor_username == "security_a" and event.object_id == str(shared.pk)


def test_a_grant_opens_only_within_its_period(liaison_b: Any, security_a: Any, cases: Any) -> None:
    shared, _other = cases
    start = timezone.localdate() + dt.timedelta(days=2)
    grant(shared, liaison_b, security_a, starts_on=start, ends_on=start + dt.timedelta(days=3))
    assert not policy.shared_with(liaison_b, shared)
    with freeze_time(dt.datetime.combine(start, dt.time(9)) + dt.timedelta(hours=1)):
        assert policy.shared_with(liaison_b, shared)
    with freeze_time(dt.datetime.combine(start + dt.timedelta(days=3), dt.time(9))):
        assert not policy.shared_with(liaison_b, shared)


def test_the_security_administrator_shares_a_case_through_the_api_audited(
    api_as: Callable[[Any], Any], liaison_b: Any, security_a: Any, cases: Any
) -> None:
    shared, _other = cases
    ends = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = api_as(security_a).post(
        f"/api/v1/cases/{shared.pk}/grants/",
        {"user": "liaison_b", "reason": "核查户籍", "ends_on": ends},
        format="json",
    )
    assert response.status_code == 201 and response.json()["user"] == "liaison_b"
    assert [g["id"] for g in api_as(security_a).get(f"/api/v1/cases/{shared.pk}/grants/").json()] == [
        response.json()["id"]
    ]
    event = AuditEvent.objects.get(event_type="case.access_granted")
    assert event.actor_username == "security_a" and event.data["user"] == "liaison_b"


def test_only_security_administrators_of_the_jurisdiction_grant_exceptions(
    api_as: Callable[[Any], Any], make_user: Callable[..., Any], caseworker: Any, liaison_b: Any, cases: Any
) -> None:
    shared, _other = cases
    ends = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    body = {"user": "liaison_b", "reason": "核查", "ends_on": ends}
    security_b = make_user("security_b", Role.ADMIN, COUNTY_B)
    sysadmin_a = make_user("sysadmin_a", Role.SYSADMIN, COUNTY_A)
    assert api_as(security_b).post(f"/api/v1/cases/{shared.pk}/grants/", body, format="json").status_code == 404
    assert api_as(security_b).get(f"/api/v1/cases/{shared.pk}/grants/").status_code == 404
    for user in (caseworker, sysadmin_a):
        assert api_as(user).post(f"/api/v1/cases/{shared.pk}/grants/", body, format="json").status_code == 403
    assert not CaseGrant.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "liaison_b", "reason": " ", "ends_on": "+7"}, "reason"),
        ({"user": "liaison_b", "reason": "核查", "ends_on": "+0"}, "ends_on"),
        ({"user": "liaison_b", "reason": "核查", "ends_on": "+400"}, "ends_on"),
        ({"user": "nobody", "reason": "核查", "ends_on": "+7"}, "user"),
        ({"user": "caseworker", "reason": "核查", "ends_on": "+7"}, "user"),
    ],
)
def test_bad_grant_input_is_400_in_chinese_and_saves_nothing(
    api_as: Callable[[Any], Any], liaison_b: Any, security_a: Any, cases: Any, body: dict[str, str], field: str
) -> None:
    shared, _other = cases
    days = int(body["ends_on"].lstrip("+"))
    body = body | {"ends_on": (timezone.localdate() + dt.timedelta(days=days)).isoformat()}
    response = api_as(security_a).post(f"/api/v1/cases/{shared.pk}/grants/", body, format="json")
    assert response.status_code == 400
    message = response.json()[field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert not CaseGrant.objects.exists()


def test_nobody_grants_an_exception_to_themselves(api_as: Callable[[Any], Any], security_a: Any, cases: Any) -> None:
    shared, _other = cases
    ends = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = api_as(security_a).post(
        f"/api/v1/cases/{shared.pk}/grants/", {"user": "security_a", "reason": "x", "ends_on": ends}, format="json"
    )
    assert response.status_code == 403


def test_the_case_page_lets_its_security_administrator_share_and_end(
    client: Client, liaison_b: Any, security_a: Any, cases: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    shared, _other = cases
    device = TOTPDevice.objects.create(user=security_a, name="phone", confirmed=True)
    client.force_login(security_a)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    page = client.get(f"/cases/{shared.pk}/").content.decode()
    assert "将本案与一名工作人员共享" in page
    bad = client.post(f"/cases/{shared.pk}/grants/", {"username": "liaison_b", "reason": "", "ends_on": ""})
    assert bad.status_code == 400 and "该字段是必填项" in bad.content.decode()
    ends = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    starts = timezone.localdate().isoformat()
    response = client.post(
        f"/cases/{shared.pk}/grants/", {"username": "liaison_b", "reason": "核查", "starts_on": starts, "ends_on": ends}
    )
    assert response.status_code == 302
    given = CaseGrant.objects.get()
    assert "立即结束" in client.get(f"/cases/{shared.pk}/").content.decode()
    assert client.post(f"/cases/{shared.pk}/grants/{given.pk}/end/").status_code == 302
    assert not policy.shared_with(liaison_b, shared)


def test_recusal_refuses_an_approver_whose_recorded_staff_id_is_the_persons(
    make_subject: Callable[..., Any], file_case: Callable[..., Case], walk: Any
) -> None:
    number = new_id(COUNTY_A)
    person = make_subject(COUNTY_A, name="钱七", id_number=number)
    user, _url, _texted = do_create_staff(
        division=Division.objects.get(code=COUNTY_A),
        username="qian",
        full_name="钱七",
        staff_id_number=number,
        actor=None,
        link_for=lambda token: token,
    )
    from jurisdictions.actions import do_grant_membership

    do_grant_membership(user, division=Division.objects.get(code=COUNTY_A), role=Role.APPROVER, actor=None)
    case = walk.verify_all(walk.intake(file_case(subject_=person)))
    with pytest.raises(PermissionDenied):
        policy.require_may_act(user, case, action="approve", approving=True)
    assert AuditEvent.objects.filter(event_type="case.refused", data__rule=policy.SELF).exists()
    assert not policy.may_complete(user, policy.TaskAccess(task=open_task(case, "approve"), case=case))


def test_recusal_refuses_a_case_about_a_declared_close_relative(
    make_subject: Callable[..., Any], file_case: Callable[..., Case], walk: Any, approver: Any, caseworker: Any
) -> None:
    from accounts.actions import do_declare_relative

    number = new_id(COUNTY_A)
    father = make_subject(COUNTY_A, name="孙老汉", id_number=number)
    do_declare_relative(approver, id_number=number, relation="父亲", actor=None)
    case = walk.verify_all(walk.intake(file_case(subject_=father)))
    found = policy.refusal(approver, case, approving=True)
    assert found is not None and found[0] == policy.RELATIVE
    assert policy.refusal(caseworker, case) is None
    do_declare_relative(caseworker, id_number=number, relation="岳父", actor=None)
    with pytest.raises(PermissionDenied):
        policy.require_not_own_subject(caseworker, father, action="file")


@pytest.fixture
def letters_issued(settings: Any, tmp_path_factory: pytest.TempPathFactory, cases: Any) -> tuple[Any, Any]:
    """The acknowledgement letters of both cases, issued (rendered, signed)."""
    from letters.certs import make_self_signed
    from letters.models import Letter, Status
    from letters.tasks import render_letter

    folder = tmp_path_factory.mktemp("grant-letter-keys")
    key, cert = folder / "key.pem", folder / "cert.pem"
    make_self_signed(key, cert, common_name="Laurel test letter signing")
    settings.LAUREL_LETTER_DIR = folder / "letters"
    settings.MEDIA_ROOT = folder / "media"
    settings.LAUREL_LETTER_SIGNING_KEY, settings.LAUREL_LETTER_SIGNING_CERT = key, cert
    settings.LAUREL_LETTER_VERIFY_BASE_URL = "https://laurel.example.gov.cn"
    issued = []
    for case in cases:
        letter = Letter.objects.get(case=case, kind="acknowledgement")
        render_letter.call(letter.pk)
        letter.refresh_from_db()
        assert letter.status == Status.ISSUED, letter.error
        issued.append(letter)
    return issued[0], issued[1]


def test_a_grant_opens_the_cases_letters_and_documents_and_ending_it_closes_them_at_once(
    api_as: Callable[[Any], Any], liaison_b: Any, security_a: Any, cases: Any, letters_issued: Any
) -> None:
    shared, _other = cases
    mine, theirs = letters_issued
    [doc] = shared.attachments.all()
    [their_doc] = _other.attachments.all()
    web, api = Client(), api_as(liaison_b)
    web.force_login(liaison_b)
    assert web.get(f"/letters/{mine.pk}/pdf").status_code == 404  # no grant yet
    given = grant(shared, liaison_b, security_a)

    # The case page leads to its letters; the letter and its PDF open, in pages and API.
    assert f'href="/letters/cases/{shared.pk}/"' in web.get(f"/cases/{shared.pk}/").content.decode()
    assert mine.number in web.get(f"/letters/cases/{shared.pk}/").content.decode()
    assert web.get(f"/letters/{mine.pk}/").status_code == 200
    pdf = web.get(f"/letters/{mine.pk}/pdf")
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF")
    assert [row["id"] for row in api.get(f"/api/v1/cases/{shared.pk}/letters/").json()] == [mine.pk]
    assert api.get(f"/api/v1/letters/{mine.pk}/").status_code == 200
    assert api.get(f"/api/v1/letters/{mine.pk}/pdf").status_code == 200
    assert web.get(f"/cases/attachments/{doc.pk}/").status_code == 200
    assert AuditEvent.objects.filter(event_type="letter.downloaded", actor_username="liaison_b").count() == 2

    # Nothing else: not the other case's letter, not the scoped letter lists, no action on the letter.
    assert web.get(f"/letters/{theirs.pk}/").status_code == 404
    assert web.get(f"/letters/{theirs.pk}/pdf").status_code == 404
    assert api.get(f"/api/v1/letters/{theirs.pk}/pdf").status_code == 404
    assert web.get(f"/cases/attachments/{their_doc.pk}/").status_code == 404
    assert mine.number not in web.get("/letters/undelivered/").content.decode()
    dispatched = web.post(f"/letters/{mine.pk}/dispatch/", {"method": "post", "date": "2026-01-05"})
    assert dispatched.status_code == 403 and not mine.dispatches.exists()
    assert web.post(f"/letters/{mine.pk}/supersede/", {"reason": "更正"}).status_code == 403

    actions.do_end_case_grant(given, actor=security_a)
    assert web.get(f"/letters/{mine.pk}/").status_code == 404
    assert web.get(f"/letters/{mine.pk}/pdf").status_code == 404
    assert api.get(f"/api/v1/letters/{mine.pk}/pdf").status_code == 404
    assert api.get(f"/api/v1/cases/{shared.pk}/letters/").status_code == 404
    assert web.get(f"/cases/attachments/{doc.pk}/").status_code == 404
