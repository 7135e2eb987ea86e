"""Error pages in Chinese: the handlers Django calls, and friendly 403/404 pages in development too.

Production (DEBUG off) answers 400, 403, 404, 413 and 500 with the project's own pages in a small
standalone layout (``templates/errors/layout.html``: no navigation, no user, no database); the API
keeps its JSON bodies. A domain refusal (``core.errors.NotFound``/``Forbidden``) or Django's
``Http404``/``PermissionDenied`` raised by a page is shown inside the normal layout by
``FriendlyErrorPagesMiddleware``, in development as well, instead of Django's technical pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from core.errors import Forbidden, NotFound


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def reason(exception: Exception | None) -> str | None:
    """The refusal's own words (our views give translated ones), or None for the page's default."""
    if isinstance(exception, Forbidden):
        return exception.detail
    return str(exception) if isinstance(exception, PermissionDenied) and exception.args else None


def too_large(request: HttpRequest) -> HttpResponse:
    """413: the body is larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (file parts not counted)."""
    if is_api(request):
        return JsonResponse({"detail": _("The request is too large.")}, status=413)
    return render(request, "413.html", status=413)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    if is_api(request):
        return JsonResponse({"detail": _("The request could not be read.")}, status=400)
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": _("You are not allowed to do this.")}, status=403)
    return render(request, "403.html", {"message": reason(exception)}, status=403)


@requires_csrf_token
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON under ``/api/`` (as the API's schema declares), the page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from an expired page (``CSRF_FAILURE_VIEW``): a 403 in words people understand."""
    if is_api(request):
        return JsonResponse({"detail": _("The security check of this request failed.")}, status=403)
    message = _("This page has expired or was opened in another window. Go back, reload the page and send it again.")
    return render(request, "403.html", {"message": message}, status=403)


class FriendlyErrorPagesMiddleware:
    """Not found and not allowed inside the normal layout, in development as in production.

    ``process_exception`` catches what a page raises; ``__call__`` replaces Django's technical
    "no such URL" page (DEBUG) by the same friendly page. The API is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return not_found(request) if is_api(request) else self.page(request, 404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_api(request):
            return None
        if isinstance(exception, (Http404, NotFound)):
            return self.page(request, 404)
        if isinstance(exception, (PermissionDenied, Forbidden)):
            return self.page(request, 403, reason(exception))
        return None

    @staticmethod
    def page(request: HttpRequest, status: int, message: str | None = None) -> HttpResponse:
        context: dict[str, Any] = {"layout": "base.html", "message": message}
        return render(request, f"{status}.html", context, status=status)
