"""PostgreSQL: an audited action whose process knows its chain's head appends in one statement; a stale guess
costs one statement more and chains exactly as before (issue 17)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import chain
from audit.log import deferred, record
from audit.models import AuditEvent, ChainHead
from tests.conftest import COUNTY_A

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _audited(event_type: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx, deferred():
        record(event_type=event_type, actor=None, division_code=COUNTY_A)
    return [q["sql"] for q in ctx.captured_queries if "audit_" in q["sql"]]


def test_a_known_head_is_locked_checked_and_moved_with_the_insert_in_one_statement() -> None:
    _audited("test.first")  # learns the head
    statements = _audited("test.second")
    assert len(statements) == 1 and "FOR UPDATE" in statements[0] and "INSERT INTO" in statements[0]
    assert list(AuditEvent.objects.order_by("seq").values_list("event_type", "seq")) == [
        ("test.first", 1),
        ("test.second", 2),
    ]
    assert chain.verify_all().ok


def test_a_head_moved_by_someone_else_is_taken_as_it_is() -> None:
    _audited("test.mine")
    # Another process appends (the immediate path does not tell this process's guess).
    record(event_type="test.theirs", actor=None, division_code=COUNTY_A)
    statements = _audited("test.mine_again")
    assert len(statements) == 2  # the failed check (which locked the head), then the insert after the real head
    events = list(AuditEvent.objects.order_by("seq").values_list("event_type", "seq", "prev_hash", "hash"))
    assert [(e[0], e[1]) for e in events] == [("test.mine", 1), ("test.theirs", 2), ("test.mine_again", 3)]
    assert events[2][2] == events[1][3]  # linked to the other process's event
    assert ChainHead.objects.get(chain="44").seq == 3
    assert chain.verify_all().ok


def test_a_guess_for_a_head_row_that_is_gone_creates_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(chain._known_heads, (connection.alias, "44"), (7, "f" * 64))
    _audited("test.first_in_chain")
    assert list(AuditEvent.objects.values_list("seq", "prev_hash")) == [(1, chain.GENESIS_HASH)]
    assert chain.verify_all().ok


def test_a_rolled_back_append_leaves_a_guess_that_is_only_one_statement_dearer() -> None:
    _audited("test.kept")
    with pytest.raises(RuntimeError), deferred():
        record(event_type="test.undone", actor=None, division_code=COUNTY_A)
        raise RuntimeError
    with pytest.raises(RuntimeError), deferred():  # rolled back after the append itself
        record(event_type="test.undone_too", actor=None, division_code=COUNTY_A)
        connection.on_commit(lambda: None)
        chain.append_many([AuditEvent(event_type="test.appended_then_undone", division_code=COUNTY_A)])
        raise RuntimeError
    _audited("test.kept_too")
    assert list(AuditEvent.objects.order_by("seq").values_list("event_type", flat=True)) == [
        "test.kept",
        "test.kept_too",
    ]
    assert chain.verify_all().ok


# --- a write and its events in one statement (a claim) --------------------------------------------------


def _written_with_event(event_type: str, *, writes: bool = True) -> tuple[int, list[str]]:
    from audit.log import write_with_events

    with CaptureQueriesContext(connection) as ctx, deferred():
        record(event_type=event_type, actor=None, division_code=COUNTY_A)
        written = write_with_events("UPDATE audit_chainhead SET chain = chain WHERE chain = %s AND %s", ["CN", writes])
    return written, [q["sql"] for q in ctx.captured_queries if "audit_" in q["sql"]]


@pytest.fixture
def _nation_head() -> None:
    record(event_type="test.nation", actor=None)  # a row for the write to touch (the nation's head)


@pytest.mark.usefixtures("_nation_head")
def test_a_write_and_its_events_go_in_one_statement_when_the_head_is_known() -> None:
    _audited("test.first")  # learns the head
    written, statements = _written_with_event("test.written")
    assert written == 1 and len(statements) == 1 and statements[0].startswith("WITH w AS (UPDATE")
    assert list(AuditEvent.objects.filter(chain="44").order_by("seq").values_list("event_type", "seq")) == [
        ("test.first", 1),
        ("test.written", 2),
    ]
    assert chain.verify_all().ok


@pytest.mark.usefixtures("_nation_head")
def test_a_write_that_writes_nothing_appends_nothing() -> None:
    _audited("test.first")
    written, _statements = _written_with_event("test.not_written", writes=False)
    assert written == 0
    assert list(AuditEvent.objects.filter(chain="44").values_list("event_type", flat=True)) == ["test.first"]
    _audited("test.after")
    assert chain.verify_all().ok


@pytest.mark.usefixtures("_nation_head")
def test_a_write_after_someone_else_moved_the_head_links_its_events_to_it() -> None:
    _audited("test.mine")
    record(event_type="test.theirs", actor=None, division_code=COUNTY_A)
    written, statements = _written_with_event("test.written")
    assert written == 1 and len(statements) == 2  # the write (which locked the head), then the insert after it
    events = list(AuditEvent.objects.filter(chain="44").order_by("seq").values_list("event_type", "prev_hash", "hash"))
    assert [e[0] for e in events] == ["test.mine", "test.theirs", "test.written"]
    assert events[2][1] == events[1][2]
    assert chain.verify_all().ok


@pytest.mark.usefixtures("_nation_head")
def test_without_a_known_head_the_write_comes_first_then_the_events() -> None:
    chain._known_heads.pop((connection.alias, "44"), None)
    written, _statements = _written_with_event("test.written")
    assert written == 1
    assert list(AuditEvent.objects.filter(chain="44").values_list("event_type", flat=True)) == ["test.written"]
    assert chain.verify_all().ok
