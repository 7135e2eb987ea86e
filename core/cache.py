"""What changes rarely, kept in the shared cache (``LAUREL_CACHE_URL``) under a version stamp.

A value is stored with the version stamp of its owner (``namespace`` + ``owner``: e.g. the
memberships of user 42); the stamp itself lives in the same cache. :func:`bump` gives the
owner a new stamp, so every value computed before it is ignored from then on, in every
process that shares the cache. A write bumps the stamp at once (its own transaction reads
afresh) and again when its transaction commits: a request that read the old rows between the
two stores its value under the first stamp, which the second one retires.

Values are keyed by an extra ``part`` as well (e.g. the day: memberships start and end on
dates, so a value computed for one day is never used on the next), and expire after
``timeout`` seconds whatever happens (a bound for caches that are not shared: the local-memory
cache of a single-process demo).

A missing or unreachable cache is never a reason to serve stale data: a miss recomputes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.core import checks
from django.core.cache import cache
from django.db import transaction

from . import replicas

T = TypeVar("T")

DEFAULT_TIMEOUT = 300


def _version_key(namespace: str, owner: Any) -> str:
    return f"v:{namespace}:{owner}"


def _value_key(namespace: str, owner: Any, part: str) -> str:
    return f"d:{namespace}:{owner}:{part}"


def versioned(namespace: str, owner: Any, part: str, compute: Callable[[], T], *, timeout: int = DEFAULT_TIMEOUT) -> T:
    """The cached value of ``compute()`` for ``owner``'s current stamp and ``part`` (one cache round trip on a hit)."""
    version_key, value_key = _version_key(namespace, owner), _value_key(namespace, owner, part)
    found = cache.get_many([version_key, value_key])
    version = found.get(version_key)
    stored = found.get(value_key)
    if version is not None and stored is not None and stored[0] == version:
        return stored[1]
    if version is None:
        version = secrets.token_hex(8)
        if not cache.add(version_key, version, timeout=None):
            version = cache.get(version_key) or version
    with replicas.on_primary():  # never a lagging replica's rows under a current stamp
        value = compute()
    cache.set(value_key, (version, value), timeout=timeout)
    return value


def _new_stamp(namespace: str, owner: Any) -> None:
    cache.set(_version_key(namespace, owner), secrets.token_hex(8), timeout=None)


def bump(namespace: str, owner: Any) -> None:
    """Retire every value cached for ``owner`` (now, and again when the current transaction commits)."""
    _new_stamp(namespace, owner)
    transaction.on_commit(lambda: _new_stamp(namespace, owner))


def get_plain(key: str) -> Any:
    """A short-lived value (navigation counts): ``None`` when absent."""
    return cache.get(key)


def set_plain(key: str, value: Any, timeout: int) -> None:
    cache.set(key, value, timeout=timeout)


def forget_plain(key: str) -> None:
    """Drop a short-lived value now and when the current transaction commits."""
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Production runs several processes: the version stamps only retire values in a shared cache."""
    from django.conf import settings

    if settings.DEBUG:
        return []
    if getattr(settings, "LAUREL_CACHE_URL", ""):
        return []
    return [
        checks.Warning(
            "LAUREL_CACHE_URL is not set: each process keeps its own cache, so a membership change reaches "
            "the other processes only when their cached values expire (5 minutes).",
            hint="Set LAUREL_CACHE_URL=redis://host:6379/1, a Redis shared by every web process and worker.",
            id="core.W001",
        )
    ]
