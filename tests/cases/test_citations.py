"""Decisions cite article versions of the policy base, picked (never typed) and frozen at signing with
the case and its letter; a repealed article is refused for a new decision (400 naming the field and the
article, audited); a letter names the articles and never prints a 摘要 as if it were the article; the
list of decisions citing an article repealed since."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from audit.models import AuditEvent
from cases import actions
from letters.models import Letter
from policies.models import Citation, Kind, PolicyArticle, PolicyDocument

from ..conftest import COUNTY_B
from .conftest import open_task
from .test_views import logged_in

pytestmark = pytest.mark.django_db
SUMMARY = "受理后60日内办结（产品摘要，不是条文原文）。"


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with freeze_time("2026-06-01 10:00:00+08:00"):
        yield


@pytest.fixture
def articles() -> dict[str, PolicyArticle]:
    regulation = PolicyDocument.objects.create(title="信访工作条例", kind=Kind.REGULATION)
    benefits = PolicyDocument.objects.create(title="军人抚恤优待条例", kind=Kind.REGULATION)

    def article(document: PolicyDocument, number: str, version: int = 1, **kw: Any) -> PolicyArticle:
        kw.setdefault("text", f"{number}条文。")
        kw.setdefault("effective_on", dt.date(2022, 5, 1))
        return PolicyArticle.objects.create(document=document, number=number, version=version, **kw)

    old = article(regulation, "第十条", text="旧条文。")
    article(regulation, "第十条", version=2, text="旧条文。", repealed_on=dt.date(2026, 1, 1))
    return {
        "summary": article(regulation, "第三十二条", is_summary=True, summary_source="产品领域说明摘要", text=SUMMARY),
        "benefit": article(benefits, "第四十条"),
        "repealed": old,
    }


def refuse(case: Any, actor: Any, **kw: Any) -> Any:
    return actions.do_refuse_intake(open_task(case, "intake"), actor=actor, reasons="不属于本机关职责", **kw)


def test_a_refusal_cites_article_versions_frozen_with_the_case_and_its_letter(caseworker, file_case, articles):
    case = refuse(file_case(), caseworker, citations=[articles["summary"].pk, articles["benefit"].pk])
    assert case.legal_basis == "《信访工作条例》第三十二条、《军人抚恤优待条例》第四十条"
    frozen = Citation.objects.filter(document_type="cases.case", document_id=str(case.pk))
    assert [c.article_id for c in frozen] == [articles["summary"].pk, articles["benefit"].pk]
    assert frozen[0].label == case.number and frozen[0].division_id == case.division_id
    letter = Letter.objects.get(case=case, kind="non_acceptance")
    assert [c["id"] for c in letter.snapshot["decision"]["citations"]] == [
        articles["summary"].pk,
        articles["benefit"].pk,
    ]
    assert Citation.objects.filter(document_type="letters.letter", document_id=str(letter.pk)).count() == 2
    # The letter names the articles; the 摘要's words are nowhere in it.
    assert SUMMARY not in str(letter.snapshot)
    assert AuditEvent.objects.filter(event_type="policy.citations_frozen", object_id=str(case.pk)).exists()


def test_a_later_version_or_the_repeal_does_not_change_what_was_cited(caseworker, file_case, articles):
    case = refuse(file_case(), caseworker, citations=[articles["benefit"].pk])
    PolicyArticle.objects.create(
        document=articles["benefit"].document,
        number="第四十条",
        version=2,
        text="新条文。",
        effective_on=dt.date(2026, 5, 1),
        repealed_on=dt.date(2026, 5, 20),
    )
    assert Citation.objects.get(document_type="cases.case", document_id=str(case.pk)).article.version == 1


def test_a_decision_cites_articles_and_the_approval_letter_names_them(file_case, walk, articles):
    case = walk.verify_all(walk.intake(file_case()))
    case = walk.decide(case, findings="经核查，符合条件。", citations=[articles["benefit"].pk])
    assert case.legal_basis == "《军人抚恤优待条例》第四十条"
    letter = Letter.objects.get(case=case, kind="approval")
    assert letter.snapshot["decision"]["legal_basis"] == "《军人抚恤优待条例》第四十条"
    assert Citation.objects.filter(document_type="letters.letter", document_id=str(letter.pk)).exists()


def test_a_repealed_article_is_refused_naming_the_field_and_the_article(caseworker, file_case, articles):
    case = file_case()
    with pytest.raises(ValidationError) as caught:
        refuse(case, caseworker, citations=[articles["repealed"].pk])
    message = caught.value.message_dict["citations"][0]
    assert "《信访工作条例》第十条" in message and "废止" in message and "2026-01-01" in message
    assert not Citation.objects.exists() and not Letter.objects.filter(case=case).exists()


def test_a_refusal_needs_its_legal_basis(caseworker, file_case):
    with pytest.raises(ValidationError) as caught:
        refuse(file_case(), caseworker)
    assert "政策法规库" in caught.value.message_dict["citations"][0]


def test_the_form_offers_the_articles_in_force_to_pick_and_refuses_a_repealed_one_audited(
    client, caseworker, file_case, articles
):
    case = file_case()
    task = open_task(case, "intake")
    web = logged_in(client, caseworker)
    page = web.get(f"/cases/tasks/{task.pk}/").content.decode()
    assert 'name="citations"' in page and "citation-picker" in page
    assert "《信访工作条例》第三十二条" in page and "（摘要）" in page
    assert "第十条" not in page  # repealed: not offered
    posted = {"intake_decision": "refuse", "reasons": "不属于本机关职责", "citations": [articles["repealed"].pk]}
    response = web.post(f"/cases/tasks/{task.pk}/", posted)
    assert response.status_code == 200 and "citations" in response.context["form"].errors
    response = web.post(f"/cases/tasks/{task.pk}/", {**posted, "citations": [articles["summary"].pk]})
    assert response.status_code == 302
    assert Citation.objects.filter(document_type="cases.case", document_id=str(case.pk)).exists()
    # The case page links the version cited, marked 摘要.
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/policies/{articles["summary"].pk}/"' in page and "policy-summary" in page


def test_the_api_refuses_a_repealed_citation_with_a_400_naming_the_field_and_audits_it(
    api_as, caseworker, file_case, articles
):
    case = file_case()
    task = open_task(case, "intake")
    body = {"intake_decision": "refuse", "reasons": "不属于本机关职责", "citations": [articles["repealed"].pk]}
    response = api_as(caseworker).post(f"/api/v1/tasks/{task.pk}/complete/", body, format="json")
    assert response.status_code == 400
    assert "citations" in response.json() and "第十条" in str(response.json()["citations"])
    refusal = AuditEvent.objects.get(event_type="policy.citation_refused")
    assert refusal.data["field"] == "citations" and refusal.data["rule"] == "repealed"
    assert refusal.data["articles"] == [articles["repealed"].pk]
    case.refresh_from_db()
    assert case.status == "submitted" and not Citation.objects.exists()
    body["citations"] = [articles["summary"].pk]
    assert api_as(caseworker).post(f"/api/v1/tasks/{task.pk}/complete/", body, format="json").status_code == 200


def test_supervisors_see_the_decisions_citing_an_article_repealed_since(
    client, caseworker, supervisor, file_case, articles, make_user
):
    case = refuse(file_case(), caseworker, citations=[articles["benefit"].pk])
    web = logged_in(client, supervisor)
    assert 'id="nav-repealed-citations"' in web.get("/", follow=True).content.decode()
    assert case.number not in web.get("/policies/repealed-citations/").content.decode()
    PolicyArticle.objects.create(
        document=articles["benefit"].document,
        number="第四十条",
        version=2,
        text="第四十条条文。",
        effective_on=dt.date(2022, 5, 1),
        repealed_on=dt.date(2026, 5, 31),
    )
    page = web.get("/policies/repealed-citations/").content.decode()
    assert case.number in page and f'href="/cases/{case.pk}/"' in page and "《军人抚恤优待条例》第四十条" in page
    # Another county's supervisor sees nothing of it; a caseworker may not open the page.
    other = make_user("other_supervisor", "supervisor", division=COUNTY_B)
    assert case.number not in logged_in(client, other).get("/policies/repealed-citations/").content.decode()
    assert logged_in(client, caseworker).get("/policies/repealed-citations/").status_code == 403
