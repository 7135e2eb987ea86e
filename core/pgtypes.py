"""PostgreSQL ``timestamptz`` values read by psycopg's C loader, not Django's pure-Python one.

Django (``django.db.backends.postgresql.psycopg_any``) registers, on every connection, a
``timestamptz`` loader derived from psycopg's *Python* ``TimestamptzLoader`` (it replaces the
``tzinfo`` of what it reads with the connection's time zone). psycopg's C loader, shipped with
``psycopg-binary``, cannot be subclassed, so every timestamp Django reads is parsed by a regular
expression in Python, and every result set builds a Python loader that looks up the DateStyle
(Django ticket #36960, psycopg issue #1273). On a workflow step that was about 5 % of the time.

:func:`use_fast_timestamptz` (connected to ``connection_created``) registers a loader of the same
class family (so that Django's per-cursor check, ``tzloader.timezone``, still sees its time zone)
whose ``load`` parses with the C loader and then sets the same ``tzinfo`` as Django's does: the
same values, the same time zone objects. Where psycopg has no C implementation (a pure-Python
install), nothing is changed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

TIMESTAMPTZ = "timestamptz"


@lru_cache
def _loader_class(timezone: Any) -> type | None:
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
    from psycopg import adapters
    from psycopg.types.datetime import TimestamptzLoader

    try:
        optimised = adapters._get_optimised(TimestamptzLoader)  # the C class when psycopg-binary/c is installed
    except Exception:
        return None
    if optimised is TimestamptzLoader:
        return None

    class FastTzLoader(BaseTzLoader):
        """Django's ``timestamptz`` loader for ``timezone``, parsing in C."""

        def __init__(self, oid: int, context: Any = None) -> None:
            # Loader's own set-up only (oid, connection): the C loader below reads the DateStyle.
            super(TimestamptzLoader, self).__init__(oid, context)  # type: ignore[misc]
            self._fast_load = optimised(oid, context).load

        def load(self, data: Any) -> Any:
            return self._fast_load(data).replace(tzinfo=self.timezone)

    FastTzLoader.timezone = timezone
    return FastTzLoader


def use_fast_timestamptz(sender: Any = None, connection: Any = None, **kwargs: Any) -> None:
    """``connection_created``: read ``timestamptz`` with the C loader on a new PostgreSQL connection."""
    if connection is None or connection.vendor != "postgresql":
        return
    from psycopg.postgres import types
    from psycopg.pq import Format

    adapters = connection.connection.adapters
    current = adapters.get_loader(types[TIMESTAMPTZ].oid, Format.TEXT)
    loader = _loader_class(getattr(current, "timezone", None))
    if loader is not None:
        adapters.register_loader(TIMESTAMPTZ, loader)
