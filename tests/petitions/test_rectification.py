"""回访 and 整改: a 差评 of a decided grievance opens a rectification task; the petitioner rates the rectification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.actions import do_rate_case
from cases.models import Case, Rating
from petitions import actions, nodes
from petitions.models import Petition, Rectification
from petitions.rectification import do_reopen
from tests.cases.conftest import open_nodes

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(register, caseworker, articles):
    case = register(accept_now=True)
    return actions.do_decide(
        case,
        actor=caseworker,
        opinion="support",
        facts="经核实，信访人符合补发条件",
        reasons="依规予以补发",
        citations_=[articles["32"].pk],
    )


def rate(case, score, **kw):
    return do_rate_case(Case.objects.get(pk=case.pk), score=score, source=kw.pop("source", "public"), **kw)


def url(case, name):
    return f"/api/v1/cases/{case.pk}/transitions/{name}/"


def test_a_poor_rating_opens_a_rectification_task_for_the_handling_body(decided, api_as, caseworker):
    rate(decided, 2)

    rectification = Rectification.objects.get(petition__case=decided)
    assert rectification.opened_on == dt.date(2026, 6, 5)
    assert rectification.due_on == dt.date(2026, 6, 29)  # 15 working days, over the 端午节 of 19 June
    assert nodes.RECTIFY in open_nodes(Case.objects.get(pk=decided.pk))
    body = api_as(caseworker).get("/api/v1/tasks/", {"scope": "queue"}).json()
    listed = body["results"] if isinstance(body, dict) else body
    assert any(t["case"]["id"] == decided.pk and t["node"] == nodes.RECTIFY for t in listed), listed


def test_a_good_rating_opens_nothing(decided):
    rate(decided, 4)

    assert not Rectification.objects.exists()


def test_the_rectification_cannot_be_rated_before_it_is_reported(decided):
    rate(decided, 1)

    with pytest.raises(ValidationError) as caught:
        rate(decided, 5)
    assert "case" in caught.value.message_dict
    assert Rating.objects.filter(case=decided).count() == 1


def test_the_body_reports_the_rectification_and_the_petitioner_rates_it(decided, api_as, caseworker):
    rate(decided, 2)

    response = api_as(caseworker).post(url(decided, "rectify"), {"report": "已补发优待证并当面致歉"}, format="json")

    assert response.status_code == 200, response.content
    rectification = Rectification.objects.get(petition__case=decided)
    assert rectification.done_on == dt.date(2026, 6, 5) and rectification.done_by == caseworker
    assert nodes.RECTIFY not in open_nodes(Case.objects.get(pk=decided.pk))
    second = rate(decided, 5)
    assert second.round == 1
    rectification.refresh_from_db()
    assert rectification.followup == ""


def test_an_empty_report_is_refused_naming_the_field(decided, api_as, caseworker):
    rate(decided, 2)

    response = api_as(caseworker).post(url(decided, "rectify"), {"report": "  "}, format="json")

    assert response.status_code == 400 and "report" in response.json()
    assert Rectification.objects.get(petition__case=decided).done_on is None


def test_still_dissatisfied_the_matter_is_reopened_as_a_new_linked_grievance(decided, caseworker):
    rate(decided, 2)
    from petitions.rectification import do_rectify

    do_rectify(Case.objects.get(pk=decided.pk), actor=caseworker, report="已重新核实")
    rate(decided, 1)
    rectification = Rectification.objects.get(petition__case=decided)
    assert rectification.followup == Rectification.Followup.PENDING

    reopened = do_reopen(Case.objects.get(pk=decided.pk), actor=caseworker, note="信访人仍不满意")

    assert reopened.related_case_id == decided.pk
    assert Petition.objects.get(case=reopened).stage == "handling"
    rectification.refresh_from_db()
    assert rectification.followup == Rectification.Followup.REOPENED and rectification.reopened_as == reopened


def test_another_county_cannot_rectify(decided, api_as, caseworker_b):
    rate(decided, 2)

    response = api_as(caseworker_b).post(url(decided, "rectify"), {"report": "越权"}, format="json")

    assert response.status_code == 404
    assert Rectification.objects.get(petition__case=decided).done_on is None


def test_the_case_page_shows_the_rectification_and_offers_the_step(decided, client, caseworker):
    rate(decided, 2)
    client.force_login(caseworker)

    page = client.get(f"/cases/{decided.pk}/").content.decode()

    assert 'id="petition-rectification"' in page and 'id="petition-rectify"' in page
    assert Task.objects.filter(process__case=decided, status__in=[STATUS.NEW, STATUS.ASSIGNED]).count() == 1
