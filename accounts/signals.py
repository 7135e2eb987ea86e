"""Receivers for Django's authentication signals (session bookkeeping only)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import AUTH_AT_KEY


@receiver(user_logged_in)
def start_absolute_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[AUTH_AT_KEY] = time.time()
