"""Domain errors that carry their HTTP meaning.

Actions raise these (or Django's ``ValidationError`` for field messages, which means 400);
one exception handler maps them for the API (``core.api.exception_handler``) and one
decorator for the pages (``core.pages.domain_errors_as_pages``). Nothing below the entry
points knows about DRF or HTTP responses.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal an entry point shows as ``status_code`` with ``detail``."""

    status_code = 400
    default_detail: str | Promise = _("This request cannot be carried out.")

    def __init__(self, detail: str | Promise | None = None) -> None:
        self.detail = str(detail) if detail is not None else str(self.default_detail)
        super().__init__(self.detail)


class Forbidden(DomainError):
    """Visible, but this person may not do this (403)."""

    status_code = 403
    default_detail = _("You are not allowed to do this.")


class NotFound(DomainError):
    """Outside the person's jurisdiction, or gone (404)."""

    status_code = 404
    default_detail = _("Not found.")


class Conflict(DomainError):
    """A lost race or a change the object's state no longer allows (409), with its current status."""

    status_code = 409
    default_detail = _("Someone else changed this first. Reload and try again.")

    def __init__(self, detail: str | Promise | None = None, *, current_status: str | None = None) -> None:
        super().__init__(detail)
        self.current_status = current_status


class TooManyTries(DomainError):
    """Too many attempts in a short time: locked for a while (429)."""

    status_code = 429
    default_detail = _("Too many attempts. Wait a quarter of an hour and try again.")
