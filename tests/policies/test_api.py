"""``/api/v1/policy-articles/``: search, detail, the repealed filter; staff only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from policies.actions import do_load_policy_articles
from policies.models import PolicyArticle

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(write_csv: Callable[..., Path]) -> None:
    do_load_policy_articles(
        write_csv(
            {},
            {"article": "第三十条", "title": "检举、揭发材料的保密", "text": "不得转给被检举的人员。"},
            {
                "document_title": "旧办法",
                "document_number": "旧发〔2001〕1号",
                "kind": "policy",
                "article": "第一条",
                "repealed_on": "2020-01-01",
                "effective_on": "2001-01-01",
            },
        ),
        actor=None,
    )
    do_load_policy_articles(write_csv({"text": "第二版条文。"}, name="v2.csv"), actor=None)


def numbers(response: object) -> list[tuple[str, int]]:
    return [(a["number"], a["version"]) for a in response.json()["results"]]  # type: ignore[attr-defined]


def test_the_list_shows_the_current_versions_only(
    loaded: None, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    response = api_as(caseworker).get("/api/v1/policy-articles/")
    assert response.status_code == 200
    assert sorted(numbers(response)) == [("第三十条", 1), ("第二十二条", 2)]


def test_include_repealed_lists_every_version(
    loaded: None, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    response = api_as(caseworker).get("/api/v1/policy-articles/", {"include_repealed": "1"})
    assert sorted(numbers(response)) == [("第一条", 1), ("第三十条", 1), ("第二十二条", 1), ("第二十二条", 2)]


def test_search_finds_words_of_the_text_the_title_and_the_document_number(
    loaded: None, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(caseworker)
    assert numbers(client.get("/api/v1/policy-articles/", {"q": "检举"})) == [("第三十条", 1)]
    assert numbers(client.get("/api/v1/policy-articles/", {"q": "第二版"})) == [("第二十二条", 2)]
    found = client.get("/api/v1/policy-articles/", {"q": "旧发〔2001〕", "include_repealed": "true"})
    assert numbers(found) == [("第一条", 1)]
    assert numbers(client.get("/api/v1/policy-articles/", {"q": "旧发〔2001〕"})) == []


def test_the_detail_shows_the_summary_flag_and_its_source(
    loaded: None, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    article = PolicyArticle.objects.get(number="第二十二条", version=1)
    data = api_as(caseworker).get(f"/api/v1/policy-articles/{article.pk}/").json()
    assert data["is_summary"] is True and data["summary_source"] == "产品领域说明摘要"
    assert data["document"]["title"] == "信访工作条例" and data["is_current"] is False


def test_an_unknown_article_is_404(caseworker: User, api_as: Callable[[User], APIClient]) -> None:
    assert api_as(caseworker).get("/api/v1/policy-articles/999999/").status_code == 404


def test_a_staff_member_of_another_county_reads_the_same_public_law(
    loaded: None, caseworker_b: User, api_as: Callable[[User], APIClient]
) -> None:
    assert len(numbers(api_as(caseworker_b).get("/api/v1/policy-articles/"))) == 2


def test_anonymous_callers_are_refused(loaded: None, api_client: APIClient) -> None:
    article = PolicyArticle.objects.first()
    assert article is not None
    assert api_client.get("/api/v1/policy-articles/").status_code in (401, 403)
    assert api_client.get(f"/api/v1/policy-articles/{article.pk}/").status_code in (401, 403)


def test_the_schema_declares_the_filters_and_required_fields(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/policy-articles/"]["get"]["parameters"]}
    assert parameters["q"]["maxLength"] == 100 and parameters["include_repealed"]["type"] == "boolean"
    article = schema["components"]["schemas"]["PolicyArticle"]
    assert {"document", "number", "text", "is_summary", "summary_source", "version"} <= set(article["required"])
    assert {"401", "403", "404"} <= set(schema["paths"]["/api/v1/policy-articles/{id}/"]["get"]["responses"])


def test_a_yes_or_no_that_is_neither_is_a_400_naming_the_field(
    loaded: None, caseworker: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(caseworker)
    response = client.get("/api/v1/policy-articles/", {"include_repealed": "maybe"})
    assert response.status_code == 400 and "include_repealed" in response.json()
    assert sorted(numbers(client.get("/api/v1/policy-articles/", {"include_repealed": "0"}))) == [
        ("第三十条", 1),
        ("第二十二条", 2),
    ]
