"""timestamptz values are read by psycopg's C loader with Django's time zone (core.pgtypes)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL adapter"),
]

VALUES = [
    "2026-12-07 00:00:00+08",
    "2026-03-01 10:11:12.5+08",
    "1999-12-31 23:59:59.999999+00",
    "2000-02-29 12:00:00.000001-05:30",
    "0001-01-01 00:00:00+00",
]


def _read(sql: str) -> list[dt.datetime]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchone())


def test_a_connection_reads_timestamps_with_the_fast_loader() -> None:
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(
        psycopg.postgres.types["timestamptz"].oid, psycopg.pq.Format.TEXT
    )
    if psycopg.pq.__impl__ == "python":
        pytest.skip("psycopg has no C implementation here: Django's loader stays")
    assert loader.__name__ == "FastTzLoader"
    assert loader.timezone == dt.UTC  # what Django's per-cursor check compares


def test_the_values_and_their_time_zone_are_those_of_djangos_loader() -> None:
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    sql = "SELECT " + ", ".join(f"'{v}'::timestamptz" for v in VALUES)
    fast = _read(sql)
    with connection.cursor() as cursor:
        register_tzloader(dt.UTC, cursor.cursor)  # Django's own, on this cursor only
        cursor.execute(sql)
        django_values = list(cursor.fetchone())
    assert fast == django_values
    assert [v.tzinfo for v in fast] == [v.tzinfo for v in django_values] == [dt.UTC] * len(VALUES)
    assert fast[1] == dt.datetime(2026, 3, 1, 2, 11, 12, 500000, tzinfo=dt.UTC)


def test_a_null_timestamp_is_none() -> None:
    assert _read("SELECT NULL::timestamptz") == [None]
