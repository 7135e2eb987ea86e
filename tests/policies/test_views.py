"""The policy base pages: search, an article with its versions and 摘要 badge, the navigation link."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from policies.actions import do_load_policy_articles
from policies.models import PolicyArticle

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(write_csv: Callable[..., Path]) -> None:
    do_load_policy_articles(write_csv({}, {"article": "第三十条", "text": "不得转给被检举的人员。"}), actor=None)
    do_load_policy_articles(write_csv({"text": "第二版条文。", "is_summary": "否"}, name="v2.csv"), actor=None)


def test_the_navigation_leads_to_the_policy_base(caseworker: User, web_as: Callable[[User], Any]) -> None:
    page = web_as(caseworker).get("/").content.decode()
    assert 'id="nav-policies"' in page and 'href="/policies/"' in page


def test_the_search_lists_matching_current_articles(
    loaded: None, caseworker: User, web_as: Callable[[User], Any]
) -> None:
    response = web_as(caseworker).get("/policies/", {"q": "检举"})
    assert response.status_code == 200
    assert [a.number for a in response.context["articles"]] == ["第三十条"]
    assert "摘要" in response.content.decode()


def test_the_detail_shows_the_summary_badge_its_source_and_the_version_history(
    loaded: None, caseworker: User, web_as: Callable[[User], Any]
) -> None:
    old = PolicyArticle.objects.get(number="第二十二条", version=1)
    page = web_as(caseworker).get(f"/policies/{old.pk}/").content.decode()
    assert 'id="summary-notice"' in page and "产品领域说明摘要" in page and "非正式文本" in page
    assert [v.version for v in web_as(caseworker).get(f"/policies/{old.pk}/").context["versions"]] == [2, 1]
    new = PolicyArticle.objects.get(number="第二十二条", version=2)
    page = web_as(caseworker).get(f"/policies/{new.pk}/").content.decode()
    assert 'id="summary-notice"' not in page and "现行有效" in page


def test_anonymous_visitors_are_sent_to_sign_in(loaded: None, client: Any) -> None:
    response = client.get("/policies/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_article_is_404(caseworker: User, web_as: Callable[[User], Any]) -> None:
    assert web_as(caseworker).get("/policies/999999/").status_code == 404


def test_articles_are_listed_in_the_order_of_their_numbers(
    write_csv: Callable[..., Path], caseworker: User, web_as: Callable[[User], Any]
) -> None:
    do_load_policy_articles(
        write_csv({"article": "第三十条"}, {"article": "第二十二条"}, {"article": "第九条"}), actor=None
    )
    listed = [a.number for a in web_as(caseworker).get("/policies/").context["articles"]]
    assert listed == ["第九条", "第二十二条", "第三十条"]


def test_a_staff_member_of_another_county_reads_the_same_articles(
    loaded: None, caseworker_b: User, web_as: Callable[[User], Any]
) -> None:
    article = PolicyArticle.objects.get(number="第三十条")
    assert web_as(caseworker_b).get(f"/policies/{article.pk}/").status_code == 200
