"""Project-wide pages: health check and the per-role home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from jurisdictions.scope import ancestors_of


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers (no login, no personal data)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy", with its class name
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(request.user.memberships.select_related("division"))  # type: ignore[union-attr]
    divisions = ancestors_of(m.division_id for m in memberships)
    rows = [
        {
            "membership": m,
            "path": " › ".join(divisions[c].name for c in m.division.ancestor_codes[1:] if c in divisions),
        }
        for m in memberships
    ]
    return render(request, "home.html", {"rows": rows, "roles": {m.role for m in memberships}})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: JSON under ``/api/`` (as the API's schema declares), the page elsewhere."""
    if request.path.startswith("/api/"):
        from django.utils.translation import gettext as _

        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
