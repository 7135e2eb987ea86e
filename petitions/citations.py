"""Citations of the policy base: the articles a refusal or a decision rests on, frozen when cited.

Staff pick article ids from the base (``/api/v1/policy-articles/``); each must exist and be
in force (not repealed, already effective). What is stored is the version cited, so that a later
version or repeal never changes what the decision said.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.models import PolicyArticle


def _label(article: PolicyArticle) -> str:
    return f"《{article.document.title}》{article.number}"


def validate(ids: Iterable[Any], *, field: str = "citations", required: bool = True) -> list[PolicyArticle]:
    """The cited articles in the order given; ``ValidationError`` naming ``field`` and the article.

    Refused: none given (when ``required``), an id that is not an article, an article repealed or
    not yet in force on the day of the citation.
    """
    wanted: list[int] = []
    for raw in ids:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationError({field: _("“%(id)s” is not an article of the policy base.") % {"id": raw}}) from None
    wanted = list(dict.fromkeys(wanted))
    if required and not wanted:
        raise ValidationError({field: _("Cite at least one article of the policy base.")})
    found = {a.pk: a for a in PolicyArticle.objects.select_related("document").filter(pk__in=wanted)}
    today = timezone.localdate()
    articles = []
    for pk in wanted:
        article = found.get(pk)
        if article is None:
            raise ValidationError({field: _("“%(id)s” is not an article of the policy base.") % {"id": pk}})
        if article.repealed_on is not None and article.repealed_on <= today:
            raise ValidationError(
                {
                    field: _("%(article)s was repealed on %(day)s and cannot be cited in a new decision.")
                    % {"article": _label(article), "day": article.repealed_on.isoformat()}
                }
            )
        if article.effective_on > today:
            raise ValidationError(
                {
                    field: _("%(article)s is not in force until %(day)s.")
                    % {"article": _label(article), "day": article.effective_on.isoformat()}
                }
            )
        articles.append(article)
    return articles


def frozen(articles: Iterable[PolicyArticle]) -> list[dict[str, Any]]:
    """What a decision keeps of each cited article: the version, never a pointer that could move."""
    return [
        {
            "id": a.pk,
            "document": a.document.title,
            "document_number": a.document.number,
            "number": a.number,
            "title": a.title,
            "version": a.version,
            "is_summary": a.is_summary,
            # The official text only: a 摘要 is never printed as if it were the article.
            "text": "" if a.is_summary else a.text,
        }
        for a in articles
    ]
