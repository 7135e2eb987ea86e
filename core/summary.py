"""Summary tables kept as insert-only delta rows: written with the change, summed on read.

A summary model (subjects' and cases' counts) holds signed counts ``n`` per key (the counted
attributes) and per division. Every change of a counted attribute **inserts** rows, in the
transaction of the change: ``-1`` for the old key, ``+1`` for the new one. Nothing updates a
shared counter row, so writers in one county never queue on a lock. Readers ``SUM(n)`` the rows
of a division; a periodic job (:func:`compact`) folds the rows into one per key, so the table
stays as small as the number of distinct keys, independent of the size of the register.

Each change is written once per level (province, city and county), each row naming its
``parent`` division (``CN`` for a province): a dashboard of division ``D`` reads either the
rows whose parent is ``D`` (a breakdown by child) or the rows of ``D`` itself (its totals),
never the rows of the levels below.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import connection, models, transaction

from core import bulk

NATION = "CN"
# Dates older than the longest window a figure looks at are folded into this one day.
SENTINEL_DAY = dt.date(1970, 1, 1)

Located = tuple[str, str, str]  # (province_code, city_code, county_code)
Key = tuple[Any, ...]


class SummaryDelta(models.Model):
    """Signed counts per division and key; concrete models add the key columns."""

    id = models.BigAutoField(primary_key=True)
    parent = models.CharField(max_length=12)
    code = models.CharField(max_length=12)
    n = models.IntegerField()

    KEY_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True


SNAPSHOT = "_laurel_counted"


class Counted(models.Model):
    """A model whose saves write summary deltas: it remembers its counted values as loaded.

    ``COUNTED_ATTRS`` are the attributes the deltas depend on. The app's summary module keeps
    ``instance.__dict__[SNAPSHOT]`` (set on load by ``post_init``, on save by ``post_save``);
    a refresh from the database takes the refreshed values as the new starting point.
    """

    COUNTED_ATTRS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def refresh_from_db(self, using: Any = None, fields: Any = None, from_queryset: Any = None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        before = self.__dict__.get(SNAPSHOT)
        if fields is None or before is None:
            remember(self)
            return
        names = set(fields)
        refreshed = [a in names or a.removesuffix("_id") in names for a in self.COUNTED_ATTRS]
        self.__dict__[SNAPSHOT] = tuple(
            now if fresh else old for fresh, old, now in zip(refreshed, before, counted_values(self), strict=True)
        )


def counted_values(instance: Any) -> tuple[Any, ...]:
    return tuple(getattr(instance, a) for a in instance.COUNTED_ATTRS)


def remember(instance: Any) -> None:
    """Note the counted values as they are in the database (cheap: runs for every row loaded)."""
    loaded = instance.__dict__
    if instance.pk is not None and all(a in loaded for a in instance.COUNTED_ATTRS):
        loaded[SNAPSHOT] = counted_values(instance)
    else:
        loaded.pop(SNAPSHOT, None)


def levels(located: Located) -> list[tuple[str, str]]:
    """``(parent, code)`` of each level a row counts at: province, city, county (those present)."""
    province, city, county = located
    out = [(NATION, province)]
    if city:
        out.append((province, city))
        if county:
            out.append((city, county))
    return out


def diff(before: Mapping[Any, int], after: Mapping[Any, int]) -> dict[Any, int]:
    """``after - before`` per entry, without the zeros (negative counts are kept)."""
    out: dict[Any, int] = {}
    for entry, n in after.items():
        out[entry] = out.get(entry, 0) + n
    for entry, n in before.items():
        out[entry] = out.get(entry, 0) - n
    return {entry: n for entry, n in out.items() if n}


def write(
    model: type[SummaryDelta], changes: Mapping[tuple[Located, Key], int], key_fields: tuple[str, ...] | None = None
) -> int:
    """Insert the delta rows of ``changes`` (``{(located, key): n}``) at every level; rows written.

    ``key_fields`` defaults to the model's ``KEY_FIELDS`` (a migration's historical model has none).
    """
    names = model.KEY_FIELDS if key_fields is None else key_fields
    rows: Counter[tuple[str, str, Key]] = Counter()
    for (located, key), n in changes.items():
        if not n:
            continue
        for parent, code in levels(located):
            rows[(parent, code, key)] += n
    return _insert(model, names, rows)


def write_at(
    model: type[SummaryDelta], rows: Mapping[tuple[str, str, Key], int], key_fields: tuple[str, ...] | None = None
) -> int:
    """Insert ``{(parent, code, key): n}`` as given (no expansion to the levels above); rows written."""
    return _insert(model, model.KEY_FIELDS if key_fields is None else key_fields, rows)


def _insert(model: type[SummaryDelta], names: tuple[str, ...], rows: Mapping[tuple[str, str, Key], int]) -> int:
    """Insert ``{(parent, code, key): n}`` (zeros skipped): ``COPY`` when many, else one ``INSERT``."""
    records = [
        {"parent": parent, "code": code, "n": n, **dict(zip(names, key, strict=True))}
        for (parent, code, key), n in rows.items()
        if n
    ]
    if len(records) > 200 and bulk.uses_copy():
        bulk.append(model, records)
    elif records:
        model.objects.bulk_create([model(**r) for r in records], batch_size=1000)  # type: ignore[attr-defined]
    return len(records)


def _columns(model: type[SummaryDelta]) -> list[str]:
    keys = [str(model._meta.get_field(f).column) for f in model.KEY_FIELDS]  # type: ignore[union-attr]
    return ["parent", "code", *keys, "n"]


FoldSql = dict[str, tuple[str, list[Any]]]  # key column -> (SQL of the folded value, its parameters)


def compact(
    model: type[SummaryDelta],
    *,
    fold: Callable[[Key], Key] | None = None,
    fold_sql: FoldSql | None = None,
    chunk: int = 50_000,
) -> int:
    """Fold the committed delta rows into one row per (division, key); rows removed.

    Safe beside writers: ``DELETE ... RETURNING`` removes exactly the rows it sums (a row
    committed meanwhile is either deleted and summed, or left for next time), and inserting
    never waits for a lock another writer holds. ``fold`` may map a key to a coarser one (old
    dates to :data:`SENTINEL_DAY`) when that changes no figure; ``fold_sql`` is the same map in
    SQL, per key column (with ``fold``, PostgreSQL needs it to compact in SQL).

    On PostgreSQL one statement touches only the keys that have more than one row (or whose
    fold changes them): the cost follows the delta rows written since the last compaction, not
    the table. Elsewhere every row is read back and re-inserted from Python.
    """
    if connection.vendor == "postgresql" and (fold is None or fold_sql is not None):
        return _compact_sql(model, fold_sql or {})
    table = model._meta.db_table
    columns = _columns(model)
    names = ", ".join(f'"{c}"' for c in columns)
    # Raw rows come back as the driver gives them (SQLite: dates as text, booleans as 0/1).
    typed = [model._meta.get_field(f).to_python for f in model.KEY_FIELDS]  # type: ignore[union-attr]
    with transaction.atomic():
        last = model.objects.aggregate(m=models.Max("id"))["m"]  # type: ignore[attr-defined]
        if last is None:
            return 0
        sums: Counter[tuple[Any, ...]] = Counter()
        removed = 0
        start = 0
        with connection.cursor() as cursor:
            while start <= last:
                cursor.execute(
                    f'DELETE FROM "{table}" WHERE id > %s AND id <= %s RETURNING {names}',  # noqa: S608
                    [start, min(start + chunk, last)],
                )
                for *head, n in cursor.fetchall():
                    parent, code, *key = head
                    key_t = tuple(convert(value) for convert, value in zip(typed, key, strict=True))
                    if fold is not None:
                        key_t = fold(key_t)
                    sums[(parent, code, key_t)] += n
                    removed += 1
                start += chunk
        kept = _insert(model, model.KEY_FIELDS, sums)
    return removed - kept


def _compact_sql(model: type[SummaryDelta], fold_sql: FoldSql) -> int:
    """:func:`compact` in one PostgreSQL statement (see there)."""
    table = model._meta.db_table
    keys = [str(model._meta.get_field(f).column) for f in model.KEY_FIELDS]  # type: ignore[union-attr]
    folded, params_folded = [], []
    for column in keys:
        expr, params = fold_sql.get(column, (f'd."{column}"', []))
        folded.append(expr.replace("{col}", f'd."{column}"'))
        params_folded.append(params)

    def folded_list() -> tuple[str, list[Any]]:
        return ", ".join(f'{e} AS "k_{c}"' for e, c in zip(folded, keys, strict=True)), [
            p for ps in params_folded for p in ps
        ]

    # One hashable text per (division, folded key): NULLs compare equal (a plain join would not).
    def tag(alias_parent: str, alias_code: str, values: list[str]) -> str:
        parts = [alias_parent, alias_code, *[f"COALESCE(CAST({v} AS TEXT), '\x01')" for v in values]]
        return "concat_ws('\x02', " + ", ".join(parts) + ")"

    select_folded, p1 = folded_list()
    changed = " OR ".join(f'{e} IS DISTINCT FROM d."{c}"' for e, c in zip(folded, keys, strict=True)) or "FALSE"
    p_changed = [p for ps in params_folded for p in ps]
    tag_d = tag("d.parent", "d.code", folded)
    p_tag = [p for ps in params_folded for p in ps]
    key_cols = ", ".join(f'"k_{c}"' for c in keys)
    insert_cols = ", ".join(f'"{c}"' for c in keys)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SELECT max(id) FROM "{table}"')  # noqa: S608
        last = cursor.fetchone()[0]
        if last is None:
            return 0
        # Names are the model's own columns; values are bound.
        cursor.execute(
            f"WITH grouped AS ("  # noqa: S608
            f'  SELECT {tag_d} AS tag FROM "{table}" d WHERE d.id <= %s '
            f"  GROUP BY 1 HAVING COUNT(*) > 1 OR bool_or({changed})"
            f"), gone AS ("
            f'  DELETE FROM "{table}" d USING grouped g WHERE d.id <= %s AND {tag_d} = g.tag '
            f"  RETURNING d.parent, d.code, {select_folded}, d.n"
            f"), kept AS ("
            f'  INSERT INTO "{table}" (parent, code, {insert_cols}, n) '
            f"  SELECT parent, code, {key_cols}, SUM(n) FROM gone GROUP BY parent, code, {key_cols} "
            f"  HAVING SUM(n) <> 0 RETURNING 1"
            f") SELECT (SELECT COUNT(*) FROM gone), (SELECT COUNT(*) FROM kept)",
            [*p_tag, last, *p_changed, last, *p_tag, *p1],
        )
        removed, kept = cursor.fetchone()
    return int(removed) - int(kept)


def lock_for_rebuild(model: type[SummaryDelta]) -> None:
    """Hold writers of ``model`` until the rebuild's transaction ends (PostgreSQL; SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{model._meta.db_table}" IN EXCLUSIVE MODE')


def rebuild(
    model: type[SummaryDelta],
    parts: Iterable[tuple[str, Mapping[tuple[Located, Key], int]]],
    progress: Callable[[str], None] | None = None,
) -> int:
    """Replace every row of ``model`` with the live count given as ``(part, counts)``; rows written.

    One transaction with the delta table locked against writers, so the result is exactly the
    live count at commit. ``progress`` is called with each part (a province) once written.
    """
    written = 0
    with transaction.atomic():
        lock_for_rebuild(model)
        model.objects.all().delete()  # type: ignore[attr-defined]
        for part, counts in parts:
            written += write(model, counts)
            if progress is not None:
                progress(part)
    return written


def read(model: type[SummaryDelta], *, group: Iterable[str], **where: Any) -> list[dict[str, Any]]:
    """``SUM(n)`` of the rows matching ``where``, grouped by ``group``, without zero sums."""
    group = list(group)
    rows = (
        model.objects.filter(**where)  # type: ignore[attr-defined]
        .order_by()
        .values(*group)
        .annotate(total=models.Sum("n"))
    )
    return [dict(row) for row in rows if row["total"]]
