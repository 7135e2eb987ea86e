"""A database outage answers 503 (try again shortly), not a 500 (a bug).

Django turns any exception, raised by a view or by a middleware (the session and user lookups
reach the database before any view runs), into a call of ``handler500`` while the exception is
still being handled. ``server_error`` (``config.urls.handler500``) looks at that exception: a
database connection failure becomes a 503 with ``Retry-After`` — a JSON body under ``/api/``,
and elsewhere a static bilingual page that itself needs no database. Anything else stays the
ordinary 500. Connections are checked before reuse (``CONN_HEALTH_CHECKS``), so the first
request after the database comes back is served normally.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

# Connection-level failures: the server is down, restarting, refusing, or dropped the socket.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


def is_outage(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def retry_after_seconds() -> int:
    return int(getattr(settings, "LAUREL_OUTAGE_RETRY_AFTER_SECONDS", 30))


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON for API clients, the static Chinese page for people."""
    retry = retry_after_seconds()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": "服务暂时不可用，请稍后重试。Service temporarily unavailable; please retry.",
                "code": "service_unavailable",
                "retry_after": retry,
            },
            status=503,
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(retry)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if is_outage(sys.exc_info()[1]):
        return service_unavailable(request)
    return django_server_error(request)
