"""The decision (Art. 32) with its 信访处理意见书, citations frozen, hearings and agreements (Art. 33)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from letters.models import Letter
from petitions import actions
from petitions.deadlines import deadlines_of
from petitions.models import Hearing, Petition, Stage
from policies.models import PolicyArticle

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(register):
    return register(accept_now=True)


def decide(case, actor, articles, **kw):
    kw.setdefault("opinion", "support")
    kw.setdefault("facts", "经核实，信访人符合补发条件")
    kw.setdefault("reasons", "依规予以补发")
    kw.setdefault("citations_", [articles["32"].pk])
    return actions.do_decide(case, actor=actor, **kw)


def test_a_decision_closes_the_matter_and_issues_the_opinion_with_its_legal_basis(accepted, caseworker, articles):
    case = decide(accepted, caseworker, articles, citations_=[articles["32"].pk, articles["19"].pk])
    petition = Petition.objects.get(case=case)
    assert petition.stage == Stage.DECIDED and petition.opinion == "support"
    assert case.status == "closed" and case.outcome == "approved"
    assert not Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    letter = Letter.objects.get(case=case, kind=actions.OPINION)
    shown = letter.snapshot["petition"]
    assert shown["opinion"] == "支持" and shown["request"] == "补发优待证"
    # The official text is quoted; a 摘要 is cited by its number only.
    assert shown["basis"] == [
        {"cite": "《信访工作条例》第三十二条", "text": "对信访人提出的……予以支持；……不予支持。"},
        {"cite": "《信访工作条例》第十九条", "text": ""},
    ]
    review = deadlines_of(petition).review_request_by
    assert review is not None and review.date == dt.date(2026, 7, 6)  # 30 days: Sunday 5 July → Monday


def test_the_citations_are_frozen_at_the_decision(accepted, caseworker, articles):
    decide(accepted, caseworker, articles)
    PolicyArticle.objects.filter(pk=articles["32"].pk).update(text="修改后的条文")
    cited = Petition.objects.get(case=accepted).citations
    assert cited[0]["text"] == "对信访人提出的……予以支持；……不予支持。" and cited[0]["version"] == 1


def test_not_supported_and_explained_are_rejections_of_the_case(accepted, caseworker, articles):
    case = decide(accepted, caseworker, articles, opinion="explain")
    assert case.outcome == "rejected" and case.petition.opinion == "explain"


def test_a_decision_citing_a_repealed_article_is_refused_and_nothing_saved(accepted, caseworker, articles):
    with pytest.raises(ValidationError) as exc:
        decide(accepted, caseworker, articles, citations_=[articles["repealed"].pk])
    assert "第二十一条" in exc.value.message_dict["citations"][0]
    assert Petition.objects.get(case=accepted).stage == Stage.HANDLING
    assert not Letter.objects.filter(case=accepted, kind=actions.OPINION).exists()


def test_a_decision_needs_an_opinion_facts_reasons_and_a_citation(accepted, caseworker, articles):
    with pytest.raises(ValidationError) as exc:
        decide(accepted, caseworker, articles, opinion="maybe", facts="", reasons="")
    assert set(exc.value.message_dict) == {"opinion", "facts", "reasons"}
    with pytest.raises(ValidationError) as exc:
        decide(accepted, caseworker, articles, citations_=[])
    assert "citations" in exc.value.message_dict


def test_the_api_decides(api_as, accepted, caseworker, articles):
    url = f"/api/v1/cases/{accepted.pk}/transitions/decide/"
    body = {"opinion": "not_support", "facts": "经查", "reasons": "无依据", "citations": [articles["repealed"].pk]}
    refused = api_as(caseworker).post(url, body, format="json")
    assert refused.status_code == 400 and "citations" in refused.data
    response = api_as(caseworker).post(url, {**body, "citations": [articles["32"].pk]}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["petition"]["opinion"] == "not_support"
    assert response.data["deadlines"]["review_request_by"]["date"] == "2026-07-06"
    assert response.data["petition"]["citations"][0]["number"] == "第三十二条"


def test_a_hearing_is_scheduled_and_an_agreement_issued(api_as, accepted, caseworker):
    url = f"/api/v1/cases/{accepted.pk}/transitions/"
    body = {"held_at": "2026-06-20T09:00:00+08:00", "place": "区退役军人事务局会议室", "participants": "信访人、经办人"}
    response = api_as(caseworker).post(url + "schedule_hearing/", body, format="json")
    assert response.status_code == 200, response.data
    assert response.data["petition"]["hearings"][0]["place"] == "区退役军人事务局会议室"
    assert Hearing.objects.filter(petition__case=accepted).count() == 1
    agreement = {"kind": actions.MEDIATION, "terms": "补发优待证", "parties": "张三；天河区退役军人事务局"}
    assert api_as(caseworker).post(url + "record_agreement/", agreement, format="json").status_code == 200
    letter = Letter.objects.get(case=accepted, kind=actions.MEDIATION)
    assert letter.snapshot["petition"]["terms"] == "补发优待证"


def test_the_opinion_letter_states_request_facts_opinion_and_basis(accepted, caseworker, articles):
    from letters import rendering

    decide(accepted, caseworker, articles, opinion="explain", citations_=[articles["32"].pk, articles["19"].pk])
    html = rendering.letter_html(Letter.objects.get(case=accepted, kind=actions.OPINION).snapshot)
    for expected in (
        "信访处理意见书",
        "信访请求：</span>补发优待证",
        "处理意见：</span>解释说明。",
        "《信访工作条例》第三十二条：“对信访人提出的……予以支持；……不予支持。”",
        "《信访工作条例》第十九条。",
        "30日内（2026年7月6日前）请求原办理机关的上一级机关复查",
    ):
        assert expected in html, expected
    assert "已受理或者正在办理的" not in html  # the 摘要 of Art. 19 is not printed as its text
