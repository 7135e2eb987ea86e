"""Subject counts for the dashboards: insert-only deltas written with every change (``core.summary``).

Counted per county (and its city and province) × category × status × **complete** (basic
information filled in) × **confirmed** (signed off by the person). The definitions live here,
next to the data; ``reports`` reads the counts and uses the same definitions for its live check.

How each write path keeps the counts:

- one subject saved (registration, edit, death, transfer, merge — every ``do_*`` action saves the
  instance): the model's ``post_save`` compares the key the row was loaded with (``post_init``)
  with the key it was saved with and inserts the difference, inside the action's transaction;
- bulk paths (the import's ``COPY``/set-based upserts, synthetic data): :func:`track` counts the
  touched rows by key with one ``GROUP BY`` before and one after the statement and inserts the
  aggregated difference (a handful of rows per chunk, however many subjects it wrote).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_init, post_save

from core import summary
from core.summary import Key, Located

from .models import FAMILY_CATEGORIES, Subject, SubjectCount

COMPLETE_Q = (
    ~Q(ethnicity="")
    & ~Q(political_affiliation="")
    & ~Q(hukou_address="")
    & (Q(category__in=sorted(FAMILY_CATEGORIES)) | Q(service_start__isnull=False))
)
CONFIRMED_Q = Q(confirmed_at__isnull=False) & ~Q(confirmed_by="")

_ATTRS = Subject.COUNTED_ATTRS


def is_complete(subject: Any) -> bool:
    return bool(
        subject.ethnicity
        and subject.political_affiliation
        and subject.hukou_address
        and (subject.category in FAMILY_CATEGORIES or subject.service_start is not None)
    )


def is_confirmed(subject: Any) -> bool:
    return subject.confirmed_at is not None and bool(subject.confirmed_by)


def entry(subject: Any) -> tuple[Located, Key] | None:
    """What one subject counts as (None while it has no division)."""
    code = subject.division_id or ""
    if not code:
        return None
    located = (code[:2], code[:4] if len(code) >= 4 else "", code[:6] if len(code) >= 6 else "")
    return located, (subject.category, subject.status, is_complete(subject), is_confirmed(subject))


def _entries(*items: tuple[Located, Key] | None) -> dict[tuple[Located, Key], int]:
    out: dict[tuple[Located, Key], int] = {}
    for item in items:
        if item is not None:
            out[item] = out.get(item, 0) + 1
    return out


def _entry_of(values: tuple[Any, ...]) -> tuple[Located, Key] | None:
    return entry(SimpleNamespace(**dict(zip(_ATTRS, values, strict=True))))


def _remember(sender: Any, instance: Subject, **kwargs: Any) -> None:
    # A row loaded with a counted column deferred has no snapshot, and its save writes no delta:
    # every action loads whole rows (the random-sequence test would catch one that did not).
    summary.remember(instance)


def _saved(sender: Any, instance: Subject, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    values = summary.counted_values(instance)
    before = instance.__dict__.get(summary.SNAPSHOT)
    if created:
        summary.write(SubjectCount, _entries(_entry_of(values)))
    elif before is not None and before != values:
        summary.write(SubjectCount, summary.diff(_entries(_entry_of(before)), _entries(_entry_of(values))))
    instance.__dict__[summary.SNAPSHOT] = values


def _deleted(sender: Any, instance: Subject, **kwargs: Any) -> None:
    values = instance.__dict__.get(summary.SNAPSHOT, summary.counted_values(instance))
    summary.write(SubjectCount, summary.diff(_entries(_entry_of(values)), {}))


def connect() -> None:
    """Hook the counts to every save of a subject (``SubjectsConfig.ready``)."""
    post_init.connect(_remember, sender=Subject, dispatch_uid="subjects.summary.remember")
    post_save.connect(_saved, sender=Subject, dispatch_uid="subjects.summary.saved")
    post_delete.connect(_deleted, sender=Subject, dispatch_uid="subjects.summary.deleted")


# --- Bulk paths ---------------------------------------------------------------------------


def _grouped(queryset: QuerySet[Subject]) -> Any:
    return (
        queryset.order_by()
        .annotate(
            _complete=ExpressionWrapper(COMPLETE_Q, output_field=BooleanField()),
            _confirmed=ExpressionWrapper(CONFIRMED_Q, output_field=BooleanField()),
        )
        .values_list("province_code", "city_code", "county_code", "category", "status", "_complete", "_confirmed")
        .annotate(n=Count("id"))
    )


def _add(out: dict[tuple[Located, Key], int], row: tuple[Any, ...]) -> None:
    province, city, county, category, status, complete, confirmed, n = row
    item = ((province, city, county), (category, status, bool(complete), bool(confirmed)))
    out[item] = out.get(item, 0) + int(n)


def count(queryset: QuerySet[Subject]) -> dict[tuple[Located, Key], int]:
    """The subjects of ``queryset`` counted by county and key (one ``GROUP BY``)."""
    out: dict[tuple[Located, Key], int] = {}
    for row in _grouped(queryset):
        _add(out, row)
    return out


def count_by_province() -> Iterator[tuple[str, dict[tuple[Located, Key], int]]]:
    """The whole register counted in one scan, handed out a province at a time."""
    current: str | None = None
    out: dict[tuple[Located, Key], int] = {}
    for row in _grouped(Subject.objects.all()).order_by("province_code").iterator(chunk_size=20_000):
        if row[0] != current:
            if current is not None:
                yield current, out
            current, out = row[0], {}
        _add(out, row)
    if current is not None:
        yield current, out


def _count_many(field: str, values: list[Any]) -> dict[tuple[Located, Key], int]:
    """The subjects whose ``field`` is one of ``values`` counted by county and key. On PostgreSQL the
    values go as one array parameter (an index probe each, no statement text per value)."""
    total: dict[tuple[Located, Key], int] = {}
    target = Subject._meta.pk if field == "pk" else Subject._meta.get_field(field)
    column = getattr(target, "column", field)
    for start in range(0, len(values), 5000):
        chunk = values[start : start + 5000]
        if connection.vendor == "postgresql":
            matching = RawSQL(  # noqa: S611 (the model's own table and column; the values are a parameter)
                f'"{Subject._meta.db_table}"."{column}" = ANY(%s)', (chunk,), output_field=BooleanField()
            )
            part = count(Subject.objects.filter(matching))
        else:
            part = count(Subject.objects.filter(**{f"{field}__in": chunk}))
        for item, n in part.items():
            total[item] = total.get(item, 0) + n
    return total


@contextlib.contextmanager
def track(
    *, ids: Iterable[Any] = (), hmacs: Iterable[str] = (), queryset: QuerySet[Subject] | None = None
) -> Iterator[None]:
    """Count the subjects ``ids`` (and ``hmacs``, for rows being inserted; or those of ``queryset``,
    e.g. the rows joined to a staging table) before and after the block.

    For set-based writes: the aggregated difference is inserted when the block ends (in the
    caller's transaction), two ``GROUP BY`` statements whatever the number of rows.
    """
    id_list, hmac_list = list(ids), list(hmacs)

    def counted() -> dict[tuple[Located, Key], int]:
        total = _count_many("pk", id_list)
        for item, n in _count_many("id_number_hmac", hmac_list).items():
            total[item] = total.get(item, 0) + n
        if queryset is not None:
            for item, n in count(queryset.all()).items():
                total[item] = total.get(item, 0) + n
        return total

    before = counted()
    yield
    summary.write(SubjectCount, summary.diff(before, counted()))


def count_inserted(hmacs: Iterable[str]) -> None:
    """Count rows this transaction has just inserted (``hmacs``: their blind indexes): new rows had no
    count before, so only the one ``GROUP BY`` after the write is needed."""
    summary.write(SubjectCount, _count_many("id_number_hmac", list(hmacs)))


# --- Rebuild and compaction ---------------------------------------------------------------


def provinces() -> list[str]:
    return list(Subject.objects.order_by("province_code").values_list("province_code", flat=True).distinct())


def rebuild(progress: Any = None) -> int:
    """Replace the counts with a live count of the register (one scan); rows written."""
    return summary.rebuild(SubjectCount, count_by_province(), progress)


def compact() -> int:
    return summary.compact(SubjectCount)
