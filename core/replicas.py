"""Reads that may be served by PostgreSQL streaming replicas (``DATABASE_REPLICA_URLS``).

Only what is named here goes to a replica, never by default: the dashboards and the reports
API (``reports.dashboard``), the exports of lists (``cases``/``subjects``/``reports`` exports) and
the read side of the cross-checks (the discrepancy list and the tracking figures). Each such
query function reads inside :func:`reading_from_replica` (or passes its queryset through
:func:`on_replica` when the rows are read later, as a streamed export does). Everything else,
and every write, goes to the primary (``default``), exactly as without replicas.

Rules kept by :class:`ReplicaRouter` and :func:`choose`:

- **Writes** always go to the primary; nothing inside an atomic block on the primary is ever
  read from a replica (its own uncommitted rows, its locks), whatever the caller asked for.
- **Read your writes**: a request that may write (any method but GET, HEAD, OPTIONS, TRACE)
  reads everything from the primary; once it has been answered,
  :class:`ReadYourWritesMiddleware` records the primary's WAL insert position
  (``pg_current_wal_insert_lsn()``, past that request's commits) in the shared cache under the
  user (signed in by session or by API token alike). A replica serves that user's reads only
  once it has replayed that far (``pg_last_wal_replay_lsn()``, asked once per request and
  replica); until then the user reads from the primary.
- A replica that is unreachable, behind, or not in recovery at all is skipped; when none
  will do, the read goes to the primary. An unreachable replica is not asked again for
  ``LAUREL_REPLICA_RETRY_SECONDS``.
- Values cached under a version stamp (``core.cache.versioned``: grants, memberships, the
  calendar) are always computed from the primary (:func:`on_primary`), so a lagging replica can
  never store stale grants under a new stamp.

Without ``DATABASE_REPLICA_URLS`` no alias, router or middleware is installed and every
function here is a no-op that answers "the primary" without a query.
"""

from __future__ import annotations

import contextvars
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

Q = TypeVar("Q", bound=QuerySet[Any])
T = TypeVar("T")

PREFIX = "replica_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Where the current block reads (reading_from_replica, on_primary): a replica's alias or the
# primary's; None outside any block (Django's own choice: an object's relations are read where
# the object was read, anything else on the primary).
_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("laurel_replica_reading", default=None)
# True while a request that may write is being answered: it reads its own writes on the primary.
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("laurel_replica_writing", default=False)
# Per request (ReadYourWritesMiddleware): each replica's replay position, asked once.
_replayed: contextvars.ContextVar[dict[str, int | None] | None] = contextvars.ContextVar(
    "laurel_replica_replayed", default=None
)
# Per process: replicas that failed to answer, and until when (time.monotonic()) they are skipped.
_down_until: dict[str, float] = {}


def aliases() -> list[str]:
    """The configured replicas' database aliases (``replica_0``, ``replica_1``, …), in order."""
    return [alias for alias in settings.DATABASES if alias.startswith(PREFIX)]


def configured() -> bool:
    return bool(aliases())


# --- log sequence numbers ---------------------------------------------------------------------


def parse_lsn(text: str | None) -> int | None:
    """``'16/B374D848'`` as a number (``None`` stays ``None``): positions compare as numbers."""
    if not text:
        return None
    high, _, low = str(text).partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def _written_key(user_id: Any) -> str:
    return f"replicas:written:{user_id}"


def _user_id(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "pk", None)


def written_lsn(user: Any) -> int | None:
    """The primary's WAL position after ``user``'s latest writing request (None: nothing recent)."""
    user_id = _user_id(user)
    if user_id is None:
        return None
    value = cache.get(_written_key(user_id))
    return int(value) if value is not None else None


def remember_write(user: Any) -> int | None:
    """Record, for ``user``, the primary's WAL insert position now (after their commits)."""
    user_id = _user_id(user)
    if user_id is None:
        return None
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql" or primary.in_atomic_block:
        return None
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        lsn = parse_lsn(cursor.fetchone()[0])
    if lsn is None:
        return None
    key = _written_key(user_id)
    earlier = cache.get(key)
    if earlier is None or int(earlier) < lsn:  # two requests of one user finishing out of order
        cache.set(key, lsn, timeout=int(getattr(settings, "LAUREL_REPLICA_READ_YOUR_WRITES_SECONDS", 3600)))
    return lsn


def replayed_lsn(alias: str) -> int | None:
    """How far ``alias`` has replayed the primary's WAL; ``None`` when it is unreachable or is not a
    replica at all (``pg_last_wal_replay_lsn()`` is NULL outside recovery). Asked once per request."""
    memo = _replayed.get()
    if memo is not None and alias in memo:
        return memo[alias]
    value: int | None = None
    if _down_until.get(alias, 0.0) <= time.monotonic():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
                value = parse_lsn(cursor.fetchone()[0])
            _down_until.pop(alias, None)
        except DatabaseError:
            logger.warning("Replica %s did not answer; reading from the primary.", alias, exc_info=True)
            _down_until[alias] = time.monotonic() + int(getattr(settings, "LAUREL_REPLICA_RETRY_SECONDS", 30))
            connections[alias].close()
    if memo is not None:
        memo[alias] = value
    return value


# --- choosing where to read -------------------------------------------------------------------


def choose(user: Any = None) -> str | None:
    """The replica to read ``user``'s figures from now, or ``None`` for the primary."""
    replicas = aliases()
    if not replicas or _writing.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    needed = written_lsn(user)
    start = random.randrange(len(replicas))  # noqa: S311 (spreading load, not a secret)
    for alias in replicas[start:] + replicas[:start]:
        replayed = replayed_lsn(alias)
        if replayed is not None and (needed is None or replayed >= needed):
            return alias
    return None


@contextmanager
def reading_from_replica(user: Any = None) -> Iterator[str | None]:
    """Within the block, reads (not writes) go to a replica that has replayed ``user``'s writes,
    if there is one; yields its alias, or ``None`` when the reads stay on the primary."""
    alias = choose(user)
    token = _reading.set(alias or DEFAULT_DB_ALIAS)
    try:
        yield alias
    finally:
        _reading.reset(token)


@contextmanager
def on_primary() -> Iterator[None]:
    """Within the block, every read goes to the primary even inside :func:`reading_from_replica`."""
    token = _reading.set(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        _reading.reset(token)


def on_replica(queryset: Q, user: Any = None) -> Q:
    """``queryset`` bound to a replica chosen now (:func:`choose`), for rows read later (a streamed
    export); objects it yields keep reading their relations there. Unchanged without one."""
    alias = choose(user)
    return queryset.using(alias) if alias else queryset


def replica_read(user: Any, compute: Callable[[], T]) -> T:
    """``compute()`` inside :func:`reading_from_replica`."""
    with reading_from_replica(user):
        return compute()


def current() -> str | None:
    """The replica the current block reads from, if any."""
    alias = _reading.get()
    return alias if alias and alias != DEFAULT_DB_ALIAS else None


# --- the router and the middleware --------------------------------------------------------------


class ReplicaRouter:
    """``DATABASE_ROUTERS`` when replicas are configured (config.settings)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        alias = _reading.get()
        if alias is None:
            return None  # Django's default: the instance's own database, else the primary
        if alias == DEFAULT_DB_ALIAS or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        same_data = {DEFAULT_DB_ALIAS, *aliases()}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db.startswith(PREFIX) else None  # replicas follow the primary's schema


class ReadYourWritesMiddleware:
    """After a request that may have written, remember the primary's WAL position for its user
    (session or API token: Django REST framework sets ``request.user`` when it authenticates)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        writing = request.method not in SAFE_METHODS
        memo, own = _replayed.set({}), _writing.set(writing)
        try:
            response = self.get_response(request)
        finally:
            _writing.reset(own)
            _replayed.reset(memo)
        if writing:
            try:
                remember_write(getattr(request, "user", None))
            except DatabaseError:
                # The answer stands; the user's next reads may be from a replica that lags.
                logger.warning("Could not record the WAL position after a write.", exc_info=True)
        return response


@checks.register(checks.Tags.caches, checks.Tags.database, deploy=True)
def shared_cache_with_replicas(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Read your writes needs the users' WAL positions in a cache every web process shares."""
    if settings.DEBUG or not configured():
        return []
    if "LocMemCache" not in settings.CACHES["default"]["BACKEND"]:
        return []
    return [
        checks.Warning(
            "DATABASE_REPLICA_URLS is set but the cache is each process's own: a user whose next request "
            "reaches another process may read a replica that has not replayed their write yet.",
            hint="Set LAUREL_CACHE_URL=redis://host:6379/1, a Redis shared by every web process.",
            id="core.W002",
        )
    ]
