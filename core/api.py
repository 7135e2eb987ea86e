"""The one exception handler of the API: error shapes and status codes.

400 with field messages (DRF's own, and Django's ``ValidationError`` raised by actions), 403
not allowed, 404 outside scope, 409 for a lost race or an illegal transition (with the
object's current status when known). Domain errors (``core.errors``) carry their status.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from viewflow.fsm import TransitionNotAllowed as FlowTransitionNotAllowed

from .errors import Conflict, DomainError


def field_errors(exc: DjangoValidationError, *, default_field: str = "detail") -> dict[str, list[str]]:
    """A Django ``ValidationError`` as ``{field: [messages]}`` (messages without a field under ``default_field``)."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {default_field: [str(m) for m in exc.messages]}


def as_domain_error(exc: Exception) -> Exception:
    """Turn the libraries' refusals into the domain's errors (anything else unchanged)."""
    if isinstance(exc, (ConcurrentTransition, TransitionNotAllowed, FlowTransitionNotAllowed)):
        obj = getattr(exc, "object", None)
        return Conflict(
            _("This change is no longer possible: the record has moved on. Reload and try again."),
            current_status=getattr(obj, "status", None),
        )
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = as_domain_error(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    if isinstance(exc, DomainError):
        data: dict[str, Any] = {"detail": exc.detail}
        if isinstance(exc, Conflict) and exc.current_status is not None:
            data["status"] = exc.current_status
        return Response(data, status=exc.status_code)
    return drf_exception_handler(exc, context)
