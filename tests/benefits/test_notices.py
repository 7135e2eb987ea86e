"""公示: a proposed list published for a window of working days with masked personal data; an objection
in the window becomes a case in the county's queue; after the window it is refused and nothing saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent as Event
from benefits import actions, notices
from benefits.models import Entitlement, NoticeKind, NoticeObjection, NoticeStatus, PublicNotice
from cases.models import Case, Kind
from jurisdictions.models import Division
from subjects.models import BenefitType, Category, Subject
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db

FULL_NAMES = ["张三丰", "李四"]


@pytest.fixture
def township() -> str:
    found = Division.objects.filter(code__startswith=COUNTY_A, code__regex=r"^\d{9}$").order_by("code").first()
    assert found is not None
    return found.code


@pytest.fixture
def awards(standards: None, make_subject: Callable[..., Subject], township: str) -> list[Entitlement]:
    """Two survivors in a township of county A, awarded in March 2025."""
    paid = []
    with freeze_time("2025-03-05 10:00"):
        for name in FULL_NAMES:
            paid.append(
                actions.do_award_benefit(
                    make_subject(township, category=Category.MARTYR_SURVIVOR, name=name),
                    benefit_type=BenefitType.PERIODIC_PENSION,
                    approved_on=dt.date(2025, 3, 3),
                    actor=None,
                )
            )
    return paid


@pytest.fixture
def published(awards: list[Entitlement], caseworker: User, county_approver: User) -> PublicNotice:
    with freeze_time("2025-03-10 09:00"):  # a Monday
        notice = notices.do_draft_notice(COUNTY_A, kind=NoticeKind.NEW_AWARDS, source="2025-03", actor=caseworker)
        return notices.do_publish_notice(notice, actor=county_approver)


def test_names_are_masked_one_character_and_id_numbers_keep_only_their_ends() -> None:
    assert notices.mask_name("张三") == "张*"
    assert notices.mask_name("张三丰") == "张*丰"
    assert notices.mask_name("欧阳小明") == "欧*小明"
    assert notices.public_id("440106********123X") == "440***********123X"


def test_a_notice_is_published_for_seven_working_days_counted_on_the_calendar(published: PublicNotice) -> None:
    assert published.status == NoticeStatus.PUBLISHED
    assert published.published_on == dt.date(2025, 3, 10)
    assert published.ends_on == dt.date(2025, 3, 19)  # seven working days after Monday 10 March
    assert published.entry_count == 2
    event = Event.objects.get(event_type="benefit.notice_published")
    assert event.data["ends_on"] == "2025-03-19" and event.data["places"]


def test_an_objection_in_the_window_becomes_a_case_in_the_county_queue_linked_to_notice_and_person(
    published: PublicNotice, awards: list[Entitlement]
) -> None:
    with freeze_time("2025-03-19 06:00"):  # the last day of the window (14:00 in Beijing)
        response = APIClient().post(
            f"/api/v1/public/notices/{published.pk}/objections/",
            {"row": 1, "objector": "赵六", "contact": "13800138000", "text": "此人已于去年迁出本区。"},
            format="json",
        )
    assert response.status_code == 201, response.content
    objection = NoticeObjection.objects.get()
    case = Case.objects.get(pk=objection.case_id)
    assert response.json()["case"] == case.number == objection.case_number
    assert case.kind == Kind.GRIEVANCE and case.county_code == COUNTY_A
    assert case.subject_id == objection.entry.subject_id == awards[0].subject_id
    assert f"{published.pk}" in case.title and "此人已于去年迁出本区。" in case.description
    assert case.agent_name == "赵六"
    # The record keeps what, where, when and the objections.
    assert Event.objects.filter(event_type="benefit.notice_objection", object_id=str(published.pk)).exists()


def test_an_objection_after_the_window_is_refused_in_chinese_naming_the_field_and_nothing_is_saved(
    published: PublicNotice,
) -> None:
    cases_before = Case.objects.count()
    with freeze_time("2025-03-20 09:00"):
        response = APIClient().post(
            f"/api/v1/public/notices/{published.pk}/objections/",
            {"row": 1, "objector": "赵六", "contact": "13800138000", "text": "太迟了"},
            format="json",
        )
        page = Client().post(
            f"/track/notices/{published.pk}/",
            {"row": 1, "objector": "赵六", "contact": "13800138000", "text": "太迟了"},
        )
    assert response.status_code == 400
    assert "公示期" in response.json()["notice"][0]
    assert page.status_code == 400 and "公示期" in page.content.decode()
    assert NoticeObjection.objects.count() == 0 and Case.objects.count() == cases_before


def test_an_objection_names_a_row_of_the_notice(published: PublicNotice) -> None:
    with freeze_time("2025-03-12"):
        response = APIClient().post(
            f"/api/v1/public/notices/{published.pk}/objections/",
            {"row": 99, "objector": "赵六", "contact": "13800138000", "text": "?"},
            format="json",
        )
    assert response.status_code == 400 and "序号" in response.json()["row"][0]


def test_the_public_page_shows_masked_data_only(published: PublicNotice, awards: list[Entitlement]) -> None:
    with freeze_time("2025-03-11"):
        listing = Client().get("/track/notices/")
        page = Client().get(f"/track/notices/{published.pk}/")
        board = Client().get(f"/track/notices/{published.pk}/print/")
        api = APIClient().get(f"/api/v1/public/notices/{published.pk}/")
    assert listing.status_code == page.status_code == board.status_code == api.status_code == 200
    assert published.title in listing.content.decode()
    from subjects import ids

    for response in (page, board, api):
        html = response.content.decode()
        assert "张*丰" in html and "李*" in html
        for entitlement in awards:
            subject = entitlement.subject
            assert subject.name not in html
            full = ids.fernet().decrypt(subject.id_number_encrypted.encode()).decode()
            assert full not in html and subject.id_number_masked not in html
    assert "notice.css" in board.content.decode()


def test_a_draft_is_not_public(awards: list[Entitlement], caseworker: User) -> None:
    with freeze_time("2025-03-10"):
        notice = notices.do_draft_notice(COUNTY_A, kind=NoticeKind.NEW_AWARDS, source="2025-03", actor=caseworker)
    assert Client().get(f"/track/notices/{notice.pk}/").status_code == 404
    assert APIClient().get(f"/api/v1/public/notices/{notice.pk}/").status_code == 404
    assert APIClient().post(f"/api/v1/public/notices/{notice.pk}/objections/", {}).status_code == 404


def test_a_notice_closes_only_after_its_window_and_keeps_its_record(
    published: PublicNotice, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(caseworker)
    with freeze_time("2025-03-19"):
        early = client.post(f"/api/v1/public-notices/{published.pk}/close/")
    with freeze_time("2025-03-20"):
        closed = client.post(f"/api/v1/public-notices/{published.pk}/close/")
        page = Client().get(f"/track/notices/{published.pk}/")
    assert early.status_code == 400 and "公示期" in early.json()["ends_on"][0]
    assert closed.status_code == 200 and closed.json()["status"] == NoticeStatus.CLOSED
    assert page.status_code == 200 and 'id="objection"' not in page.content.decode()


def test_staff_draft_publish_and_read_a_notice_through_the_api(
    awards: list[Entitlement], caseworker: User, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    with freeze_time("2025-03-10"):
        made = api_as(caseworker).post(
            "/api/v1/public-notices/",
            {"division": COUNTY_A, "kind": "new_awards", "source": "2025-03", "window_days": 5},
            format="json",
        )
        assert made.status_code == 201, made.content
        pk = made.json()["id"]
        assert [e["masked_name"] for e in made.json()["entries"]] == ["张*丰", "李*"]
        refused = api_as(caseworker).post(f"/api/v1/public-notices/{pk}/publish/")
        published = api_as(county_approver).post(f"/api/v1/public-notices/{pk}/publish/")
        again = api_as(county_approver).post(f"/api/v1/public-notices/{pk}/publish/")
    assert refused.status_code == 403
    assert published.status_code == 200 and published.json()["ends_on"] == "2025-03-17"
    assert again.status_code == 409
    listing = api_as(caseworker).get("/api/v1/public-notices/")
    assert [n["id"] for n in listing.json()["results"]] == [pk]
    bad = api_as(caseworker).post(
        "/api/v1/public-notices/", {"division": COUNTY_A, "kind": "new_awards", "source": "2025/03"}, format="json"
    )
    assert bad.status_code == 400 and "月份" in bad.json()["source"][0]


def test_roster_changes_and_confirmation_results_are_lists_too(awards: list[Entitlement], caseworker: User) -> None:
    with freeze_time("2025-04-02"):
        actions.do_suspend_overdue([awards[1]])
        notice = notices.do_draft_notice(
            COUNTY_A, kind=NoticeKind.CONFIRMATION_RESULTS, source="2025", actor=caseworker
        )
    assert notice.entry_count == 1
    assert notice.entries.get().masked_name == "李*"


def test_outsiders_see_nothing_of_the_staff_side(
    published: PublicNotice,
    outsider: User,
    caseworker_b: User,
    api_as: Callable[[User], APIClient],
    web_as: Callable[[User], Client],
) -> None:
    for user in (outsider, caseworker_b):
        api = api_as(user)
        assert api.get(f"/api/v1/public-notices/{published.pk}/").status_code == 404
        assert api.post(f"/api/v1/public-notices/{published.pk}/publish/").status_code == 404
        assert api.post(f"/api/v1/public-notices/{published.pk}/close/").status_code == 404
        assert (
            api.post(
                "/api/v1/public-notices/",
                {"division": COUNTY_A, "kind": "new_awards", "source": "2025-03"},
                format="json",
            ).status_code
            == 404
        )
        assert published.pk not in [n["id"] for n in api.get("/api/v1/public-notices/").json()["results"]]
        web = web_as(user)
        assert web.get(f"/benefits/notices/{published.pk}/").status_code == 404
        assert web.post(f"/benefits/notices/{published.pk}/publish/").status_code == 404
        assert web.post(f"/benefits/notices/{published.pk}/close/").status_code == 404
        assert (
            web.post(
                "/benefits/notices/draft/", {"division": COUNTY_A, "kind": "new_awards", "source": "2025-03"}
            ).status_code
            == 404
        )
        assert published.title not in web.get("/benefits/notices/").content.decode()


def test_nobody_without_a_jurisdiction_reaches_the_staff_pages(
    make_user: Callable[..., User], api_as: Callable[[User], APIClient], web_as: Callable[[User], Client]
) -> None:
    nobody = make_user("nobody")
    assert web_as(nobody).get("/benefits/notices/").status_code == 404
    assert api_as(nobody).get("/api/v1/public-notices/").status_code == 404


def test_the_staff_pages_draft_publish_and_show_objections_with_their_cases(
    awards: list[Entitlement], caseworker: User, county_approver: User, web_as: Callable[[User], Client]
) -> None:
    with freeze_time("2025-03-10"):
        listing = web_as(caseworker).get("/benefits/notices/")
        assert listing.status_code == 200 and 'id="notice-draft"' in listing.content.decode()
        drafted = web_as(caseworker).post(
            "/benefits/notices/draft/",
            {"division": COUNTY_A, "kind": "new_awards", "source": "2025-03", "window_days": "7"},
        )
        assert drafted.status_code == 302
        pk = PublicNotice.objects.get().pk
        assert web_as(county_approver).post(f"/benefits/notices/{pk}/publish/").status_code == 302
        Client().post(
            f"/track/notices/{pk}/", {"row": 2, "objector": "赵六", "contact": "13800138000", "text": "金额不对"}
        )
        detail = web_as(caseworker).get(f"/benefits/notices/{pk}/")
    html = detail.content.decode()
    objection = NoticeObjection.objects.get()
    assert objection.case_number and objection.case_number in html and "金额不对" in html
