"""The pages' side of domain errors: one decorator and one form helper.

The API maps the same errors in ``core.api.exception_handler``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .api import as_domain_error
from .errors import Conflict, DomainError


def apply_errors(form: Any, exc: ValidationError, *, default_field: str | None = None) -> None:
    """Put an action's validation errors on the form's fields (unknown fields: form-wide or ``default_field``)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field if default_field in form.fields else None, exc.messages)


def domain_errors_as_pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A domain refusal (409 lost race, 403, 404, 400) as a clear page with its status; nothing applied."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Exception as raised:
            exc = as_domain_error(raised)
            if not isinstance(exc, DomainError):
                raise
            return render(
                request,
                "core/conflict.html",
                {"message": exc.detail, "conflict": isinstance(exc, Conflict)},
                status=exc.status_code,
            )

    return wrapper
