"""API conventions shared by every endpoint: error shapes and status codes.

400 with field messages (DRF), 403 not allowed, 404 outside scope, 409 for a lost race
or an illegal transition (with the object's current status when known).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, *, current_status: str | None = None) -> None:
        super().__init__(detail or _("Someone else changed this first. Reload and try again."))
        self.current_status = current_status


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, (ConcurrentTransition, TransitionNotAllowed)):
        obj = getattr(exc, "object", None)
        exc = Conflict(
            _("This change is no longer possible: the record has moved on. Reload and try again."),
            current_status=getattr(obj, "status", None),
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict) and exc.current_status is not None:
        response.data["status"] = exc.current_status
    return response
