"""API authentication: django-rest-knox tokens that expire and carry their two-factor assurance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from .models import ApiToken

# Last use is written at most this often per token (not a write per request).
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)


class _Refused(exceptions.AuthenticationFailed):
    """A valid token whose user may not use it (the message says why)."""


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``, for tokens from ``POST /api/v1/auth/token/``.

    Expired, revoked and old permanent tokens get a 401 telling the client to sign in again; a
    token issued without a two-factor code is refused for a user whose roles now need one.
    """

    def authenticate_credentials(self, token: bytes) -> tuple[Any, ApiToken]:
        try:
            user, auth_token = super().authenticate_credentials(token)
        except _Refused:
            raise
        except exceptions.AuthenticationFailed:
            text = token.decode("utf-8", "replace")
            if len(text) == 40 and all(c in "0123456789abcdef" for c in text):
                raise exceptions.AuthenticationFailed(
                    _(
                        "Permanent API tokens are no longer accepted. Sign in again "
                        "(POST /api/v1/auth/token/) for a token that expires."
                    )
                ) from None
            raise exceptions.AuthenticationFailed(
                _("This token is not valid: it has expired or was revoked. Sign in again.")
            ) from None
        return user, auth_token

    def _cleanup_token(self, auth_token: ApiToken) -> bool:
        """Whether the presented token has expired (and is deleted). knox also loads and prunes every
        other token of the user on every request; expired tokens are refused all the same, so that
        query per request is left out (they are deleted when presented, or ended with the others)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def validate_user(self, auth_token: ApiToken) -> tuple[Any, ApiToken]:
        user = auth_token.user
        if not user.is_active:
            raise _Refused(_("This account is deactivated."))
        if user.needs_two_factor() and not auth_token.two_factor:
            raise _Refused(
                _("Your account needs two-factor sign-in: sign in again with a code from your authenticator app.")
            )
        now = timezone.now()
        if auth_token.last_used is None or now - auth_token.last_used >= LAST_USE_RESOLUTION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
            auth_token.last_used = now
        return user, auth_token
