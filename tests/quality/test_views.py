"""The quality review pages: the list from the navigation, a review with its finding form, the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from freezegun import freeze_time

from accounts.models import User
from cases.models import Case
from quality.actions import do_draw_quality_sample
from quality.models import Finding, QualityReview
from tests.conftest import COUNTY_A

from .conftest import NOVEMBER

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(closed_decision: Callable[..., Case]) -> QualityReview:
    case = closed_decision(COUNTY_A)
    with freeze_time(NOVEMBER):
        do_draw_quality_sample(dt.date(2026, 10, 1), seed=5, actor=None)
    return QualityReview.objects.get(case=case)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_supervisor_reaches_the_reviews_from_the_navigation(review: QualityReview, reviewer: User) -> None:
    client = signed_in(reviewer)
    assert 'id="nav-quality"' in client.get("/").content.decode()
    page = client.get("/quality/").content.decode()
    assert review.case.number in page
    assert "质量抽查" in page


def test_a_reviewer_records_a_finding_on_the_page(review: QualityReview, reviewer: User) -> None:
    client = signed_in(reviewer)
    assert 'id="finding-form"' in client.get(f"/quality/{review.pk}/").content.decode()
    response = client.post(f"/quality/{review.pk}/", {"finding": "minor", "note": "告知书未引用条款"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.finding == Finding.MINOR


def test_someone_who_took_part_sees_why_they_may_not_review(review: QualityReview, caseworker: User) -> None:
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division

    do_grant_membership(
        caseworker,
        division=Division.objects.get(code="4401"),
        role="supervisor",
        starts_on=dt.date(2000, 1, 1),
        actor=None,
    )
    page = signed_in(caseworker).get(f"/quality/{review.pk}/").content.decode()
    assert 'id="refusal"' in page and 'id="finding-form"' not in page
    response = signed_in(caseworker).post(f"/quality/{review.pk}/", {"finding": "agree"})
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.finding == ""


def test_the_report_counts_findings_by_county_and_caseworker(review: QualityReview, reviewer: User) -> None:
    signed_in(reviewer).post(f"/quality/{review.pk}/", {"finding": "agree"})
    page = signed_in(reviewer).get("/quality/report/").content.decode()
    assert "天河区" in page
    assert "approver" in page


def test_an_outsider_gets_404_for_a_review(review: QualityReview, outsider: User) -> None:
    client = signed_in(outsider)
    assert client.get(f"/quality/{review.pk}/").status_code == 404
    assert review.case.number not in client.get("/quality/").content.decode()


def test_a_caseworker_may_not_open_the_list(caseworker: User) -> None:
    assert signed_in(caseworker).get("/quality/").status_code == 403


def test_the_inbox_lists_a_review_for_a_reviewer_at_the_level_above_with_a_link_to_its_page(
    review: QualityReview, reviewer: User, county_supervisor: User
) -> None:
    page = signed_in(reviewer).get("/cases/inbox/?scope=queue").content.decode()
    assert f'href="/quality/{review.pk}/"' in page and review.case.number in page
    assert 'id="panel-quality-reviews"' not in signed_in(reviewer).get("/").content.decode()  # no panel of its own
    assert (
        f'href="/quality/{review.pk}/"'
        not in signed_in(county_supervisor).get("/cases/inbox/?scope=queue").content.decode()
    )
