"""core.replicas: where reads go, without a replica (nothing changes) and with stand-in replicas.

The real streaming replica is in test_replicas_postgres.py; here the replicas' answers are
stand-ins, so the rules run on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from accounts.models import User
from core import cache as shared_cache
from core import replicas
from core.replicas import ReadYourWritesMiddleware, ReplicaRouter


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    replicas._down_until.clear()
    yield
    replicas._down_until.clear()


@pytest.fixture
def two_replicas(monkeypatch: pytest.MonkeyPatch) -> dict[str, int | None]:
    """Two stand-in replicas whose replay positions the test sets (None: unreachable)."""
    replayed: dict[str, int | None] = {"replica_0": 100, "replica_1": 100}
    monkeypatch.setattr(replicas, "aliases", lambda: sorted(replayed))
    monkeypatch.setattr(replicas, "replayed_lsn", lambda alias: replayed[alias])
    return replayed


class Someone:
    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


def test_positions_compare_as_numbers() -> None:
    assert replicas.parse_lsn("0/3000028") == 0x3000028
    assert replicas.parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert replicas.parse_lsn("1/0") > replicas.parse_lsn("0/FFFFFFFF")  # type: ignore[operator]
    assert replicas.parse_lsn(None) is None


def test_without_replicas_every_read_stays_on_the_primary_and_costs_no_query(
    django_assert_num_queries: Callable[..., Any], db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "DATABASE_REPLICA_URLS" in os.environ:
        monkeypatch.setattr(replicas, "aliases", list)  # this run has replicas: as if it had none
    assert replicas.aliases() == []
    with django_assert_num_queries(0):
        with replicas.reading_from_replica(Someone(1)) as alias:
            assert alias is None
            assert replicas.current() is None
        queryset = User.objects.all()
        assert replicas.on_replica(queryset, Someone(1)) is queryset


def test_the_router_reads_on_the_chosen_replica_and_writes_on_the_primary(
    two_replicas: dict[str, int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    router = ReplicaRouter()
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    assert router.db_for_read(User) is None  # outside a block: Django's own choice
    with replicas.reading_from_replica(Someone(1)) as alias:
        assert alias in ("replica_0", "replica_1")
        assert router.db_for_read(User) == alias
        assert router.db_for_write(User) == DEFAULT_DB_ALIAS
        with replicas.on_primary():
            assert router.db_for_read(User) == DEFAULT_DB_ALIAS
        assert router.db_for_read(User) == alias
    assert router.db_for_read(User) is None


def test_nothing_inside_an_atomic_block_on_the_primary_is_read_from_a_replica(
    two_replicas: dict[str, int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    router = ReplicaRouter()
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    with replicas.reading_from_replica(Someone(1)) as alias:
        assert alias is not None
        monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS
    # Already in a transaction when asked: the primary is chosen.
    assert replicas.choose(Someone(1)) is None


def test_replicas_are_never_migrated_and_relations_across_them_are_allowed(
    two_replicas: dict[str, int | None],
) -> None:
    router = ReplicaRouter()
    assert router.allow_migrate("replica_0", "subjects") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "subjects") is None
    primary, copy = User(), User()
    primary._state.db, copy._state.db = DEFAULT_DB_ALIAS, "replica_1"
    assert router.allow_relation(primary, copy) is True


def test_a_user_who_wrote_reads_from_a_replica_only_once_it_has_replayed_the_write(
    two_replicas: dict[str, int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    writer, other = Someone(7), Someone(8)
    shared_cache.set_plain(replicas._written_key(writer.pk), 150, timeout=60)
    assert replicas.written_lsn(writer) == 150
    assert replicas.choose(writer) is None  # both replicas at 100: the primary
    assert replicas.choose(other) in ("replica_0", "replica_1")  # nothing written: any replica
    two_replicas["replica_1"] = 150
    assert all(replicas.choose(writer) == "replica_1" for _ in range(20))
    two_replicas["replica_1"] = None  # unreachable (or not a replica at all)
    assert replicas.choose(writer) is None
    assert all(replicas.choose(other) == "replica_0" for _ in range(20))


def test_an_unreachable_replica_is_skipped_and_not_asked_again_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    class Unreachable:
        def cursor(self) -> Any:
            asked.append("cursor")
            raise OperationalError("connection refused")

        def close(self) -> None:
            asked.append("close")

    class Connections:
        def __getitem__(self, alias: str) -> Any:
            return Unreachable() if alias == "replica_0" else connections[alias]

    monkeypatch.setattr(replicas, "connections", Connections())
    monkeypatch.setattr(replicas, "aliases", lambda: ["replica_0"])
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    assert replicas.choose(Someone(1)) is None
    assert asked == ["cursor", "close"]
    assert replicas.choose(Someone(1)) is None
    assert asked == ["cursor", "close"]  # skipped for LAUREL_REPLICA_RETRY_SECONDS


def test_the_replay_position_is_asked_once_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    class Cursor:
        def __enter__(self) -> Cursor:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def execute(self, sql: str) -> None:
            asked.append(sql)

        def fetchone(self) -> tuple[str]:
            return ("0/64",)

    class Replica:
        def cursor(self) -> Cursor:
            return Cursor()

    class Connections:
        def __getitem__(self, alias: str) -> Any:
            return Replica() if alias == "replica_0" else connections[alias]

    monkeypatch.setattr(replicas, "connections", Connections())
    monkeypatch.setattr(replicas, "aliases", lambda: ["replica_0"])

    def view(request: HttpRequest) -> HttpResponse:
        for _ in range(3):
            assert replicas.replayed_lsn("replica_0") == 100
        return HttpResponse()

    ReadYourWritesMiddleware(view)(RequestFactory().get("/"))
    assert asked == ["SELECT pg_last_wal_replay_lsn()::text"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_writing_request_reads_the_primary_and_records_where_the_primary_was(
    method: str, two_replicas: dict[str, int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    recorded: list[Any] = []
    monkeypatch.setattr(replicas, "remember_write", recorded.append)
    chosen: list[str | None] = []

    def view(request: HttpRequest) -> HttpResponse:
        chosen.append(replicas.choose(request.user))
        return HttpResponse()

    request = getattr(RequestFactory(), method)("/")
    request.user = Someone(3)
    ReadYourWritesMiddleware(view)(request)
    assert chosen == [None]
    assert recorded == [request.user]


def test_a_reading_request_records_nothing(
    two_replicas: dict[str, int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    recorded: list[Any] = []
    monkeypatch.setattr(replicas, "remember_write", recorded.append)
    chosen: list[str | None] = []

    def view(request: HttpRequest) -> HttpResponse:
        chosen.append(replicas.choose(request.user))
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = Someone(3)  # type: ignore[assignment]
    ReadYourWritesMiddleware(view)(request)
    assert chosen[0] in ("replica_0", "replica_1")
    assert recorded == []


def test_a_failure_to_record_the_position_does_not_undo_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(user: Any) -> None:
        raise OperationalError("primary gone")

    monkeypatch.setattr(replicas, "remember_write", fail)
    response = ReadYourWritesMiddleware(lambda request: HttpResponse(status=201))(RequestFactory().post("/"))
    assert response.status_code == 201


def test_values_cached_under_a_version_stamp_are_computed_on_the_primary(
    two_replicas: dict[str, int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", False)
    seen: list[str | None] = []

    def compute() -> int:
        seen.append(replicas.current())
        return 1

    with replicas.reading_from_replica(Someone(1)) as alias:
        assert alias is not None
        shared_cache.versioned("test-replicas", 1, "day", compute)
        assert replicas.current() == alias
    assert seen == [None]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_records_the_primarys_wal_position_for_its_user_and_never_moves_it_back() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: WAL positions")
    user = User.objects.create(username="replica-writer")
    first = replicas.remember_write(user)
    assert first is not None and replicas.written_lsn(user) == first
    shared_cache.set_plain(replicas._written_key(user.pk), first + 10**9, timeout=60)
    replicas.remember_write(user)  # an earlier request finishing late
    assert replicas.written_lsn(user) == first + 10**9
    assert replicas.remember_write(None) is None


def test_replicas_with_a_cache_of_each_process_s_own_are_a_deploy_warning(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(replicas, "aliases", lambda: ["replica_0"])
    assert [w.id for w in replicas.shared_cache_with_replicas()] == ["core.W002"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert replicas.shared_cache_with_replicas() == []
    monkeypatch.setattr(replicas, "aliases", list)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert replicas.shared_cache_with_replicas() == []
