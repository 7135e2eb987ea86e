"""Keyset pagination with row-value predicates, both ways, over declared sorts.

A page after the cursor ``(v, i)`` of a list ordered by ``(column, id)`` is asked for as the
row-value comparison ``(column, id) < (v, i)`` (:class:`RowCompare`), which PostgreSQL runs as an
index condition on an index ``(..., column, id)``: the page costs the same at any depth. The
equivalent ``column < v OR (column = v AND id < i)`` is only a filter (measured 252 ms at depth
900k of 1M against 0.14 ms). SQLite (≥ 3.15) and PostgreSQL both support row values.

A :class:`Sort` names one ordering a list offers: a column and its direction, the primary key
breaking ties in the same direction (so one row comparison covers both). A nullable column
lists its empty values last in both directions, as a second segment ordered by id; each
segment is read with its own index condition and a page that crosses the boundary reads both.

Cursors are text: ``"<value>|<id>"`` (an empty value is the null segment), with the value as
ISO 8601 for date-times. They are opaque to clients, but stable: the API's first cursor format
(``created_at|id``) is this one.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import F, QuerySet
from django.db.models.expressions import Expression
from django.utils.functional import Promise

from core.planned import db_param, kept_rows

OPERATORS = ("<", "<=", ">", ">=")

M = TypeVar("M", bound=models.Model)


class RowCompare(Expression):
    """``(a, b, ...) <op> (x, y, ...)``: a row-value comparison usable in ``.filter()``.

    ``RowCompare(("created_at", "id"), "<", (stamp, 42))``. Each value is converted for the
    database by its column's field, as Django's own lookups do.
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, columns: Sequence[str | Expression], op: str, values: Sequence[Any]) -> None:
        if op not in OPERATORS:
            raise ValueError(f"Unknown row comparison {op!r}.")
        if not columns or len(columns) != len(values):
            raise ValueError("A row comparison needs as many values as columns.")
        super().__init__(output_field=models.BooleanField())
        self.columns: list[Any] = [F(c) if isinstance(c, str) else c for c in columns]
        self.op = op
        self.values = list(values)

    def get_source_expressions(self) -> list[Any]:
        return list(self.columns)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.columns = list(exprs)

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> RowCompare:
        clone = self.copy()
        clone.is_summary = summarize
        clone.columns = [c.resolve_expression(query, allow_joins, reuse, summarize, for_save) for c in self.columns]
        return clone

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        left, right, params_left, params_right = [], [], [], []
        for column, value in zip(self.columns, self.values, strict=True):
            sql, params = compiler.compile(column)
            left.append(sql)
            params_left.extend(params)
            target: Any = column.output_field
            right.append("%s")
            params_right.append(db_param(value, target, connection))  # a Slot stays open (core.planned)
        return f"({', '.join(left)}) {self.op} ({', '.join(right)})", params_left + params_right


@dataclass(frozen=True)
class Sort:
    """One ordering a list offers: ``column``, then the primary key, ascending or descending.

    ``column`` should be the listed model's own, so that an index holds it with the jurisdiction
    column and the id; a related column (``process__case__due_at``) pages correctly but is read
    through the join, not an index (for short per-user lists such as a task inbox)."""

    key: str
    column: str
    descending: bool = False
    nullable: bool = False
    label: str | Promise = ""

    def order(self, *, reverse: bool = False) -> list[Any]:
        desc = self.descending != reverse
        return [F(self.column).desc() if desc else F(self.column).asc(), F("pk").desc() if desc else F("pk").asc()]

    def beyond(self, value: Any, pk: Any, *, reverse: bool = False) -> RowCompare:
        """Rows after ``(value, pk)`` in this order (before it with ``reverse``)."""
        op = ">" if self.descending == reverse else "<"
        return RowCompare((self.column, "pk"), op, (value, pk))


@dataclass
class Page(Generic[M]):
    rows: list[M]
    next: str = ""  # cursor for ``after`` (the following page), or empty at the end
    previous: str = ""  # cursor for ``before`` (the preceding page), or empty at the start
    extra: dict[str, Any] = field(default_factory=dict)


class BadCursor(ValueError):
    pass


def encode(sort: Sort, row: Any) -> str:
    value = _value_of(row, sort.column)
    if value is None:
        text = ""
    elif isinstance(value, datetime.datetime | datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    return f"{text}|{row.pk}"


def _value_of(row: Any, column: str) -> Any:
    value = row
    for part in column.split("__"):
        value = getattr(value, part)
    return value


def _field_of(model: type[models.Model], column: str) -> Any:
    """The field ``column`` names, following ``__`` through relations."""
    *path, last = column.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model  # type: ignore[assignment]
    return model._meta.get_field(last)


def decode(sort: Sort, model: type[models.Model], cursor: str) -> tuple[Any, int]:
    """``(value, pk)`` of a cursor; a malformed one is :class:`BadCursor`."""
    text, sep, raw_pk = cursor.rpartition("|")
    if not sep:
        raise BadCursor(cursor)
    try:
        pk = int(raw_pk)
    except ValueError:
        raise BadCursor(cursor) from None
    if text == "":
        if not sort.nullable:
            raise BadCursor(cursor)
        return None, pk
    target: Any = _field_of(model, sort.column)
    try:
        if isinstance(target, models.DateTimeField):
            value: Any = datetime.datetime.fromisoformat(text)
        elif isinstance(target, models.DateField):
            value = datetime.date.fromisoformat(text)
        else:
            value = target.to_python(text)
    except Exception:
        raise BadCursor(cursor) from None
    return value, pk


@dataclass(frozen=True)
class Shaped(Generic[M]):
    """A list whose queryset is built only when no statement of its ``shape`` is kept.

    ``build()`` returns a ``.values()`` queryset of ``model`` read by a
    :class:`core.planned.PlannedValuesIterable`; ``shape`` is hashable and names everything that
    queryset depends on (the viewer's scope, exclusions, filters, the fields). Each page statement
    (first page, after, before; each segment) is compiled once per shape with the cursor left
    open (:func:`core.planned.kept_rows`).
    """

    model: type[M]
    shape: Hashable
    build: Callable[[], QuerySet[Any]]


Source = QuerySet[M] | Shaped[M]


def paginate(qs: Source[M], sort: Sort, *, after: str = "", before: str = "", size: int = 50) -> Page[M]:
    """One page of ``qs`` in ``sort`` order: the first, the one after ``after`` or the one before ``before``.

    A malformed cursor raises :class:`BadCursor` (callers answer 400, or show the first page).
    """
    model = qs.model
    if before:
        value, pk = decode(sort, model, before)
        rows = _read(qs, sort, value, pk, size + 1, reverse=True)
        more = len(rows) > size
        rows = rows[:size]
        rows.reverse()
        return Page(
            rows=rows,
            next=encode(sort, rows[-1]) if rows else "",
            previous=encode(sort, rows[0]) if more and rows else "",
        )
    start: tuple[Any, int] | None = decode(sort, model, after) if after else None
    first: tuple[Any, Any] = start if start is not None else (None, None)
    rows = _read(qs, sort, first[0], first[1], size + 1, reverse=False, from_start=start is None)
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        next=encode(sort, rows[-1]) if more and rows else "",
        previous=encode(sort, rows[0]) if start is not None and rows else "",
    )


def _fetch(
    qs: Source[M], part: tuple[Any, ...], narrow: Callable[[QuerySet[M], Sequence[Any]], QuerySet[M]], values: list[Any]
) -> list[M]:
    """The rows of ``narrow(qs, values)``: the list's queryset narrowed to one page statement
    (``part`` names it); for a :class:`Shaped` list compiled once per shape and kept."""
    if isinstance(qs, Shaped):
        shaped = qs
        return kept_rows((shaped.shape, part), shaped.model, lambda v: narrow(shaped.build(), v), values)
    return list(narrow(qs, values))


def _read(
    qs: Source[M],
    sort: Sort,
    value: Any,
    pk: Any,
    limit: int,
    *,
    reverse: bool,
    from_start: bool = False,
) -> list[M]:
    """Up to ``limit`` rows past ``(value, pk)`` going forwards (or backwards), across the segments.

    Forwards the order is: rows with a value, then (nullable sorts) rows without one, by id. Each
    segment's statement reads ``limit`` rows (its text the same on every page).
    """
    column, nullable = sort.column, sort.nullable
    null_order = [F("pk").desc() if (sort.descending != reverse) else F("pk").asc()]
    null_op = ">" if sort.descending == reverse else "<"

    def filled(q: QuerySet[M]) -> QuerySet[M]:
        return q.filter(**{f"{column}__isnull": False}) if nullable else q

    def empty(q: QuerySet[M]) -> QuerySet[M]:
        return q.filter(**{f"{column}__isnull": True})

    def filled_from_start(q: QuerySet[M], v: Sequence[Any], *, back: bool = False) -> QuerySet[M]:
        return filled(q).order_by(*sort.order(reverse=back))[:limit]

    def filled_beyond(q: QuerySet[M], v: Sequence[Any], *, back: bool = False) -> QuerySet[M]:
        return filled(q).filter(sort.beyond(v[0], v[1], reverse=back)).order_by(*sort.order(reverse=back))[:limit]

    def empty_from_start(q: QuerySet[M], v: Sequence[Any]) -> QuerySet[M]:
        return empty(q).order_by(*null_order)[:limit]

    def empty_beyond(q: QuerySet[M], v: Sequence[Any]) -> QuerySet[M]:
        return empty(q).filter(RowCompare(("pk",), null_op, (v[0],))).order_by(*null_order)[:limit]

    def part(name: str) -> tuple[Any, ...]:
        return (name, sort.key, reverse, limit)

    if not reverse:
        if from_start:
            rows = _fetch(qs, part("filled-start"), filled_from_start, [])
        elif value is None:
            return _fetch(qs, part("empty-beyond"), empty_beyond, [pk])
        else:
            rows = _fetch(qs, part("filled-beyond"), filled_beyond, [value, pk])
        if nullable and len(rows) < limit:
            rows += _fetch(qs, part("empty-start"), empty_from_start, [])[: limit - len(rows)]
        return rows
    if value is None:
        rows = _fetch(qs, part("empty-beyond"), empty_beyond, [pk])
        if len(rows) < limit:
            back = _fetch(qs, part("filled-start"), lambda q, v: filled_from_start(q, v, back=True), [])
            rows += back[: limit - len(rows)]
        return rows
    return _fetch(qs, part("filled-beyond"), lambda q, v: filled_beyond(q, v, back=True), [value, pk])


# --- totals -------------------------------------------------------------------------------------

TOTAL_TTL = 60  # seconds a count above county level is reused


@dataclass(frozen=True)
class Total:
    """How many rows a list has: exactly, or as counted up to ``TOTAL_TTL`` seconds ago ("约 N")."""

    count: int
    exact: bool


EXACT_CAP = 10_000  # an exact count reads at most this many index entries


def total(qs: QuerySet[Any] | Shaped[Any], *, exact: bool, key: Sequence[Any] = (), cap: int = EXACT_CAP) -> Total:
    """The count of ``qs``: live when ``exact``, else from the shared cache under ``key`` (what
    the rows depend on: the list, the viewer's scope, the filters), counted again when stale.

    A live count stops after ``cap`` rows (``COUNT`` over a ``LIMIT`` subquery): a county's
    lists are counted exactly, and one that outgrows the cap (a benchmark's million cases in
    one county) falls back to the cached count instead of scanning its index on every request:
    while that count is fresh, such a list is not counted up to the cap again either.
    """
    from django.core.cache import cache

    digest = hashlib.sha256(json.dumps([str(k) for k in key], ensure_ascii=False).encode()).hexdigest()[:32]
    cache_key = f"laurel:list-total:{qs.model._meta.label_lower}:{digest}"
    count = cache.get(cache_key)
    live = exact and (count is None or count <= cap)
    if not live and count is not None:
        return Total(int(count), False)
    rows = qs.build() if isinstance(qs, Shaped) else qs  # built only when it is counted
    if live:
        # Counted live, unless the list outgrew the cap within the last TOTAL_TTL seconds (then
        # the cached count stands, as it would after counting up to the cap again).
        bounded = rows.order_by()[: cap + 1].count()
        if bounded <= cap:
            return Total(bounded, True)
    if count is None:
        count = rows.count()
        cache.set(cache_key, count, TOTAL_TTL)
    return Total(int(count), False)
