"""Cursors whose statements PostgreSQL plans once per connection, for the hottest hand-written SQL.

Django's PostgreSQL cursors bind parameters on the client (``ClientCursor``): every execution
sends a new statement text, which the server parses and plans again. For a short read of five
joined tables (a task with its case, subject, process and owner) planning costs several times
what executing it does (about 1 ms against 0.2 ms here). :func:`planned_cursor` hands out a cursor
with server-side binding on the same connection and transaction: psycopg prepares a statement
once it has run it ``prepare_threshold`` times (5) on that connection, and PostgreSQL then reuses
the plan (a generic plan once it proves no worse). The cursor is wrapped exactly as Django wraps
its own (statement logging and counting, execute wrappers, error translation), so the statements
are counted as every other.

Elsewhere (SQLite) it is the ordinary cursor. A connection pooler in transaction mode (pgbouncer
< 1.21) must not sit between Laurel and PostgreSQL: prepared statements belong to a session.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


def planned_cursor(using: str = DEFAULT_DB_ALIAS) -> Any:
    """A cursor (use it as a context manager) on the database ``using`` whose repeated statements are
    prepared on the server."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    # What BaseDatabaseWrapper._cursor does, with a server-binding cursor instead of create_cursor()'s.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(psycopg.Cursor(connection.connection))  # type: ignore[attr-defined]
