"""A 复查 or 复核 that changes or revokes the handling opinion sends the grievance back to the body that gave it,
to handle again (重新办理): a handling task in its queue with a new deadline, audited, told to the body and,
in the review's 意见书, to the petitioner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from cases.actions.sla import scan_sla
from cases.models import Case, Status
from cases.queries import queue_tasks
from letters import rendering
from letters.models import Letter
from notifications.models import Notification
from petitions import actions, nodes, reviews
from petitions.models import Petition, Review, Stage
from tests.petitions.test_reviews import answer, art, city_worker, decided, province_worker  # noqa: F401

pytestmark = pytest.mark.django_db


def open_tasks(case):
    case.refresh_from_db()
    return list(Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED]))


def decide_again(case, caseworker, art, opinion="support"):  # noqa: F811
    return actions.do_decide(
        case,
        actor=caseworker,
        opinion=opinion,
        facts="重新调查核实，信访人未领取优待证",
        reasons="予以补发",
        citations_=[art["32"].pk],
    )


def test_a_review_that_revokes_sends_the_grievance_back_to_the_county_with_a_new_deadline(
    decided,  # noqa: F811
    caseworker,
    city_worker,  # noqa: F811
    art,  # noqa: F811
    _today,
):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="签收记录非本人签字")
    _today.tick(dt.timedelta(days=10))  # Monday 15 June
    answer(decided, city_worker, art, outcome="revoke", reasons="撤销原处理意见，由原办理机关重新办理")

    petition = Petition.objects.get(case=decided)
    assert petition.stage == Stage.HANDLING and petition.redo_on == dt.date(2026, 6, 15)
    assert petition.decided_on is None and petition.opinion == "" and petition.citations == []
    review = Review.objects.get()
    assert review.set_aside["opinion"] == "not_support" and review.set_aside["decided_on"] == "2026-06-05"
    assert review.set_aside["body"] == "440106" and review.set_aside["citations"][0]["number"] == "第三十二条"

    # The case is being handled again, due 60 days from the answer (Friday 14 August).
    case = Case.objects.get(pk=decided.pk)
    assert case.status == Status.VERIFYING and case.closed_at is None and case.outcome == ""
    assert timezone.localtime(case.due_at).date() == dt.date(2026, 8, 14)
    # A handling task in the county's queue; the county is told, and so is the petitioner (the 复查意见书).
    [task] = open_tasks(decided)
    assert task.flow_task.name == nodes.HANDLE and task in queue_tasks(caseworker)
    assert Notification.objects.filter(recipient=caseworker, event=reviews.REDO_EVENT).exists()
    event = AuditEvent.objects.get(event_type="petition.sent_back")
    assert event.data["outcome"] == "revoke" and event.data["body"] == "440106"
    assert event.data["handle_by"] == "2026-08-14" and event.data["set_aside"]["opinion"] == "not_support"
    letter = Letter.objects.get(case=decided, kind=reviews.REVIEW_OPINION)
    redo = letter.snapshot["petition"]["review"]["redo"]
    assert redo["body"] == "天河区" and redo["handle_by"] == "2026年8月14日"
    html = rendering.letter_html(letter.snapshot)
    assert "由原办理机关（天河区）重新办理" in html and "2026年6月5日出具的信访处理意见" in html
    # The opinion set aside is no longer in force (kept, audited).
    [opinion] = Letter.objects.filter(case=decided, kind=actions.OPINION)
    assert opinion.superseded_at is not None and "撤销" in opinion.supersede_reason
    assert AuditEvent.objects.filter(event_type="letter.set_aside", object_id=str(opinion.pk)).exists()

    # The county decides again: a new 信访处理意见书; the 复核 window runs from the new opinion.
    _today.tick(dt.timedelta(days=20))  # Sunday 5 July
    decide_again(decided, caseworker, art)
    petition.refresh_from_db()
    assert petition.stage == Stage.DECIDED and petition.decided_on == dt.date(2026, 7, 5)
    assert Letter.objects.filter(case=decided, kind=actions.OPINION, superseded_at__isnull=True).count() == 1
    appeal = reviews.appeal_of(petition)
    assert appeal.next_level == "re_review" and appeal.next_body is not None and appeal.next_body.code == "44"
    assert appeal.request_by is not None and appeal.request_by.date == dt.date(2026, 8, 4)  # 30 days from 5 July
    assert not open_tasks(decided)
    # A 复核 of the new opinion says so.
    reviews.do_request_review(decided, actor=caseworker, level="re_review", grounds="仍不服")
    assert Review.objects.filter(level="re_review").exists()


def test_a_re_review_that_changes_the_opinion_sends_it_back_once_more_and_stays_final(
    decided,  # noqa: F811
    caseworker,
    city_worker,  # noqa: F811
    province_worker,  # noqa: F811
    art,  # noqa: F811
    _today,
):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    answer(decided, city_worker, art)  # upheld: nothing goes back
    assert Petition.objects.get(case=decided).stage == Stage.DECIDED
    assert Case.objects.get(pk=decided.pk).status == Status.CLOSED
    assert not AuditEvent.objects.filter(event_type="petition.sent_back").exists()

    reviews.do_request_review(decided, actor=city_worker, level="re_review", grounds="仍不服")
    answer(decided, province_worker, art, outcome="change", citations_=[art["第三十六条"].pk])
    petition = Petition.objects.get(case=decided)
    assert petition.stage == Stage.HANDLING and petition.redo_on == dt.date(2026, 6, 5)
    letter = Letter.objects.get(case=decided, kind=reviews.RE_REVIEW_OPINION)
    html = rendering.letter_html(letter.snapshot)
    assert "重新办理" in html and "本复核意见为最终意见" in html and "上一级机关请求复核" not in html

    decide_again(decided, caseworker, art)
    appeal = reviews.appeal_of(Petition.objects.get(case=decided))
    assert appeal.final and appeal.next_level is None


def test_the_extension_and_the_sla_scan_apply_to_the_handling_again(
    decided,  # noqa: F811
    caseworker,
    city_worker,  # noqa: F811
    art,  # noqa: F811
    _today,
):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    answer(decided, city_worker, art, outcome="revoke")
    # The body may ask for its one extension of the handling again (Art. 34).
    actions.do_request_extension(decided, actor=caseworker, days=30, reason="需重新调查")
    assert Petition.objects.get(case=decided).stage == Stage.EXTENSION_REQUESTED

    _today.tick(dt.timedelta(days=70))  # past the 60 days
    counts = scan_sla(timezone.now())
    assert counts["overdue"] >= 1
    assert AuditEvent.objects.filter(event_type="case.escalated", object_id=str(decided.pk)).exists()


def test_a_forwarded_grievance_goes_back_to_the_body_that_signed_for_it(
    register,
    caseworker,
    city_worker,  # noqa: F811
    art,  # noqa: F811
):
    from cases.nodes import BODY_KEY
    from petitions import actions_routing
    from tests.conftest import COUNTY_A

    case = register(actor=city_worker)
    actions_routing.do_forward(case, actor=city_worker, division=COUNTY_A)
    actions_routing.do_acknowledge(case, actor=caseworker)
    actions.do_decide(
        case, actor=caseworker, opinion="not_support", facts="不符合", reasons="不予支持", citations_=[art["32"].pk]
    )
    reviews.do_request_review(case, actor=caseworker, level="review", grounds="不服")
    answer(case, city_worker, art, outcome="revoke")

    # Handled again by the county that signed for it, not by the city that forwarded it and reviewed.
    [task] = open_tasks(case)
    assert task.flow_task.name == nodes.HANDLE and task.data[BODY_KEY] == COUNTY_A
    assert task in queue_tasks(caseworker) and task not in queue_tasks(city_worker)
    assert Notification.objects.filter(recipient=caseworker, event=reviews.REDO_EVENT).exists()


def test_through_the_api_a_changed_opinion_shows_the_grievance_handled_again(
    decided,  # noqa: F811
    api_as,
    caseworker,
    city_worker,  # noqa: F811
    art,  # noqa: F811
):
    reviews.do_request_review(decided, actor=caseworker, level="review", grounds="不服")
    url = f"/api/v1/cases/{decided.pk}/transitions/answer_review/"
    body = {"outcome": "change", "facts": "查明", "reasons": "变更", "citations": [art["第三十五条"].pk]}
    answered = api_as(city_worker).post(url, body, format="json")
    assert answered.status_code == 200, answered.content
    shown = answered.json()
    assert shown["petition"]["stage"] == "handling" and shown["status"] == "verifying"
    assert shown["appeal"]["next_level"] is None and shown["appeal"]["reviews"][0]["outcome"] == "change"
    rows = api_as(caseworker).get("/api/v1/tasks/?scope=queue").data
    row = next(r for r in rows if r["case"]["id"] == decided.pk)
    assert row["node"] == nodes.HANDLE
