"""A list's page statement is compiled once per shape and kept (core.planned.kept_rows), its cursor
left open; on SQLite and PostgreSQL (whichever the run uses)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from django.db.models import QuerySet

from accounts.models import User
from core import planned
from core.keyset import RowCompare, Shaped, Sort, paginate
from core.planned import PlannedValuesIterable, Row, ShapeMissed, Slot, kept_rows

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


class Rows(PlannedValuesIterable):
    row_type = Row


def user_rows(qs: QuerySet[User] | None = None) -> QuerySet[Any]:
    rows = (qs if qs is not None else User.objects.all()).values("id", "username", "date_joined", "last_login")
    rows._iterable_class = Rows
    return rows


@pytest.fixture
def users() -> list[User]:
    return [
        User.objects.create(
            username=f"k{n:02d}",
            date_joined=T0 + dt.timedelta(hours=n // 2),
            last_login=None if n % 3 == 0 else T0 + dt.timedelta(days=n % 4),
        )
        for n in range(9)
    ]


@pytest.fixture
def fresh_kept(monkeypatch: pytest.MonkeyPatch) -> dict[Any, Any]:
    kept: dict[Any, Any] = {}
    monkeypatch.setattr(planned, "_kept", kept)
    return kept


def below(values: Sequence[Any]) -> QuerySet[Any]:
    return user_rows().filter(RowCompare(("id",), "<", (values[0],))).order_by("-id")[:100]


def test_a_statement_is_compiled_once_and_each_run_fills_its_cursor(
    users: list[User], fresh_kept: dict[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planned, "VERIFY_KEPT", False)
    built: list[Sequence[Any]] = []

    def build(values: Sequence[Any]) -> QuerySet[Any]:
        built.append(values)
        return below(values)

    first = kept_rows("users-below", User, build, [users[5].pk])
    second = kept_rows("users-below", User, build, [users[2].pk])
    assert [r.pk for r in first] == [u.pk for u in reversed(users[:5])]
    assert [r.pk for r in second] == [users[1].pk, users[0].pk]
    assert len(built) == 1 and isinstance(built[0][0], Slot)  # compiled once, with the cursor open
    assert len(fresh_kept) == 1


def test_rows_are_made_by_the_iterables_row_type_with_the_orms_values(
    users: list[User], fresh_kept: dict[Any, Any]
) -> None:
    [row] = kept_rows("one-user", User, lambda v: user_rows().filter(pk=users[3].pk)[:1], [])
    assert isinstance(row, Row)
    assert row == {
        "id": users[3].pk,
        "username": "k03",
        "date_joined": users[3].date_joined,
        "last_login": users[3].last_login,
    }
    assert row.date_joined.tzinfo is not None


def test_a_statement_that_can_match_nothing_reads_nothing(users: list[User], fresh_kept: dict[Any, Any]) -> None:
    assert kept_rows("none", User, lambda v: user_rows().filter(pk__in=[])[:10], []) == []
    assert kept_rows("none", User, lambda v: user_rows().filter(pk__in=[])[:10], []) == []


def test_a_shape_that_misses_what_its_queryset_depends_on_fails_in_the_tests(
    users: list[User], fresh_kept: dict[Any, Any]
) -> None:
    name = "k01"
    kept_rows("by-name", User, lambda v: user_rows().filter(username=name)[:10], [])
    name = "k02"
    with pytest.raises(ShapeMissed):
        kept_rows("by-name", User, lambda v: user_rows().filter(username=name)[:10], [])


def test_a_queryset_read_as_model_instances_is_not_kept(users: list[User], fresh_kept: dict[Any, Any]) -> None:
    rows = kept_rows("instances", User, lambda v: User.objects.filter(pk=users[0].pk)[:1], [])
    assert rows == [users[0]]
    assert fresh_kept == {}


JOINED = Sort("joined", "date_joined", descending=True)
LOGIN = Sort("login", "last_login", nullable=True)
LOGIN_DESC = Sort("login_desc", "last_login", descending=True, nullable=True)


def pages(source: Any, sort: Sort, size: int) -> tuple[list[list[int]], list[list[int]]]:
    """Every page forwards, then every page back from the last one."""
    forwards: list[list[int]] = []
    after = ""
    while True:
        page = paginate(source, sort, after=after, size=size)
        forwards.append([r.pk for r in page.rows])
        if not page.next:
            break
        after = page.next
    backwards = [forwards[-1]]
    before = page.previous
    while before:
        page = paginate(source, sort, before=before, size=size)
        backwards.append([r.pk for r in page.rows])
        before = page.previous
    return forwards, backwards


@pytest.mark.parametrize("sort", [JOINED, LOGIN, LOGIN_DESC], ids=lambda s: s.key)
@pytest.mark.parametrize("size", [1, 2, 4])
def test_a_shaped_list_pages_both_ways_as_its_queryset_does(
    users: list[User], fresh_kept: dict[Any, Any], sort: Sort, size: int
) -> None:
    shaped = Shaped(User, ("users", sort.key), user_rows)
    assert pages(shaped, sort, size) == pages(user_rows(), sort, size)
    forwards, backwards = pages(shaped, sort, size)
    walked = [pk for page in forwards for pk in page]
    assert walked == [pk for page in reversed(backwards) for pk in page]
    assert sorted(walked) == sorted(u.pk for u in users)
    assert fresh_kept  # the pages were read through kept statements
