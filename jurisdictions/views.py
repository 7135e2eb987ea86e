"""Pages: a division and its children, within the user's jurisdiction."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import scope


@login_required
def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    division = scope.access_division(request.user, code)
    children = scope.visible_divisions(request.user).filter(parent=division).order_by("code")
    path = scope.ancestors_of([division.code])
    breadcrumbs = [path[c] for c in division.ancestor_codes if c in path and c != division.code]
    return render(
        request,
        "jurisdictions/division_detail.html",
        {"division": division, "children": children, "breadcrumbs": breadcrumbs},
    )
