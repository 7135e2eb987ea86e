"""Loading a file of article versions: new articles, unchanged reruns, new versions, bad rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from policies.actions import do_load_policy_articles
from policies.data import SHIPPED_ARTICLES
from policies.models import PolicyArticle, PolicyDocument

pytestmark = pytest.mark.django_db


def test_a_new_article_is_loaded_as_version_one_with_its_document(write_csv: Callable[..., Path]) -> None:
    result = do_load_policy_articles(write_csv({}), actor=None)
    assert result.counts() == {"created": 1, "new_versions": 0, "unchanged": 0, "errors": 0}
    article = PolicyArticle.objects.get()
    assert (article.document.title, article.number, article.version) == ("信访工作条例", "第二十二条", 1)
    assert article.is_summary and article.summary_source == "产品领域说明摘要"
    assert PolicyDocument.objects.get().kind == "regulation"


def test_loading_the_same_file_again_changes_nothing(write_csv: Callable[..., Path]) -> None:
    path = write_csv({}, {"article": "第十九条"})
    do_load_policy_articles(path, actor=None)
    result = do_load_policy_articles(path, actor=None)
    assert result.counts() == {"created": 0, "new_versions": 0, "unchanged": 2, "errors": 0}
    assert PolicyArticle.objects.count() == 2


def test_a_changed_text_is_a_new_version_beside_the_old_one(write_csv: Callable[..., Path]) -> None:
    do_load_policy_articles(write_csv({}), actor=None)
    result = do_load_policy_articles(write_csv({"text": "新的条文。", "is_summary": "否"}), actor=None)
    assert result.new_versions == 1
    versions = list(PolicyArticle.objects.order_by("version").values_list("version", "text", "is_summary"))
    assert versions == [(1, "收到信访事项后15日内登记并转送。", True), (2, "新的条文。", False)]


def test_bad_rows_are_reported_with_their_line_numbers_in_chinese_and_good_rows_kept(
    write_csv: Callable[..., Path],
) -> None:
    path = write_csv(
        {"article": "第十九条"},
        {"kind": "treaty"},
        {"effective_on": "2022-13-01"},
        {"article": "第二十五条"},
        {"article": "第三十条", "summary_source": ""},
    )
    from django.utils import translation

    with translation.override("zh-hans"):
        result = do_load_policy_articles(path, actor=None)
    assert [line for line, _reason in result.errors] == [3, 4, 6]
    assert "文件类别" in result.errors[0][1] and "日期" in result.errors[1][1] and "来源" in result.errors[2][1]
    assert sorted(PolicyArticle.objects.values_list("number", flat=True)) == ["第二十五条", "第十九条"]


def test_a_load_is_audited_with_its_counts(write_csv: Callable[..., Path]) -> None:
    do_load_policy_articles(write_csv({}, {"text": ""}), actor=None)
    event = AuditEvent.objects.get(event_type="policy.articles_loaded")
    assert event.data["created"] == 1 and event.data["errors"] == 1 and event.data["file"] == "articles.csv"


def test_the_command_shows_progress_and_bad_lines(
    write_csv: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("load_policy_articles", str(write_csv({}, {"article": ""})))
    out, err = capsys.readouterr()
    assert "共 2 行，已读 2 行" in out and "1 条新条文" in out
    assert "第 3 行" in err and "条文序号" in err


def test_the_shipped_file_loads_only_summaries_with_their_source() -> None:
    result = do_load_policy_articles(SHIPPED_ARTICLES, actor=None)
    assert result.errors == [] and result.created >= 12
    numbers = set(PolicyArticle.objects.filter(document__title="信访工作条例").values_list("number", flat=True))
    assert {"第十九条", "第二十二条", "第二十五条", "第三十二条", "第三十六条"} <= numbers
    assert not PolicyArticle.objects.filter(is_summary=False).exists()
    assert set(PolicyArticle.objects.values_list("summary_source", flat=True)) == {"产品领域说明摘要"}


def test_the_demo_seed_loads_the_shipped_articles_once() -> None:
    call_command("seed_demo", verbosity=0)
    loaded = PolicyArticle.objects.count()
    call_command("seed_demo", verbosity=0)
    assert PolicyArticle.objects.count() == loaded >= 12
