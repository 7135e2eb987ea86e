"""Findings on drawn decisions: by a supervisor at the level above who took no part, audited; a wrong
decision opens a reconsideration case. Through the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time

from accounts.models import User
from audit.models import AuditEvent
from cases.models import Case, Kind
from quality.actions import do_draw_quality_sample
from quality.models import Finding, QualityReview
from tests.conftest import COUNTY_A

from .conftest import NOVEMBER

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(closed_decision: Callable[..., Case]) -> Callable[..., QualityReview]:
    def make(**kw: Any) -> QualityReview:
        case = closed_decision(COUNTY_A, **kw)
        with freeze_time(NOVEMBER):
            do_draw_quality_sample(dt.date(2026, 10, 1), seed=5, actor=None)
        return QualityReview.objects.get(case=case)

    return make


def findings_url(review: QualityReview) -> str:
    return f"/api/v1/quality-reviews/{review.pk}/findings/"


def test_a_city_supervisor_agrees_with_a_county_decision_and_it_is_audited(
    drawn: Callable[..., QualityReview], reviewer: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn()
    api = api_as(reviewer)
    listed = api.get("/api/v1/quality-reviews/?waiting=1")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [review.pk]
    assert listed.json()[0]["month"] == "2026-10"

    response = api.post(findings_url(review), {"finding": "agree"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["finding"] == "agree"
    assert response.json()["reviewer"] == "reviewer"
    review.refresh_from_db()
    assert review.finding == Finding.AGREE and review.reviewer == reviewer
    assert AuditEvent.objects.filter(event_type="quality.finding", object_id=str(review.pk)).exists()
    assert api.get("/api/v1/quality-reviews/?waiting=1").json() == []


def test_a_wrong_decision_opens_a_reconsideration_case(
    drawn: Callable[..., QualityReview], reviewer: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn()
    response = api_as(reviewer).post(
        findings_url(review), {"finding": "wrong", "note": "证据不足，应予补充核实"}, format="json"
    )
    assert response.status_code == 200, response.content
    review.refresh_from_db()
    reconsideration = review.reconsideration
    assert reconsideration is not None
    assert reconsideration.kind == Kind.RECONSIDERATION
    assert reconsideration.contested_case == review.case
    assert response.json()["reconsideration"] == reconsideration.pk


def test_a_finding_other_than_agree_needs_a_note(
    drawn: Callable[..., QualityReview], reviewer: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn()
    response = api_as(reviewer).post(findings_url(review), {"finding": "minor"}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    review.refresh_from_db()
    assert review.finding == ""


def test_a_reviewer_who_took_part_in_the_decision_is_refused_in_chinese_and_nothing_changes(
    drawn: Callable[..., QualityReview], reviewer: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn(filed_by=reviewer)
    response = api_as(reviewer).post(findings_url(review), {"finding": "agree"}, format="json")
    assert response.status_code == 400
    assert "参与" in str(response.json()["reviewer"])
    review.refresh_from_db()
    assert review.finding == "" and review.reviewer is None
    assert not AuditEvent.objects.filter(event_type="quality.finding").exists()


def test_the_county_s_own_supervisor_sees_the_review_but_may_not_review(
    drawn: Callable[..., QualityReview], county_supervisor: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn()
    api = api_as(county_supervisor)
    assert [r["id"] for r in api.get("/api/v1/quality-reviews/").json()] == [review.pk]
    assert api.post(findings_url(review), {"finding": "agree"}, format="json").status_code == 403


def test_a_province_supervisor_may_review_a_county_decision(
    drawn: Callable[..., QualityReview], province_supervisor: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn()
    assert (
        api_as(province_supervisor).post(findings_url(review), {"finding": "agree"}, format="json").status_code == 200
    )


def test_a_second_finding_is_a_conflict(
    drawn: Callable[..., QualityReview], reviewer: User, province_supervisor: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn()
    assert api_as(reviewer).post(findings_url(review), {"finding": "agree"}, format="json").status_code == 200
    assert (
        api_as(province_supervisor).post(findings_url(review), {"finding": "agree"}, format="json").status_code == 409
    )


def test_an_outsider_sees_nothing_and_gets_404(
    drawn: Callable[..., QualityReview], outsider: User, api_as: Callable[[User], Any]
) -> None:
    review = drawn()
    api = api_as(outsider)
    assert api.get("/api/v1/quality-reviews/").json() == []
    assert api.post(findings_url(review), {"finding": "agree"}, format="json").status_code == 404


def test_the_audit_trail_names_the_quality_events_in_chinese() -> None:
    from django.utils import translation

    from audit_ui.labels import event_label

    with translation.override("zh-hans"):
        assert str(event_label("quality.sample_drawn")) == "抽中待查的决定"
        assert str(event_label("quality.finding")) == "记录质量抽查结论"
