"""Loading many rows at once: ``COPY`` on PostgreSQL, the ORM's bulk calls elsewhere (SQLite).

Shared by the subject import and the cross-check loader. Three shapes:

- :func:`append`: plain rows into a table (``COPY ... FROM STDIN`` straight into it);
- :func:`insert_new`: rows that may already exist (a unique column): ``COPY`` of only the supplied
  columns into a temporary staging table (the others take their defaults in the statement),
  then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` — returns
  the keys actually inserted, so the caller can report the rows that lost a race;
- :func:`stage` and :func:`insert_from`: the building blocks for a caller that decides in SQL
  (the subject import: rows staged once, checked against the table by one join, then inserted
  and updated from the staging table);
- :func:`update_rows`: each row's own changed columns: ``COPY`` into a staging table, then one
  ``UPDATE ... FROM`` (a NULL keeps the current value: a bulk update never clears a column).

Callers own the transaction (each function runs inside the caller's). Identifiers in the SQL
come from model metadata, never from input; values travel by ``COPY``, never by string SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK_LINES = 1000


def uses_copy() -> bool:
    """Whether the database loads by ``COPY`` (PostgreSQL)."""
    return connection.vendor == "postgresql"


class Rendered(str):
    """A value already in ``COPY`` text format (see :func:`constant`)."""


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's ``COPY`` text format (dicts and lists as JSON)."""
    if type(value) is Rendered:
        return value
    if type(value) is str:
        return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(value) else value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def constant(value: Any) -> Any:
    """A value that is the same in every row: rendered once when loading by ``COPY``."""
    return Rendered(copy_text(value)) if uses_copy() else value


def _columns(model: type[models.Model]) -> list[Any]:
    """Concrete fields written on insert (all but the automatic primary key)."""
    pk = model._meta.pk
    return [f for f in model._meta.concrete_fields if not (f is pk and isinstance(f, models.AutoField))]


def _defaults(model: type[models.Model]) -> list[tuple[str, str, Any]]:
    """(attname, column, value when absent) for every column written on insert."""
    defaults = []
    for f in _columns(model):
        if f.has_default():
            default = f.get_default()
        elif f.null:
            default = None
        elif f.empty_strings_allowed:
            default = ""
        else:
            default = None
        defaults.append((f.attname, f.column, default))
    return defaults


def _copy_lines(cursor: Any, table: str, names: str, lines: list[str]) -> None:
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for start in range(0, len(lines), _COPY_CHUNK_LINES):
            copy.write("\n".join(lines[start : start + _COPY_CHUNK_LINES]) + "\n")


def append(model: type[models.Model], records: list[dict[str, Any]]) -> None:
    """Insert ``records`` (attname → value; absent attributes take the field's default)."""
    if not records:
        return
    if not uses_copy():
        model._default_manager.bulk_create([model(**r) for r in records], batch_size=500)
        return
    defaults = _defaults(model)
    names = ", ".join(f'"{column}"' for _a, column, _d in defaults)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
        with raw.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
            for item in records:
                copy.write_row(tuple(item.get(attname, default) for attname, _c, default in defaults))


def insert_new(model: type[models.Model], records: list[dict[str, Any]], *, unique: str) -> set[Any]:
    """Insert the ``records`` whose ``unique`` attribute is not taken yet; return the values inserted.

    A record whose key exists (or is inserted at the same moment by another transaction) is
    skipped, never an error. Values may be :class:`Rendered` (see :func:`constant`).
    """
    if not records:
        return set()
    keys = [r[unique] for r in records]
    if not uses_copy():
        manager = model._default_manager
        lookup = {f"{unique}__in": keys}
        before = set(manager.filter(**lookup).values_list(unique, flat=True))
        manager.bulk_create([model(**r) for r in records], batch_size=500, ignore_conflicts=True)
        return set(manager.filter(**lookup).values_list(unique, flat=True)) - before
    defaults = _defaults(model)
    column = next(c for a, c, _d in defaults if a == unique)
    table = model._meta.db_table
    stage = f"{table}_stage"
    # Staged with only the supplied columns: the others take their default in the INSERT.
    supplied = set().union(*(item.keys() for item in records))
    staged = [(a, c, d) for a, c, d in defaults if a in supplied]
    fields = {f.attname: f for f in model._meta.concrete_fields}
    absent = [(c, fields[a].get_db_prep_save(d, connection)) for a, c, d in defaults if a not in supplied]
    staged_names = ", ".join(f'"{c}"' for _a, c, _d in staged)
    names = ", ".join([*(f'"{c}"' for _a, c, _d in staged), *(f'"{c}"' for c, _v in absent)])
    select = ", ".join([*(f'"{c}"' for _a, c, _d in staged), *("%s" for _c, _v in absent)])
    lines = ["\t".join(copy_text(item.get(attname, default)) for attname, _c, default in staged) for item in records]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{stage}"')
        create = f'CREATE TEMP TABLE "{stage}" ON COMMIT DROP AS SELECT {staged_names} FROM "{table}" WITH NO DATA'  # noqa: S608
        cursor.execute(create)
        _copy_lines(cursor, f'"{stage}"', staged_names, lines)
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {select} FROM "{stage}" '  # noqa: S608
            f'ON CONFLICT ("{column}") DO NOTHING RETURNING "{column}"',
            [v for _c, v in absent],
        )
        inserted = {key for (key,) in cursor.fetchall()}
    return inserted


def stage(
    name: str,
    lines: list[str],
    *,
    columns: Sequence[tuple[str, str]] = (),
    model: type[models.Model] | None = None,
    attnames: Sequence[str] = (),
    keys: Sequence[str] = (),
) -> None:
    """PostgreSQL: a temporary table ``name`` (dropped at commit) loaded by ``COPY`` with ``lines``.

    Its columns: ``columns`` ((name, SQL type), e.g. a row number), then the ``attnames`` of
    ``model``, typed as in the model's table. ``lines`` are in ``COPY`` text format, in that
    column order. The table is analysed, so the statements joining it plan on its real size
    (an index probe into a big table per staged row, not a scan of the table): only its ``keys``
    (columns or attnames the statements join on) when given — the row count, which decides the
    plan, is the same, and statistics of the other columns (a whole register row's worth) cost
    more to gather than the join they would inform.
    """
    fields: dict[str, Any] = {f.attname: f for f in model._meta.concrete_fields} if model is not None else {}
    typed = [f'NULL::{sql_type} AS "{column}"' for column, sql_type in columns]
    typed += [f'"{fields[a].column}"' for a in attnames]
    names = ", ".join([*(f'"{c}"' for c, _t in columns), *(f'"{fields[a].column}"' for a in attnames)])
    source = f' FROM "{model._meta.db_table}"' if model is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        create = f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS SELECT {", ".join(typed)}{source} WITH NO DATA'
        cursor.execute(create)
        if lines:
            _copy_lines(cursor, f'"{name}"', names, lines)
        analysed = [f'"{fields[k].column}"' if k in fields else f'"{k}"' for k in keys]
        cursor.execute(f'ANALYZE "{name}"' + (f" ({', '.join(analysed)})" if analysed else ""))


def insert_from(
    model: type[models.Model],
    source: str,
    *,
    staged: list[str],
    expressions: dict[str, str],
    values: dict[str, Any],
    unique: str,
) -> set[Any]:
    """PostgreSQL: one ``INSERT ... SELECT ... ON CONFLICT (unique) DO NOTHING`` from staging; returns
    the ``unique`` values inserted (a key taken meanwhile is skipped, never an error).

    ``source`` is the statement's ``FROM ... WHERE ...`` (the staging table aliased ``s``);
    ``staged`` attributes are read from ``s`` (an empty cell takes the field's default),
    ``expressions`` are SQL for others, ``values`` constants (passed as parameters); every other
    column takes its default.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names: list[str] = []
    select: list[str] = []
    params: list[Any] = []
    for attname, column, default in _defaults(model):
        names.append(f'"{column}"')
        if attname in staged:
            if default is None:
                select.append(f's."{column}"')
            else:
                select.append(f'COALESCE(s."{column}", %s)')
                params.append(fields[attname].get_db_prep_save(default, connection))
        elif attname in expressions:
            select.append(expressions[attname])
        else:
            select.append("%s")
            params.append(fields[attname].get_db_prep_save(values.get(attname, default), connection))
    key = fields[unique].column
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{model._meta.db_table}" ({", ".join(names)}) SELECT {", ".join(select)} {source} '
            f'ON CONFLICT ("{key}") DO NOTHING RETURNING "{key}"',
            params,
        )
        return {key for (key,) in cursor.fetchall()}


def update_rows(model: type[models.Model], changes: dict[Any, dict[str, Any]]) -> None:
    """Set each row's own columns: ``changes`` maps a primary key to {attname: new value}.

    Rows may change different columns; a ``None`` keeps the current value.
    """
    if not changes:
        return
    fields = {f.attname: f for f in model._meta.concrete_fields}
    if not uses_copy():
        objects = model._default_manager.in_bulk(list(changes))
        by_columns: dict[tuple[str, ...], list[models.Model]] = {}
        for pk, values in changes.items():
            obj = objects[pk]
            given = {a: v for a, v in values.items() if v is not None}
            for attname, value in given.items():
                setattr(obj, attname, value)
            by_columns.setdefault(tuple(sorted(given)), []).append(obj)
        for given_names, group in by_columns.items():
            if given_names:
                model._default_manager.bulk_update(group, [fields[a].name for a in given_names], batch_size=500)
        return
    attnames = sorted({a for values in changes.values() for a in values})
    columns = [fields[a].column for a in attnames]
    pk = model._meta.pk
    assert pk is not None
    pk_column = pk.column
    table = model._meta.db_table
    stage = f"{table}_update_stage"
    names = ", ".join(f'"{c}"' for c in [pk_column, *columns])
    lines = [
        "\t".join([copy_text(pk), *(copy_text(values.get(a)) for a in attnames)]) for pk, values in changes.items()
    ]
    with connection.cursor() as cursor:
        # The changed columns differ from call to call: a fresh staging table each time.
        cursor.execute(f'DROP TABLE IF EXISTS "{stage}"')
        create = f'CREATE TEMP TABLE "{stage}" ON COMMIT DROP AS SELECT {names} FROM "{table}" WITH NO DATA'  # noqa: S608
        cursor.execute(create)
        _copy_lines(cursor, f'"{stage}"', names, lines)
        assignments = ", ".join(f'"{c}" = COALESCE(s."{c}", t."{c}")' for c in columns)
        cursor.execute(
            f'UPDATE "{table}" t SET {assignments} FROM "{stage}" s WHERE t."{pk_column}" = s."{pk_column}"'  # noqa: S608
        )


def analyze(model: type[models.Model]) -> None:
    """PostgreSQL: fresh statistics after a big load, so the next queries plan their joins right."""
    if uses_copy():
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
