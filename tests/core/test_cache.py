"""Short-lived shared values (core.cache): a value forgotten in a transaction is deleted once, when it commits."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from core import cache as shared_cache

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "test:plain"


def test_a_value_forgotten_outside_a_transaction_is_gone_at_once() -> None:
    shared_cache.set_plain(KEY, 3, 60)
    shared_cache.forget_plain(KEY)
    assert cache.get(KEY) is None


def test_a_value_forgotten_in_a_transaction_reads_as_absent_there_and_stays_shared_until_commit() -> None:
    shared_cache.set_plain(KEY, 3, 60)
    with transaction.atomic():
        shared_cache.forget_plain(KEY)
        assert shared_cache.get_plain(KEY) is None  # this transaction sees its own write
        assert cache.get(KEY) == 3  # other processes still read the committed state
        shared_cache.set_plain(KEY, 4, 60)  # computed again in this transaction
        assert shared_cache.get_plain(KEY) == 4
    assert cache.get(KEY) is None  # deleted when the transaction committed
    shared_cache.set_plain(KEY, 5, 60)
    assert shared_cache.get_plain(KEY) == 5  # and the key is usable again


def test_a_value_forgotten_in_a_transaction_that_rolls_back_is_read_again() -> None:
    shared_cache.set_plain(KEY, 3, 60)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        shared_cache.forget_plain(KEY)
        raise Undo
    assert shared_cache.get_plain(KEY) == 3


def test_a_value_forgotten_in_a_savepoint_that_rolls_back_is_read_again() -> None:
    shared_cache.set_plain(KEY, 3, 60)
    with transaction.atomic():
        try:
            with transaction.atomic():
                shared_cache.forget_plain(KEY)
                raise ValueError
        except ValueError:
            pass
        assert shared_cache.get_plain(KEY) == 3
    assert cache.get(KEY) == 3


def test_forgetting_twice_in_one_transaction_deletes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    deleted: list[Any] = []
    real_delete = cache.delete

    def delete(key: str, *args: Any, **kwargs: Any) -> Any:
        deleted.append(key)
        return real_delete(key)

    monkeypatch.setattr(cache, "delete", delete)
    with transaction.atomic():
        shared_cache.forget_plain(KEY)
        shared_cache.forget_plain(KEY)
        assert deleted == []
    assert deleted == [KEY]


def test_only_the_open_transactions_keys_are_remembered() -> None:
    for n in range(50):
        with transaction.atomic():
            shared_cache.forget_plain(f"{KEY}:{n}")
    with transaction.atomic():
        shared_cache.forget_plain(f"{KEY}:last")
        assert list(shared_cache._forgotten.keys) == [f"{KEY}:last"]


# --- one round trip per request ---------------------------------------------------------------


@pytest.fixture
def in_a_request() -> Any:
    shared_cache.request_started()
    yield
    shared_cache.request_finished()


@pytest.fixture
def cache_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Round trips to the shared cache (a local-memory ``get_many`` asks ``get`` per key: one trip)."""
    calls: list[str] = []
    inside = [False]
    real_get, real_get_many = cache.get, cache.get_many

    def get(*args: Any, **kwargs: Any) -> Any:
        if not inside[0]:
            calls.append("get")
        return real_get(*args, **kwargs)

    def get_many(*args: Any, **kwargs: Any) -> Any:
        calls.append("get_many")
        inside[0] = True
        try:
            return real_get_many(*args, **kwargs)
        finally:
            inside[0] = False

    monkeypatch.setattr(cache, "get", get)
    monkeypatch.setattr(cache, "get_many", get_many)
    return calls


def test_values_prefetched_in_a_request_are_read_without_another_round_trip(
    in_a_request: None, cache_calls: list[str]
) -> None:
    shared_cache.versioned("ns", 1, "all", lambda: "computed")
    shared_cache.set_plain(KEY, 7, 60)
    cache_calls.clear()
    shared_cache.prefetch(versioned=[("ns", 1, "all")], plain=[KEY, "test:absent"])
    assert cache_calls == ["get_many"]
    assert shared_cache.versioned("ns", 1, "all", lambda: "not used") == "computed"
    assert shared_cache.get_plain(KEY) == 7
    assert shared_cache.get_plain("test:absent") is None
    assert cache_calls == ["get_many"]


def test_a_bump_in_the_request_retires_the_prefetched_value(in_a_request: None) -> None:
    shared_cache.versioned("ns", 1, "all", lambda: "old")
    shared_cache.prefetch(versioned=[("ns", 1, "all")])
    shared_cache.bump("ns", 1)
    assert shared_cache.versioned("ns", 1, "all", lambda: "new") == "new"


def test_a_forgotten_key_is_not_read_from_the_prefetch(in_a_request: None) -> None:
    shared_cache.set_plain(KEY, 7, 60)
    shared_cache.prefetch(plain=[KEY])
    shared_cache.forget_plain(KEY)
    assert shared_cache.get_plain(KEY) is None


def test_a_miss_in_the_prefetch_is_computed_once_and_stored(in_a_request: None) -> None:
    shared_cache.prefetch(versioned=[("ns", 2, "all")])
    computed: list[str] = []

    def compute(value: str) -> str:
        computed.append(value)
        return value

    assert shared_cache.versioned("ns", 2, "all", lambda: compute("v")) == "v"
    assert shared_cache.versioned("ns", 2, "all", lambda: compute("again")) == "v"
    assert computed == ["v"]


def test_outside_a_request_nothing_is_kept(cache_calls: list[str]) -> None:
    shared_cache.set_plain(KEY, 7, 60)
    shared_cache.prefetch(plain=[KEY])
    assert cache_calls == []  # nothing fetched ahead: no request to keep it for
    shared_cache.set_plain(KEY, 8, 60)
    assert shared_cache.get_plain(KEY) == 8


def test_what_a_request_fetched_is_gone_when_it_ends() -> None:
    shared_cache.set_plain(KEY, 7, 60)
    shared_cache.request_started()
    shared_cache.prefetch(plain=[KEY])
    shared_cache.request_finished()
    cache.set(KEY, 9)
    assert shared_cache.get_plain(KEY) == 9


def test_a_key_the_request_found_absent_is_not_deleted_again(
    in_a_request: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    deleted: list[str] = []
    monkeypatch.setattr(cache, "delete", lambda key, *a, **k: deleted.append(key))
    shared_cache.prefetch(plain=[KEY])
    with transaction.atomic():
        shared_cache.forget_plain(KEY)
    assert deleted == []


def test_a_key_stored_after_the_prefetch_is_deleted_when_forgotten(in_a_request: None) -> None:
    shared_cache.prefetch(plain=[KEY])
    shared_cache.set_plain(KEY, 3, 60)
    with transaction.atomic():
        shared_cache.forget_plain(KEY)
    assert cache.get(KEY) is None
