"""Row-value keyset predicates and pages both ways, on SQLite and PostgreSQL (whichever the run uses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from core.keyset import BadCursor, RowCompare, Sort, decode, encode, paginate

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
JOINED = Sort("joined", "date_joined", descending=True)
JOINED_ASC = Sort("joined_asc", "date_joined")
LAST_LOGIN = Sort("login", "last_login", nullable=True)
LAST_LOGIN_DESC = Sort("login_desc", "last_login", descending=True, nullable=True)


@pytest.fixture
def users(db: Any) -> list[User]:
    """Eleven users: joined in pairs at the same instant (ties broken by id), some never signed in."""
    made = []
    for n in range(11):
        made.append(
            User.objects.create(
                username=f"u{n:02d}",
                date_joined=T0 + dt.timedelta(hours=n // 2),
                last_login=None if n % 3 == 0 else T0 + dt.timedelta(days=n % 4),
            )
        )
    return made


def expected(users: list[User], sort: Sort) -> list[int]:
    def key(u: User) -> Any:
        value = getattr(u, sort.column)
        return (value is None, value or T0, u.pk)

    with_value = sorted((u for u in users if getattr(u, sort.column) is not None), key=key, reverse=sort.descending)
    without = sorted((u for u in users if getattr(u, sort.column) is None), key=lambda u: u.pk, reverse=sort.descending)
    return [u.pk for u in with_value + without]


def walk_forwards(sort: Sort, size: int) -> tuple[list[int], list[str]]:
    seen: list[int] = []
    previous: list[str] = []
    after = ""
    while True:
        page = paginate(User.objects.all(), sort, after=after, size=size)
        seen += [u.pk for u in page.rows]
        previous.append(page.previous)
        if not page.next:
            return seen, previous
        after = page.next


@pytest.mark.parametrize("sort", [JOINED, JOINED_ASC, LAST_LOGIN, LAST_LOGIN_DESC], ids=lambda s: s.key)
@pytest.mark.parametrize("size", [1, 3, 4, 20])
def test_walking_forwards_visits_every_row_once_in_the_sort_order(users: list[User], sort: Sort, size: int) -> None:
    seen, previous = walk_forwards(sort, size)
    assert seen == expected(users, sort)
    assert previous[0] == ""  # the first page has no previous page
    assert all(previous[1:])


@pytest.mark.parametrize("sort", [JOINED, JOINED_ASC, LAST_LOGIN, LAST_LOGIN_DESC], ids=lambda s: s.key)
@pytest.mark.parametrize("size", [1, 3, 4])
def test_walking_back_from_the_last_page_visits_the_same_pages_in_reverse(
    users: list[User], sort: Sort, size: int
) -> None:
    forwards: list[list[int]] = []
    after = ""
    while True:
        page = paginate(User.objects.all(), sort, after=after, size=size)
        forwards.append([u.pk for u in page.rows])
        if not page.next:
            break
        after = page.next
    backwards: list[list[int]] = [[u.pk for u in page.rows]]
    before = page.previous
    while before:
        page = paginate(User.objects.all(), sort, before=before, size=size)
        backwards.append([u.pk for u in page.rows])
        assert page.next, "a page reached going back always has a next page"
        before = page.previous
    assert list(reversed(backwards)) == forwards


def test_a_row_comparison_is_one_predicate_in_the_sql(users: list[User]) -> None:
    qs = User.objects.filter(RowCompare(("date_joined", "id"), "<", (T0 + dt.timedelta(hours=2), users[4].pk)))
    sql = str(qs.query)
    assert " OR " not in sql
    assert '("accounts_user"."date_joined", "accounts_user"."id") <' in sql
    assert sorted(u.pk for u in qs) == [u.pk for u in users[:4]]


@pytest.mark.parametrize(
    ("op", "wanted"),
    [("<", [0, 1, 2]), ("<=", [0, 1, 2, 3]), (">", [4, 5, 6, 7, 8, 9, 10]), (">=", [3, 4, 5, 6, 7, 8, 9, 10])],
)
def test_each_operator_compares_rows_lexicographically(users: list[User], op: str, wanted: list[int]) -> None:
    pivot = users[3]  # joined with users[2] at the same instant: the id decides
    qs = User.objects.filter(RowCompare(("date_joined", "pk"), op, (pivot.date_joined, pivot.pk)))
    assert sorted(u.pk for u in qs) == [users[i].pk for i in wanted]


def test_an_aware_date_time_in_another_zone_compares_as_the_same_instant(users: list[User]) -> None:
    local = timezone.localtime(users[4].date_joined)  # Beijing time in the settings
    qs = User.objects.filter(RowCompare(("date_joined", "id"), "<=", (local, users[4].pk)))
    assert users[4] in qs and users[5] not in qs


def test_an_unknown_operator_or_a_length_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown"):
        RowCompare(("id",), "<>", (1,))
    with pytest.raises(ValueError, match="as many"):
        RowCompare(("id", "date_joined"), "<", (1,))


def test_a_cursor_is_the_value_and_the_id(users: list[User]) -> None:
    assert encode(JOINED, users[0]) == f"{users[0].date_joined.isoformat()}|{users[0].pk}"
    assert encode(LAST_LOGIN, users[0]) == f"|{users[0].pk}"
    assert decode(JOINED, User, encode(JOINED, users[1])) == (users[1].date_joined, users[1].pk)


@pytest.mark.parametrize("cursor", ["nonsense", "2026-13-01|4", "2026-03-01T09:00:00+00:00|x", "|4"])
def test_a_malformed_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(BadCursor):
        decode(JOINED, User, cursor)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
def test_on_postgresql_the_row_comparison_is_an_index_condition(users: list[User]) -> None:
    from django.db import connection as conn

    qs = (
        User.objects.filter(RowCompare(("date_joined", "id"), "<", (T0, 10**9)))
        .order_by("-date_joined", "-id")
        .values("id")[:5]
    )
    with conn.cursor() as cur:
        cur.execute("CREATE INDEX tmp_user_joined ON accounts_user (date_joined DESC, id DESC)")
        cur.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "Index Cond: (ROW(date_joined, id) < ROW(" in plan, plan
    assert "Filter" not in plan, plan


def test_an_exact_total_counts_live_and_a_cached_one_is_reused(users: list[User]) -> None:
    from django.core.cache import cache

    from core.keyset import Total, total

    cache.clear()
    assert total(User.objects.all(), exact=True) == Total(11, True)
    assert total(User.objects.all(), exact=False, key=("k",)) == Total(11, False)
    User.objects.create(username="late")
    assert total(User.objects.all(), exact=True) == Total(12, True)
    assert total(User.objects.all(), exact=False, key=("k",)) == Total(11, False)  # counted within the TTL
    assert total(User.objects.all(), exact=False, key=("other",)) == Total(12, False)


def test_an_exact_total_past_its_cap_becomes_the_cached_count(users: list[User]) -> None:
    from django.core.cache import cache

    from core.keyset import Total, total

    cache.clear()
    assert total(User.objects.all(), exact=True, key=("capped",), cap=5) == Total(11, False)
    assert total(User.objects.filter(username__in=["u01", "u02"]), exact=True, cap=5) == Total(2, True)
