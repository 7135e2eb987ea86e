"""Citing the policy base: which article versions a new decision may cite, and freezing them when the
document is signed (``policies.models.Citation``). The interface the higher apps use:

- :func:`validate_citations` (pure, inside the action): the ids → the article versions, or a
  :class:`CitationRefused` (a ``ValidationError`` naming the field and the article, in Chinese);
- :func:`refusals_audited` (at the entry point, outside the action's transaction): a refusal is
  audited (``policy.citation_refused``) in a transaction of its own, then re-raised;
- :func:`do_freeze_citations` (inside the signing action): the versions cited, written once;
- :func:`citation_text`: how a letter or a page names them (《document》article: never a 摘要's text).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import record

from .models import Citation, PolicyArticle

MAX_CITATIONS = 20


class CitationRefused(ValidationError):
    """A citation a new document may not make: 400 naming ``field`` and the article."""

    def __init__(self, field: str, message: str, *, rule: str, article_ids: list[int]) -> None:
        super().__init__({field: [message]})
        self.field, self.rule, self.article_ids = field, rule, article_ids


def article_name(article: PolicyArticle) -> str:
    return f"《{article.document.title}》{article.number}"


def citation_text(articles: Iterable[PolicyArticle]) -> str:
    """《信访工作条例》第三十二条、《…》…: the references only, never an article's text (a 摘要 is not the article)."""
    return "、".join(article_name(a) for a in articles)


def _ids(values: Any, field: str) -> list[int]:
    if values is None:
        return []
    if isinstance(values, str | int):
        values = [values]
    ids: list[int] = []
    for index, value in enumerate(values, start=1):
        try:
            number = int(str(value).strip())
        except ValueError:
            raise CitationRefused(
                field,
                _("Item %(index)d is not the number of an article of the policy base: %(value)s")
                % {"index": index, "value": str(value)[:40]},
                rule="not_an_id",
                article_ids=[],
            ) from None
        if number not in ids:
            ids.append(number)
    if len(ids) > MAX_CITATIONS:
        raise CitationRefused(
            field,
            _("Cite at most %(count)d articles.") % {"count": MAX_CITATIONS},
            rule="too_many",
            article_ids=ids,
        )
    return ids


def validate_citations(
    article_ids: Any, *, on: datetime.date, field: str = "citations", required: bool = False
) -> list[PolicyArticle]:
    """The article versions ``article_ids`` names, in that order, if a document signed on ``on`` may cite
    them: each exists, is in force that day (effective, not repealed) and is the version in force (not
    superseded by a newer version effective by then). Else :class:`CitationRefused` naming ``field``
    and the article, with the rule (Chinese message); nothing is written."""
    ids = _ids(article_ids, field)
    if required and not ids:
        raise CitationRefused(
            field, _("Choose the articles of the policy base this decision rests on."), rule="required", article_ids=[]
        )
    found = {a.pk: a for a in PolicyArticle.objects.select_related("document").filter(pk__in=ids)}
    articles: list[PolicyArticle] = []
    for pk in ids:
        article = found.get(pk)
        if article is None:
            raise CitationRefused(
                field,
                _("There is no article %(id)d in the policy base.") % {"id": pk},
                rule="unknown",
                article_ids=[pk],
            )
        name = article_name(article)
        versions = PolicyArticle.objects.filter(document=article.document, number=article.number, effective_on__lte=on)
        repeal = (
            versions.filter(repealed_on__isnull=False, repealed_on__lte=on).order_by("repealed_on").first()
            if article.repealed_on is None or article.repealed_on > on
            else article
        )
        if repeal is not None:
            raise CitationRefused(
                field,
                _("%(article)s was repealed on %(date)s: a new decision cannot cite it.")
                % {"article": name, "date": repeal.repealed_on.isoformat() if repeal.repealed_on else ""},
                rule="repealed",
                article_ids=[pk],
            )
        if article.effective_on > on:
            raise CitationRefused(
                field,
                _("%(article)s takes effect only on %(date)s.") % {"article": name, "date": article.effective_on},
                rule="not_yet_effective",
                article_ids=[pk],
            )
        newer = versions.filter(version__gt=article.version).order_by("-version").first()
        if newer is not None:
            raise CitationRefused(
                field,
                _("%(article)s version %(version)d is superseded by version %(newer)d: cite the version in force.")
                % {"article": name, "version": article.version, "newer": newer.version},
                rule="superseded",
                article_ids=[pk],
            )
        articles.append(article)
    return articles


@contextmanager
def refusals_audited(
    actor: Actor, *, object_type: str = "", object_id: Any = "", division_code: str = ""
) -> Iterator[None]:
    """Wrap the call of an action that validates citations: a :class:`CitationRefused` leaving it is
    audited (``policy.citation_refused``: the field, the rule, the articles) in a transaction of its
    own — kept although the action's was rolled back — and raised again (the 400)."""
    try:
        yield
    except CitationRefused as exc:
        with transaction.atomic():
            record(
                event_type="policy.citation_refused",
                actor=actor,
                object_type=object_type,
                object_id=str(object_id),
                division_code=division_code,
                data={"field": exc.field, "rule": exc.rule, "articles": exc.article_ids, "message": exc.messages[0]},
            )
        raise


def do_freeze_citations(
    document_type: str,
    document_id: Any,
    articles: Iterable[PolicyArticle],
    *,
    on: datetime.date,
    division_code: str,
    label: str = "",
    actor: Actor,
) -> list[Citation]:
    """Write the article versions a document cites, when it is signed (call it inside the signing
    action's transaction, after :func:`validate_citations`). A document's citations are written once:
    a second call for the same document writes nothing and returns the frozen ones."""
    existing = list(Citation.objects.filter(document_type=document_type, document_id=str(document_id)))
    if existing:
        return existing
    rows = [
        Citation(
            document_type=document_type,
            document_id=str(document_id),
            label=label[:100],
            article=article,
            position=position,
            cited_on=on,
            division_id=division_code,
            **Citation.codes_for(division_code),
        )
        for position, article in enumerate(articles)
    ]
    if not rows:
        return []
    Citation.objects.bulk_create(rows)
    record(
        event_type="policy.citations_frozen",
        actor=actor,
        object_type=document_type,
        object_id=str(document_id),
        division_code=division_code,
        data={"label": label, "articles": [row.article_id for row in rows], "on": on.isoformat()},
    )
    return rows


def cited_by(document_type: str, document_id: Any) -> list[Citation]:
    """The article versions a document cites, in order (with their documents)."""
    return list(
        Citation.objects.filter(document_type=document_type, document_id=str(document_id))
        .select_related("article__document")
        .order_by("position")
    )


# --- The documents that cite: how a page names and links them (filled in the higher apps' apps.py) ---

# document_type -> (label, url_of(document_id) -> str)
_DOCUMENTS: dict[str, tuple[Any, Callable[[str], str]]] = {}


def register_document(document_type: str, label: Any, url_of: Callable[[str], str]) -> None:
    """Name a kind of citing document (``"cases.case"``: 案件) and say where one is shown."""
    _DOCUMENTS[document_type] = (label, url_of)


def document_label(document_type: str) -> Any:
    return _DOCUMENTS.get(document_type, (document_type, None))[0]


def document_url(document_type: str, document_id: str) -> str:
    found = _DOCUMENTS.get(document_type)
    return found[1](document_id) if found else ""
