"""复查 and 复核 (Arts. 35–36): two levels up, each within 30 days, the 复核 final (不再受理)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from cases.queries import queue_tasks
from letters.models import Letter
from petitions import actions, nodes, reviews
from petitions.models import Petition, Review, ReviewLevel, Stage
from policies.models import PolicyArticle
from tests.conftest import CITY, PROVINCE

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_worker(make_user):
    return make_user("city_worker", "caseworker", CITY)


@pytest.fixture
def province_worker(make_user):
    return make_user("province_worker", "caseworker", PROVINCE)


@pytest.fixture
def art(articles):
    doc = articles["32"].document
    for number in ("第三十五条", "第三十六条"):
        articles[number] = PolicyArticle.objects.create(
            document=doc, number=number, text=f"{number}的条文。", version=1, effective_on=dt.date(2022, 5, 1)
        )
    return articles


@pytest.fixture
def decided(register, caseworker, art):
    case = register(accept_now=True)
    return actions.do_decide(
        case,
        actor=caseworker,
        opinion="not_support",
        facts="经核实不符合条件",
        reasons="不予支持",
        citations_=[art["32"].pk],
    )


def open_review_task(case):
    case.refresh_from_db()
    return Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()


def answer(case, actor, art, **kw):
    kw.setdefault("outcome", "uphold")
    kw.setdefault("facts", "原处理意见认定事实清楚")
    kw.setdefault("reasons", "维持原处理意见")
    kw.setdefault("citations_", [art["第三十五条"].pk])
    return reviews.do_answer_review(case, actor=actor, **kw)


def test_review_then_re_review_then_the_same_request_is_not_accepted_again(
    decided, caseworker, city_worker, province_worker, art, register, _today
):
    # 复查: requested at the county (recorded by its staff), answered by the city within 30 days.
    review = reviews.do_request_review(decided, actor=caseworker, level="review", grounds="认为事实认定有误")
    assert review.body_id == CITY and review.level == ReviewLevel.REVIEW
    task = open_review_task(decided)
    assert task is not None and task.flow_task.name == nodes.REVIEW
    assert reviews.answer_by(review).date == dt.date(2026, 7, 6)  # 30 days: Sunday 5 July → Monday
    # Only the level above works on it: in the city's queue, not the county's.
    assert task in queue_tasks(city_worker) and task not in queue_tasks(caseworker)
    from petitions.policy import require_may_work

    with pytest.raises(PermissionDenied):
        require_may_work(caseworker, decided, nodes.REVIEW, action="answer_review")

    _today.tick(dt.timedelta(days=10))
    answer(decided, city_worker, art)
    letter = Letter.objects.get(case=decided, kind=reviews.REVIEW_OPINION)
    assert letter.snapshot["petition"]["review"]["outcome"] == "维持"
    assert open_review_task(decided) is None

    # 复核: the body above the city (the province), within 30 days of the 复查意见书.
    _today.tick(dt.timedelta(days=5))
    re_review = reviews.do_request_review(decided, actor=city_worker, level="re_review", grounds="仍不服")
    assert re_review.body_id == PROVINCE
    task = open_review_task(decided)
    assert task.flow_task.name == nodes.RE_REVIEW
    assert task in queue_tasks(province_worker) and task not in queue_tasks(city_worker)
    answer(decided, province_worker, art, citations_=[art["第三十六条"].pk])
    final = Letter.objects.get(case=decided, kind=reviews.RE_REVIEW_OPINION)
    assert final.snapshot["petition"]["review"]["final"] is True
    from letters import rendering

    html = rendering.letter_html(final.snapshot)
    assert "复核意见书" in html and "不再受理" in html and "第三十六条" in html
    html = rendering.letter_html(letter.snapshot)
    assert "复查意见：</span>维持原处理意见" in html and "请求复核" in html

    # The same request with the same facts and reasons (whitespace aside): 不再受理 at once (Art. 36).
    again = register(request="补发优待证 ", facts="2025年申领后 未收到", reasons="符合条件")
    petition = Petition.objects.get(case=again)
    assert petition.stage == Stage.REFUSED and petition.final_repeat and petition.repeat_of_id == decided.pk
    assert petition.refusal_citations[0]["number"] == "第三十六条"
    assert "不再受理" in again.outcome_reasons
    assert Letter.objects.filter(case=again, kind=actions.NON_ACCEPTANCE).exists()
    # New reasons are a new matter: registered as usual.
    other = register(reasons="有新的证据")
    assert Petition.objects.get(case=other).stage == Stage.REGISTERED


def test_a_review_request_after_30_days_is_refused_naming_the_article(decided, caseworker, _today):
    _today.tick(dt.timedelta(days=32))  # 7 July: the window ended on Monday 6 July
    with pytest.raises(ValidationError) as exc:
        reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    message = exc.value.message_dict["requested_on"][0]
    assert "第三十五条" in message and "2026-07-06" in message
    assert not Review.objects.exists()
    refused = AuditEvent.objects.filter(event_type="petition.refused").latest("id")
    assert refused.data["action"] == "request_review" and refused.data["fields"] == ["requested_on"]


def test_the_last_day_of_the_window_is_still_in_time(decided, caseworker, _today):
    _today.tick(dt.timedelta(days=31))  # Monday 6 July, the limit moved off the Sunday
    assert reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服").pk


def test_a_request_dated_back_within_the_window_is_accepted(decided, caseworker, _today):
    _today.tick(dt.timedelta(days=40))
    review = reviews.do_request_review(
        decided, actor=caseworker, level="review", grounds="邮寄的复查请求", requested_on=dt.date(2026, 6, 30)
    )
    assert review.requested_on == dt.date(2026, 6, 30)


def test_re_review_before_review_is_refused(decided, caseworker):
    with pytest.raises(ValidationError) as exc:
        reviews.do_request_review(decided, actor=caseworker, level="re_review", grounds="不服")
    assert "第三十五条" in exc.value.message_dict["level"][0]
    assert not Review.objects.exists()


def test_re_review_before_the_review_is_answered_is_refused(decided, caseworker):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    with pytest.raises(ValidationError) as exc:
        reviews.do_request_review(decided, actor=caseworker, level="re_review", grounds="不服")
    assert "level" in exc.value.message_dict
    assert Review.objects.count() == 1


def test_a_second_review_and_a_second_re_review_are_refused(decided, caseworker, city_worker, province_worker, art):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    with pytest.raises(ValidationError):
        reviews.do_request_review(decided, actor=caseworker, level="review", grounds="再次")
    answer(decided, city_worker, art)
    reviews.do_request_review(decided, actor=caseworker, level="re_review", grounds="不服")
    answer(decided, province_worker, art)
    with pytest.raises(ValidationError) as exc:
        reviews.do_request_review(decided, actor=caseworker, level="re_review", grounds="再次复核")
    assert "第三十六条" in exc.value.message_dict["level"][0]
    assert Review.objects.count() == 2
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="request_review").count() == 2


def test_the_re_review_window_runs_from_the_review_opinion(decided, caseworker, city_worker, art, _today):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    _today.tick(dt.timedelta(days=20))  # 25 June: the 复查意见书
    answer(decided, city_worker, art)
    _today.tick(dt.timedelta(days=31))  # 26 July: 31 days later (25 July is a Saturday → Monday 27 July)
    window = reviews.appeal_of(decided.petition).request_by
    assert window is not None and window.date == dt.date(2026, 7, 27)
    _today.tick(dt.timedelta(days=2))  # 28 July: too late
    with pytest.raises(ValidationError) as exc:
        reviews.do_request_review(decided, actor=caseworker, level="re_review", grounds="不服")
    assert "第三十六条" in exc.value.message_dict["requested_on"][0]


def test_no_review_before_the_decision(register, caseworker):
    from core.errors import Conflict

    case = register(accept_now=True)
    with pytest.raises(Conflict):
        reviews.do_request_review(case, actor=caseworker, level="review", grounds="不服")


def test_the_answer_needs_facts_reasons_and_citations(decided, caseworker, city_worker, art):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    with pytest.raises(ValidationError) as exc:
        answer(decided, city_worker, art, outcome="maybe", facts="", reasons="")
    assert set(exc.value.message_dict) == {"outcome", "facts", "reasons"}
    assert Review.objects.get().answered_on is None


def test_the_api_requests_and_answers_and_shows_the_window(decided, api_as, caseworker, city_worker, art):
    shown = api_as(caseworker).get(f"/api/v1/cases/{decided.pk}/").json()
    assert shown["appeal"]["next_level"] == "review" and shown["appeal"]["request_by"]["date"] == "2026-07-06"
    assert shown["appeal"]["next_body"]["code"] == CITY and shown["petitioners"] == []
    url = f"/api/v1/cases/{decided.pk}/transitions/"
    bad = api_as(caseworker).post(url + "request_review/", {"level": "re_review", "grounds": "不服"}, format="json")
    assert bad.status_code == 400 and "level" in bad.json()
    ok = api_as(caseworker).post(url + "request_review/", {"level": "review", "grounds": "不服"}, format="json")
    assert ok.status_code == 200, ok.content
    # The task is listed for the city's team, not the county's.
    rows = api_as(city_worker).get("/api/v1/tasks/?scope=queue").data
    row = next(r for r in rows if r["case"]["id"] == decided.pk)
    assert row["node"] == nodes.REVIEW and row["label"]
    assert not [r for r in api_as(caseworker).get("/api/v1/tasks/?scope=queue").data if r["case"]["id"] == decided.pk]
    body = {"outcome": "uphold", "facts": "查明", "reasons": "维持", "citations": [art["第三十五条"].pk]}
    assert api_as(caseworker).post(url + "answer_review/", body, format="json").status_code == 403
    answered = api_as(city_worker).post(url + "answer_review/", body, format="json")
    assert answered.status_code == 200, answered.content
    review = answered.json()["appeal"]["reviews"][0]
    assert review["outcome"] == "uphold" and review["answered_on"] == "2026-06-05"
    assert answered.json()["appeal"]["next_level"] == "re_review"


def test_the_outsider_gets_404_on_the_review_pages_and_endpoints(decided, client, api_as, caseworker_b):
    url = f"/api/v1/cases/{decided.pk}/transitions/"
    body = {"level": "review", "grounds": "不服"}
    assert api_as(caseworker_b).post(url + "request_review/", body, format="json").status_code == 404
    assert api_as(caseworker_b).post(url + "answer_review/", {}, format="json").status_code == 404
    client.force_login(caseworker_b)
    assert client.get(f"/petitions/{decided.pk}/request_review/").status_code == 404
    assert client.get(f"/petitions/{decided.pk}/answer_review/").status_code == 404
    assert not Review.objects.exists()


def test_the_reviewing_level_sees_the_whole_file_and_the_pages_offer_the_steps(
    decided, client, caseworker, city_worker, art
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.actions import do_add_attachment

    attachment = do_add_attachment(
        decided, upload=SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"), actor=caseworker
    )
    client.force_login(caseworker)
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert 'id="petition-request_review"' in page and 'id="review-request-by"' in page
    form = client.get(f"/petitions/{decided.pk}/request_review/").content.decode()
    assert 'id="review-window"' in form and "2026-07-06" in form
    response = client.post(f"/petitions/{decided.pk}/request_review/", {"level": "review", "grounds": "不服"})
    assert response.status_code == 302
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert 'id="petition-answer_review"' not in page  # the county does not answer its own review
    client.force_login(city_worker)
    page = client.get(f"/cases/{decided.pk}/").content.decode()
    assert 'id="petition-answer_review"' in page
    assert client.get(f"/cases/attachments/{attachment.pk}/").status_code in (200, 302)
    body = {"outcome": "uphold", "facts": "查明", "reasons": "维持", "citations": [art["第三十五条"].pk]}
    assert client.post(f"/petitions/{decided.pk}/answer_review/", body).status_code == 302
    assert Review.objects.get().outcome == "uphold"
