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

A list's page statement can also be *kept* (:func:`kept_rows`): building a list's queryset and
compiling it cost more than running the prepared statement, so it is compiled once per shape (a
hashable value naming everything the queryset depends on) with its cursor values left open
(:class:`Slot`) and filled on each run. The tests set :data:`VERIFY_KEPT` to compile every kept
statement again and compare.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesIterable


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


# --- values read through a planned cursor, and statements kept per shape ------------------------


class Row(dict[str, Any]):
    """A ``.values()`` row that also answers attribute access and ``row.pk`` (what a keyset cursor reads)."""

    @property
    def pk(self) -> Any:
        return self["id"]

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class PlannedValuesIterable(ValuesIterable):
    """``.values()`` rows read through :func:`planned_cursor` on PostgreSQL (planned once per
    connection), converted as the ORM converts them, each made by ``row_type`` from its dictionary."""

    row_type: Callable[[dict[str, Any]], Any] = dict

    def __iter__(self) -> Iterator[Any]:
        if connections[self.queryset.db].vendor != "postgresql" or self.chunked_fetch:
            for row in super().__iter__():
                yield self.row_type(row)
            return
        yield from Statement(self.queryset).run(())


class Slot:
    """A value left open when a statement is compiled to be kept (:func:`kept_rows`): the
    ``index``-th of the values each run supplies. An expression that takes values (the keyset's
    ``RowCompare``) compiles a slot with :func:`db_param`."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _Open:
    """A slot as compiled: which run value fills it, and the field that converts it for the database."""

    __slots__ = ("field", "index")

    def __init__(self, index: int, field: Any) -> None:
        self.index = index
        self.field = field

    def fill(self, values: Sequence[Any], connection: Any) -> Any:
        return db_param(values[self.index], self.field, connection)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Open) and (other.index, other.field) == (self.index, self.field)

    def __hash__(self) -> int:
        return hash((self.index, self.field))


def db_param(value: Any, field: Any, connection: Any) -> Any:
    """``value`` converted for the database by ``field`` as Django's lookups convert it, or, for a
    :class:`Slot`, the open parameter a kept statement fills on each run."""
    if isinstance(value, Slot):
        return _Open(value.index, field)
    return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)


class Statement:
    """A ``.values()`` queryset compiled once: its SQL, its parameters (some open), and how its rows
    are converted and made. Runs on the database it was compiled for."""

    def __init__(self, qs: QuerySet[Any]) -> None:
        query = qs.query
        self.db = qs.db
        self.compiler = query.get_compiler(self.db)
        self.names = tuple(
            query.selected if query.selected else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        self.row_type = getattr(qs._iterable_class, "row_type", dict)
        self.sql: str | None
        try:
            self.sql, params = self.compiler.as_sql()
        except EmptyResultSet:
            self.sql, params = None, ()
        self.params = tuple(params)
        self.open = any(type(p) is _Open for p in self.params)

    def run(self, values: Sequence[Any]) -> list[Any]:
        """The rows, with ``values`` in the open parameters."""
        if self.sql is None:
            return []
        params: Any = self.params
        if self.open:
            connection = connections[self.db]
            params = [p.fill(values, connection) if type(p) is _Open else p for p in self.params]
        with planned_cursor(self.db) as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        make, names = self.row_type, self.names
        return [make(dict(zip(names, row, strict=True))) for row in self.compiler.results_iter(results=[fetched])]

    def same_as(self, other: Statement) -> bool:
        return (self.db, self.sql, self.params, self.names) == (other.db, other.sql, other.params, other.names)


# Kept statements by (shape, database): a few per list and viewer scope; emptied when full.
_kept: dict[Hashable, Statement] = {}
KEPT = 256
_kept_lock = threading.Lock()

# Tests set this: each kept statement is compiled again on every run and must be the same (a shape
# that misses something its queryset depends on fails there, not in production).
VERIFY_KEPT = False


class ShapeMissed(AssertionError):
    pass


def kept_rows(
    shape: Hashable, model: type[Model], build: Callable[[Sequence[Any]], QuerySet[Any]], values: Sequence[Any]
) -> list[Any]:
    """The rows of ``build(values)``, a ``.values()`` queryset of ``model`` read with a
    :class:`PlannedValuesIterable`, compiled once per ``shape`` and database and kept.

    ``shape`` must name everything the queryset depends on except ``values`` (which ``build``
    passes only to expressions that take :class:`Slot`, such as a keyset cursor). Building and
    compiling a list's queryset (scope, exclusions, filters, joins) cost as much as running it.
    """
    db = router.db_for_read(model) or DEFAULT_DB_ALIAS
    key = (shape, db)
    statement = _kept.get(key)
    slots = [Slot(i) for i in range(len(values))]
    if statement is not None:
        if VERIFY_KEPT and not statement.same_as(fresh := Statement(build(slots))):
            raise ShapeMissed(f"{shape!r}: kept {statement.sql} {statement.params}, now {fresh.sql} {fresh.params}")
        return statement.run(values)
    qs = build(slots)
    if qs.db != db or not issubclass(qs._iterable_class, PlannedValuesIterable):
        return list(build(values))  # another database chosen by the queryset, or not values rows: not kept
    statement = Statement(qs)
    with _kept_lock:
        if len(_kept) >= KEPT:
            _kept.clear()
        _kept[key] = statement
    return statement.run(values)
