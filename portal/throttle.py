"""Guessing is slow: five failed tries lock a case, a phone or a typed reference for 15 minutes.

Counters and locks live in the shared cache (``LAUREL_CACHE_URL``), so they hold across web
processes. A reference that matches no case is counted and locked like one that does, so the
lock reveals nothing about which references exist.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

TRIES = 5
LOCK_SECONDS = 15 * 60


def key(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"portal:{kind}:{digest}"


def is_locked(keys: Iterable[str]) -> bool:
    found = cache.get_many([f"{k}:lock" for k in keys])
    return bool(found)


def failed(keys: Iterable[str]) -> None:
    for k in keys:
        counter = f"{k}:fails"
        cache.add(counter, 0, LOCK_SECONDS)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, LOCK_SECONDS)
            count = 1
        if count >= TRIES:
            cache.set(f"{k}:lock", 1, LOCK_SECONDS)
            cache.delete(counter)


def succeeded(keys: Iterable[str]) -> None:
    cache.delete_many([f"{k}:fails" for k in keys])


def client_address(group: str, request: Any) -> str:
    """django-ratelimit's key: the client address as django-axes reads it (proxies as configured).

    A request without an address (a Unix socket behind a proxy that sends none) shares one
    bucket rather than failing.
    """
    from ipware import get_client_ip

    ip, _routable = get_client_ip(
        request,
        proxy_count=getattr(settings, "AXES_IPWARE_PROXY_COUNT", None),
        request_header_order=getattr(settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", None),
    )
    return ip or "unknown"
