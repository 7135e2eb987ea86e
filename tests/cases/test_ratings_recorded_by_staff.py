"""The rating given on a call-back (回访), recorded by staff: the ratings endpoint of a case and the case page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import extensions
from cases.models import Case, Outcome, Rating, Status

pytestmark = pytest.mark.django_db


def closed(case: Case, approver: Any) -> Case:
    """Decided and closed, set directly: the flow itself is tested elsewhere."""
    Case.objects.filter(pk=case.pk).update(
        status=Status.CLOSED,
        outcome=Outcome.REJECTED,
        outcome_reasons="不符合条件。",
        decided_by=approver,
        decided_at=timezone.now(),
        closed_at=timezone.now(),
        due_at=None,
    )
    return Case.objects.get(pk=case.pk)


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/ratings/"


def test_a_caseworker_records_the_call_back_rating_of_a_closed_case(api_as, file_case, caseworker, approver):
    case = closed(file_case(), approver)

    response = api_as(caseworker).post(url(case), {"score": 2, "comment": "材料退回太慢"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["source"] == "phone" and response.json()["round"] == 0
    rating = Rating.objects.get(case=case)
    assert (rating.score, rating.recorded_by) == (2, caseworker)
    event = AuditEvent.objects.get(event_type="case.rated", object_id=str(case.pk))
    assert "材料退回太慢" not in str(event.data)  # the comment may name people: never in the audit data
    assert api_as(caseworker).get(url(case)).json()[0]["score"] == 2


def test_an_open_case_cannot_be_rated_and_nothing_is_saved(api_as, file_case, caseworker):
    case = file_case()

    response = api_as(caseworker).post(url(case), {"score": 5}, format="json")

    assert response.status_code == 400 and "case" in response.json()
    assert not Rating.objects.exists()


def test_a_score_outside_one_to_five_is_refused(api_as, file_case, caseworker, approver):
    case = closed(file_case(), approver)

    response = api_as(caseworker).post(url(case), {"score": 6}, format="json")

    assert response.status_code == 400 and "score" in response.json()


def test_a_round_is_rated_once(api_as, file_case, caseworker, approver):
    case = closed(file_case(), approver)
    api_as(caseworker).post(url(case), {"score": 4}, format="json")

    assert api_as(caseworker).post(url(case), {"score": 1}, format="json").status_code == 409
    assert Rating.objects.get(case=case).score == 4


def test_another_county_gets_404_and_a_supervisor_above_403(api_as, file_case, caseworker_b, city_supervisor, approver):
    case = closed(file_case(), approver)

    assert api_as(caseworker_b).post(url(case), {"score": 3}, format="json").status_code == 404
    assert api_as(caseworker_b).get(url(case)).status_code == 404
    assert api_as(city_supervisor).post(url(case), {"score": 3}, format="json").status_code == 403
    assert not Rating.objects.exists()


def test_the_rules_of_a_higher_app_choose_the_round_and_see_the_rating(file_case, caseworker, approver, monkeypatch):
    from cases.actions import do_rate_case

    seen: list[int] = []
    monkeypatch.setattr(extensions, "_rating_rounds", [lambda c: 1])
    monkeypatch.setattr(extensions, "_rated", [lambda c, r: seen.append(r.round)])
    case = closed(file_case(), approver)

    rating = do_rate_case(case, score=5, actor=caseworker, source="phone")

    assert rating.round == 1 and seen == [1]


def test_the_case_page_offers_the_call_back_form_and_records_the_rating(client, file_case, caseworker, approver):
    case = closed(file_case(), approver)
    client.force_login(caseworker)

    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="callback-rating-form"' in page
    response = client.post(reverse("cases:rate", args=[case.pk]), {"score": "1", "comment": "未解决"})

    assert response.status_code == 302
    assert Rating.objects.get(case=case).score == 1
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="case-ratings"' in page and 'id="callback-rating-form"' not in page


def test_the_page_refuses_an_outsider(client, file_case, caseworker_b, approver):
    case = closed(file_case(), approver)
    client.force_login(caseworker_b)

    assert client.post(reverse("cases:rate", args=[case.pk]), {"score": "1"}).status_code == 404
    assert not Rating.objects.exists()
