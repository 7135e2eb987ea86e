"""Offline collection's pages, mounted at /collect/ (README "Offline collection").

The page itself is a progressive web app: its service worker (``/collect/sw.js``, scope
``/collect/``) caches the page, its scripts and styles, and the page caches the township's
worklist, so the page opens and records without a network. Entries are kept in the browser's
IndexedDB, encrypted (AES-GCM under a key derived from the staff member's PIN, never stored), and
sent to ``POST /api/v1/collect/sync/`` when the network and a signed-in session are back.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.pages import domain_errors_as_pages

from . import collection
from .actions.collection import do_resolve_collected_conflict
from .models import Category, Employment

# Bump when the cached files change shape (the service worker drops older caches).
CACHE_VERSION = "laurel-collect-v1"
STATIC_FILES = [
    "laurel/laurel.css",
    "laurel/laurel.js",
    "laurel/favicon.svg",
    "subjects/collect/collect.css",
    "subjects/collect/collect.js",
    "subjects/collect/signature-pad.js",
]


@login_required
@never_cache
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    if not collection.may_collect(request.user):
        raise PermissionDenied(_("You are not allowed to do this here."))
    return render(
        request,
        "subjects/collect/page.html",
        {
            "points": collection.collection_points(request.user),
            "categories": Category.choices,
            "employments": Employment.choices,
            "conflicts": collection.conflicts_for(request.user).count(),
            "cache_version": CACHE_VERSION,
        },
    )


@never_cache
@require_GET
def session(request: HttpRequest) -> JsonResponse:
    """Whether the browser's session is alive (the page checks before a sync) and its CSRF token."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    return JsonResponse({"signed_in": True, "user": request.user.pk, "csrf": get_token(request)})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /collect/ so that its scope covers the page."""
    precache = [reverse("collect:page"), reverse("collect:manifest"), *(static(path) for path in STATIC_FILES)]
    response = render(
        request,
        "subjects/collect/sw.js",
        {"cache_version": CACHE_VERSION, "precache": json.dumps(precache), "page": reverse("collect:page")},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("collect:page")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    page_url = reverse("collect:page")
    response = JsonResponse(
        {
            "name": _("Offline collection · Laurel"),
            "short_name": _("Offline collection"),
            "lang": "zh-CN",
            "start_url": page_url,
            "scope": page_url,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#8b1a1a",
            "icons": [{"src": static("laurel/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/manifest+json"
    return response


@login_required
@never_cache
@require_GET
def conflicts(request: HttpRequest) -> HttpResponse:
    if not collection.may_collect(request.user):
        raise PermissionDenied(_("You are not allowed to do this here."))
    entries = list(collection.conflicts_for(request.user).select_related("division", "subject", "collected_by")[:200])
    rows = [{"entry": e, "fields": _compare(e)} for e in entries]
    return render(request, "subjects/collect/conflicts.html", {"rows": rows})


def _compare(entry: object) -> list[dict[str, str]]:
    """Each collected field beside the register's current value."""
    from .models import Subject

    subject = getattr(entry, "subject", None)
    values = getattr(entry, "values", {}) or {}
    labels = dict(Employment.choices)
    rows = []
    for key in ("phone", "hukou_address", "employment"):
        if key not in values:
            continue
        mine = values[key]
        theirs = getattr(subject, key, "") if subject is not None else ""
        if key == "employment":
            mine, theirs = labels.get(mine, mine), labels.get(theirs, theirs)
        label = getattr(Subject._meta.get_field(key), "verbose_name", key)
        rows.append({"label": str(label), "mine": mine, "theirs": theirs or "—"})
    return rows


@login_required
@require_POST
@domain_errors_as_pages
def resolve(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = collection.access_collected(request.user, entry_id)
    keep = request.POST.get("keep", "")
    if keep not in ("mine", "theirs"):
        messages.error(request, _("Choose the collected values or the register's."))
        return redirect("collect:conflicts")
    do_resolve_collected_conflict(entry, keep=keep, actor=request.user)
    if keep == "mine":
        messages.success(request, _("The collected values were applied to the register."))
    else:
        messages.success(request, _("The register's values were kept."))
    return redirect("collect:conflicts")
