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
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core import checks
from django.core.cache import cache
from django.db import connection, transaction

from . import replicas

T = TypeVar("T")

DEFAULT_TIMEOUT = 300


def _version_key(namespace: str, owner: Any) -> str:
    return f"v:{namespace}:{owner}"


def _value_key(namespace: str, owner: Any, part: str) -> str:
    return f"d:{namespace}:{owner}:{part}"


# --- one round trip per request -------------------------------------------------------------
# A request that will ask for several cached values (the memberships, the declared relatives, a
# case's accused body) fetches them together first (:func:`prefetch`): one ``get_many`` instead of
# one round trip each. What it fetched is kept for that request only, in this thread, between
# Django's ``request_started`` and ``request_finished`` (outside a request nothing is kept), and
# is dropped for a key written meanwhile (:func:`bump`, :func:`forget_plain`).
_request = threading.local()


def request_started(**kwargs: Any) -> None:
    _request.found = {}


def request_finished(**kwargs: Any) -> None:
    _request.found = None


def _fetched() -> dict[str, Any] | None:
    return getattr(_request, "found", None)


_ABSENT = object()


def prefetch(*, versioned: Sequence[tuple[str, Any, str]] = (), plain: Sequence[str] = ()) -> None:
    """Fetch these values in one round trip for the rest of the request (``versioned``: namespace, owner, part)."""
    found = _fetched()
    if found is None:
        return
    keys = [k for ns, owner, part in versioned for k in (_version_key(ns, owner), _value_key(ns, owner, part))]
    keys += [key for key in plain if not _pending(key)]
    keys = [k for k in keys if k not in found]
    if not keys:
        return
    values = cache.get_many(keys)
    for key in keys:
        found[key] = values.get(key, _ABSENT)


def _get_many(keys: list[str]) -> dict[str, Any]:
    found = _fetched()
    if found is None or any(k not in found for k in keys):
        return cache.get_many(keys)
    return {k: found[k] for k in keys if found[k] is not _ABSENT}


def _drop(*keys: str) -> None:
    found = _fetched()
    if found:
        for key in keys:
            found.pop(key, None)


def versioned(namespace: str, owner: Any, part: str, compute: Callable[[], T], *, timeout: int = DEFAULT_TIMEOUT) -> T:
    """The cached value of ``compute()`` for ``owner``'s current stamp and ``part`` (one cache round trip on a hit)."""
    version_key, value_key = _version_key(namespace, owner), _value_key(namespace, owner, part)
    found = _get_many([version_key, value_key])
    version = found.get(version_key)
    stored = found.get(value_key)
    if version is not None and stored is not None and stored[0] == version:
        return stored[1]
    _drop(version_key, value_key)
    if version is None:
        version = secrets.token_hex(8)
        if not cache.add(version_key, version, timeout=None):
            version = cache.get(version_key) or version
    with replicas.on_primary():  # never a lagging replica's rows under a current stamp
        value = compute()
    cache.set(value_key, (version, value), timeout=timeout)
    return value


def _new_stamp(namespace: str, owner: Any) -> None:
    _drop_owner(namespace, owner)
    cache.set(_version_key(namespace, owner), secrets.token_hex(8), timeout=None)


def _drop_owner(namespace: str, owner: Any) -> None:
    found = _fetched()
    if found:
        prefix = _value_key(namespace, owner, "")
        for key in [k for k in found if k == _version_key(namespace, owner) or k.startswith(prefix)]:
            del found[key]


def bump(namespace: str, owner: Any) -> None:
    """Retire every value cached for ``owner`` (now, and again when the current transaction commits)."""
    _new_stamp(namespace, owner)
    transaction.on_commit(lambda: _new_stamp(namespace, owner))


# Keys forgotten inside a transaction that is still open, each with the callback that deletes it
# from the shared cache when that transaction commits (one delete, not one now and one then).
# Until then this thread reads the key as absent (its transaction sees its own writes), unless it
# stored a value again meanwhile: that value is deleted at commit too (as it was when the key
# was also deleted at once), so only a transaction that rolls back leaves it, for its timeout.
_forgotten = threading.local()


def _pending(key: str) -> bool:
    """``key`` was forgotten by this thread's transaction, which has neither committed nor rolled back."""
    pending: dict[str, Any] | None = getattr(_forgotten, "keys", None)
    if not pending or key not in pending:
        return False
    callback = pending[key]
    if any(queued[1] is callback for queued in connection.run_on_commit):
        return True
    del pending[key]  # committed (and deleted) or rolled back (the cached value is still true)
    return False


def get_plain(key: str) -> Any:
    """A short-lived value (navigation counts): ``None`` when absent."""
    if _pending(key):
        return None
    found = _fetched()
    if found is not None and key in found:
        value = found[key]
        return None if value is _ABSENT else value
    return cache.get(key)


def set_plain(key: str, value: Any, timeout: int) -> None:
    if _pending(key):
        _forgotten.keys.pop(key)  # read from the cache again (the delete at commit stays queued)
    _drop(key)
    cache.set(key, value, timeout=timeout)


def forget_plain(key: str) -> None:
    """Drop a short-lived value when the current transaction commits (at once outside one).

    Nothing to drop when this request found the key absent (:func:`prefetch`) and stored nothing
    under it since: a value another process stores meanwhile was computed before this transaction
    committed, as it could be after a delete, and lives its timeout either way.
    """
    found = _fetched()
    if found is not None and found.get(key) is _ABSENT:
        return
    _drop(key)
    if not connection.in_atomic_block:
        cache.delete(key)
        return
    if _pending(key):
        return

    def delete() -> None:
        _drop(key)
        cache.delete(key)

    transaction.on_commit(delete)
    # Only the keys of the transaction still open are kept (no growth in a long-lived worker).
    queued = {id(entry[1]) for entry in connection.run_on_commit}
    pending = {k: f for k, f in getattr(_forgotten, "keys", {}).items() if id(f) in queued}
    pending[key] = delete
    _forgotten.keys = pending


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
