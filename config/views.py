"""Project-wide pages: health check and the per-role home page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from core import panels
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


class QuickSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Case number, name or full ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@sensitive_post_parameters("q")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """The workbench (工作台): the panels the apps register for the user's roles (``core.panels``).

    The quick search is posted (a full ID number never appears in a URL, a log or the history);
    its results are the sections the apps register for ``core.panels.SEARCH``.
    """
    form = QuickSearchForm(request.POST if request.method == "POST" else None)
    results = []
    searched = form.is_bound and form.is_valid()
    if searched:
        results = panels.render(panels.SEARCH, request, term=form.cleaned_data["q"])
        form = QuickSearchForm()  # the term (perhaps a full ID number) is not echoed into the page
    memberships = list(request.user.memberships.select_related("division"))  # type: ignore[union-attr]
    divisions = ancestors_of(m.division_id for m in memberships)
    rows = [
        {
            "membership": m,
            "path": " › ".join(divisions[c].name for c in m.division.ancestor_codes[1:] if c in divisions),
        }
        for m in memberships
    ]
    return render(
        request,
        "home.html",
        {
            "rows": rows,
            "roles": {m.role for m in memberships},
            "form": form,
            "searched": searched,
            "results": results,
            "actions": panels.render(panels.WORKBENCH_ACTIONS, request),
            "panels": [] if results else panels.render(panels.WORKBENCH, request),
        },
    )


# Elder-friendly mode (适老化): large text and high contrast, for anyone, signed in or not. It is
# remembered in this cookie for a year (the browser's choice, like the language switcher's).
ELDER_COOKIE = "laurel_elder"


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    """Turn the elder-friendly mode on (``elder=1``) or off, then go back to the page it was asked from."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    if request.POST.get("elder") == "1":
        response.set_cookie(
            ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure()
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
