"""Recording who read a person's record: the person page, the API, an ID reveal, an export.

One statement per request: a list of ids is one multi-row INSERT, an export is one
``INSERT … SELECT`` over the exported query. Rows go to ``subjects.PersonRead``, not to the
hash chain, so recording a read never waits for the province's chain head; the public page
answers "who read my data" from them (``portal``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from .models import PersonRead, Subject


def _actor_id(actor: Any) -> int | None:
    pk = getattr(actor, "pk", None)
    return pk if isinstance(pk, int) and getattr(actor, "is_authenticated", False) else None


def note_reads(actor: Any, subject_ids: Iterable[int], *, via: str) -> None:
    now, actor_id = timezone.now(), _actor_id(actor)
    rows = [PersonRead(subject_id=pk, actor_id=actor_id, via=via, occurred_at=now) for pk in set(subject_ids)]
    if rows:
        PersonRead.objects.bulk_create(rows)


def note_reads_of(actor: Any, people: QuerySet[Subject], *, via: str) -> None:
    """Every person ``people`` selects (sliced as exported), in one ``INSERT … SELECT``."""
    inner, params = people.values_list("pk", flat=True).query.sql_with_params()
    table = connection.ops.quote_name(PersonRead._meta.db_table)
    subjects = connection.ops.quote_name(Subject._meta.db_table)
    sql = (
        f"INSERT INTO {table} (subject_id, actor_id, via, occurred_at) "  # noqa: S608 (names are ours)
        f"SELECT chosen.id, %s, %s, %s FROM {subjects} AS chosen WHERE chosen.id IN ({inner})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_actor_id(actor), via, timezone.now(), *params])
