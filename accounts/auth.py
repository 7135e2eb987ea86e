"""API authentication: django-rest-knox tokens that expire and carry their two-factor assurance."""

from __future__ import annotations

import binascii
import datetime as dt
from hmac import compare_digest
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from core.planned import planned_cursor
from core.rows import Columns

from .models import ApiToken, User

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
            user, auth_token = self._knox_credentials(token)
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

    def _knox_credentials(self, token: bytes) -> tuple[Any, ApiToken]:
        """knox's ``authenticate_credentials``, step for step, reading the tokens with their users through
        :func:`_tokens_with_users` (one statement compiled once, not an ORM query per request)."""
        # Replaced by :meth:`authenticate_credentials`'s own message (its failures are caught there).
        msg = _("This token is not valid: it has expired or was revoked. Sign in again.")
        text = token.decode("utf-8")
        for auth_token in _tokens_with_users(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

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
        # A token issued after a second factor needs no look at the user's roles (a cache round trip).
        if not auth_token.two_factor and user.needs_two_factor():
            raise _Refused(
                _("Your account needs two-factor sign-in: sign in again with a code from your authenticator app.")
            )
        now = timezone.now()
        if auth_token.last_used is None or now - auth_token.last_used >= LAST_USE_RESOLUTION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
            auth_token.last_used = now
        return user, auth_token


_READ: list[Any] = []


def _tokens_with_users(token_key: str) -> list[ApiToken]:
    """The tokens with this key, each with its user loaded (what knox's ``select_related("user")`` reads)."""
    if not _READ:
        tokens, users = Columns(ApiToken, "a"), Columns(User, "u")
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {tokens.sql}, {users.sql} FROM {quote(ApiToken._meta.db_table)} a "  # noqa: S608 (model names)
            f"JOIN {quote(User._meta.db_table)} u ON u.id = a.user_id WHERE a.token_key = %s"
        )
        _READ[:] = [sql, tokens, users]
    sql, tokens, users = _READ
    with planned_cursor() as cursor:
        cursor.execute(sql, [token_key])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        auth_token = tokens.instance(row)
        auth_token.user = users.instance(row, tokens.width)
        found.append(auth_token)
    return found
