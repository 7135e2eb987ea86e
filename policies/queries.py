"""Reading the policy base: public law, readable by every signed-in member of staff (no jurisdiction)."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import PolicyArticle


def current_q() -> Q:
    """The version in force today of each article: the newest version, effective, not repealed."""
    today = timezone.localdate()
    newer = PolicyArticle.objects.filter(
        document=OuterRef("document"), number=OuterRef("number"), version__gt=OuterRef("version")
    )
    return Q(~Exists(newer), effective_on__lte=today) & (Q(repealed_on__isnull=True) | Q(repealed_on__gt=today))


def search(q: str = "", *, include_repealed: bool = False) -> QuerySet[PolicyArticle]:
    """Articles matching ``q`` in the document number or title, the article number, title or text."""
    qs = PolicyArticle.objects.select_related("document")
    if not include_repealed:
        qs = qs.filter(current_q())
    for word in q.split():
        qs = qs.filter(
            Q(document__number__icontains=word)
            | Q(document__title__icontains=word)
            | Q(number__icontains=word)
            | Q(title__icontains=word)
            | Q(text__icontains=word)
        )
    return qs.order_by("document__title", F("position").asc(nulls_last=True), "number", "-version", "id")


def access_article(pk: int | str) -> PolicyArticle:
    article = PolicyArticle.objects.select_related("document").filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def versions_of(article: PolicyArticle) -> QuerySet[PolicyArticle]:
    """Every version of the article, newest first."""
    return PolicyArticle.objects.filter(document=article.document, number=article.number).order_by("-version")


def is_current(article: PolicyArticle) -> bool:
    return PolicyArticle.objects.filter(current_q(), pk=article.pk).exists()
