"""A grievance's refusal and decision cite the policy base through its own mechanism
(``policies.citations``): validated there, frozen at signing, listed once the article is repealed;
a new decision citing the repealed article is refused (400 naming the field and the article, audited)."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEvent
from petitions import actions
from petitions.models import Petition, Stage
from policies.models import Citation, PolicyArticle

from ..cases.test_views import logged_in

pytestmark = pytest.mark.django_db


def decide(case, actor, citations, **kw):
    kw.setdefault("opinion", "explain")
    kw.setdefault("facts", "经核实")
    kw.setdefault("reasons", "依规说明")
    return actions.do_decide(case, actor=actor, citations_=citations, **kw)


def repeal(article: PolicyArticle, on: dt.date) -> PolicyArticle:
    """A new version of the article with its repeal date, as ``load_policy_articles`` loads it."""
    return PolicyArticle.objects.create(
        document=article.document,
        number=article.number,
        version=article.version + 1,
        text=article.text,
        effective_on=article.effective_on,
        repealed_on=on,
    )


def test_the_decision_freezes_the_cited_versions_in_the_policy_base(register, caseworker, articles):
    case = decide(register(accept_now=True), caseworker, [articles["32"].pk, articles["34"].pk])
    cited = list(Citation.objects.filter(document_type=actions.CITING_DECISION, document_id=str(case.pk)))
    assert [(c.article_id, c.label, c.cited_on) for c in cited] == [
        (articles["32"].pk, case.number, dt.date(2026, 6, 5)),
        (articles["34"].pk, case.number, dt.date(2026, 6, 5)),
    ]
    assert case.legal_basis == "《信访工作条例》第三十二条、《信访工作条例》第三十四条"
    assert AuditEvent.objects.filter(event_type="policy.citations_frozen", object_id=str(case.pk)).exists()


def test_a_refusal_freezes_its_citations_too(register, caseworker, articles):
    case = actions.do_refuse(register(), actor=caseworker, reasons="不属于本机关职权", citations_=[articles["19"].pk])
    assert Citation.objects.get(document_type=actions.CITING_REFUSAL).article_id == articles["19"].pk
    assert case.petition.refusal_citations[0]["number"] == "第十九条"


def test_a_decision_citing_an_article_repealed_since_is_listed_and_a_new_one_refused(
    client, register, caseworker, supervisor, subject, make_subject, articles
):
    case = decide(register(accept_now=True), caseworker, [articles["34"].pk])
    web = logged_in(client, supervisor)
    assert case.number not in web.get("/policies/repealed-citations/").content.decode()

    repeal(articles["34"], dt.date(2026, 6, 1))
    page = web.get("/policies/repealed-citations/").content.decode()
    assert case.number in page and f'href="/cases/{case.pk}/"' in page
    assert "《信访工作条例》第三十四条" in page and "信访处理意见书" in page

    # A new decision may no longer cite it: 400 naming the field and the article, nothing saved, audited.
    other = register(subject_=make_subject(name="李秀英"), accept_now=True)
    response = logged_in(client, caseworker).post(
        f"/api/v1/cases/{other.pk}/transitions/decide/",
        {"opinion": "support", "facts": "经查", "reasons": "予以支持", "citations": [articles["34"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 400
    message = str(response.json()["citations"])
    assert "第三十四条" in message and "2026-06-01" in message
    assert Petition.objects.get(case=other).stage == Stage.HANDLING
    assert not Citation.objects.filter(document_id=str(other.pk)).exists()
    refusal = AuditEvent.objects.get(event_type="policy.citation_refused")
    assert refusal.data["field"] == "citations" and refusal.data["rule"] == "repealed"
    assert refusal.data["articles"] == [articles["34"].pk] and refusal.object_id == str(other.pk)
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="decide").exists()
