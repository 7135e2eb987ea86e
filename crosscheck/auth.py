"""Authentication of department systems pushing feeds: ``Authorization: Feed <key>``.

The key is looked up by its SHA-256; a revoked or unknown key is refused (401). The
authenticated principal is a :class:`FeedClient` (not a staff user); ``request.auth`` is the
:class:`~crosscheck.models.FeedToken`, whose department the feed view compares with the URL.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .actions import hash_key
from .models import FeedToken

KEYWORD = "Feed"


class FeedClient:
    """The department system behind a token (enough of a user for DRF and the audit trail)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    pk = None
    id = None

    def __init__(self, token: FeedToken) -> None:
        self.token = token
        self.username = f"feed:{token.department}:{token.key_prefix}"

    def __str__(self) -> str:
        return self.username


class FeedTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[FeedClient, FeedToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1") != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid feed token header."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid feed token.")) from None
        token = FeedToken.objects.filter(key_hash=hash_key(key), revoked_at__isnull=True).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid feed token."))
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return FeedClient(token), token

    def authenticate_header(self, request: Any) -> str:
        return KEYWORD
