"""Policy base pages: search the articles, read one with its version history. Any signed-in staff member."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import queries

PAGE_SIZE = 100


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    include_repealed = request.GET.get("include_repealed") == "1"
    rows = list(queries.search(q, include_repealed=include_repealed)[: PAGE_SIZE + 1])
    return render(
        request,
        "policies/article_list.html",
        {"articles": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "q": q, "include_repealed": include_repealed},
    )


@login_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = queries.access_article(pk)
    return render(
        request,
        "policies/article_detail.html",
        {"article": article, "versions": queries.versions_of(article), "is_current": queries.is_current(article)},
    )
