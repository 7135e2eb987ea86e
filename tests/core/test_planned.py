"""Hand-written hot statements are planned once per connection (core.planned), and still counted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.planned import planned_cursor

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
]

SQL = "SELECT %s::int + 1 AS laurel_planned_probe"


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%laurel_planned_probe%"]
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_five_times_is_prepared_on_the_server_and_gives_the_same_answers() -> None:
    answers = []
    for n in range(6):
        with planned_cursor() as cursor:
            cursor.execute(SQL, [n])
            answers.append(cursor.fetchone()[0])
    assert answers == [1, 2, 3, 4, 5, 6]
    assert len(_prepared()) == 1


def test_its_statements_are_counted_like_every_other() -> None:
    with CaptureQueriesContext(connection) as queries, planned_cursor() as cursor:
        cursor.execute(SQL, [1])
    assert [q["sql"] for q in queries.captured_queries if "laurel_planned_probe" in q["sql"]]


def test_djangos_own_cursors_still_bind_on_the_client_and_prepare_nothing() -> None:
    for n in range(6):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int AS laurel_unplanned_probe", [n])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%laurel_unplanned_probe%%'")
        assert cursor.fetchone()[0] == 0
