"""The hash chains: canonical form, appending, and verification.

Design: **one chain per province** (plus the nation chain ``"CN"`` for events that belong
to no single province). Appending locks the chain's head row until the action's
transaction commits, so one national chain would serialise every audited action in the
country behind one row lock; per-province chains keep that wait inside a province, match
how auditors are scoped and how the data would be distributed (Citus by province,
STACK-NOTES), and can be verified in parallel. A signed checkpoint covers the heads of
all chains at once, so no cross-province ordering is lost that an auditor needs
(``occurred_at`` and ``id`` still order events globally).

Each event's hash is SHA-256 over its canonical form (:func:`canonical_bytes`): sorted-key,
compact JSON of every stored column except ``id`` and ``hash``, including the chain, the
position in it and the previous event's hash. Editing, deleting or reordering a row breaks
the chain; rewriting every hash after an edit is caught by the signed checkpoints.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from core import crypto

from .models import GENESIS_HASH, AuditEvent, ChainHead, chain_for, codes_for

CANONICAL_VERSION = 1

# Columns covered by the hash, in the order fetched for verification.
HASHED_FIELDS = (
    "chain",
    "seq",
    "prev_hash",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_username",
    "actor_role",
    "object_type",
    "object_id",
    "division_code",
    "province_code",
    "city_code",
    "county_code",
    "data",
)


def normalise_data(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as it will read back from the JSON column (dates → ISO strings, tuples → lists).

    Hashing the normalised form makes the hash reproducible from the stored row on both
    SQLite and PostgreSQL. NaN and infinities are refused (PostgreSQL's jsonb refuses them).
    """
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, allow_nan=False))


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(values: dict[str, Any]) -> bytes:
    """The canonical serialisation of one event (``values`` keyed by :data:`HASHED_FIELDS`)."""
    payload = {name: values[name] for name in HASHED_FIELDS}
    payload["occurred_at"] = _timestamp(values["occurred_at"])
    payload["v"] = CANONICAL_VERSION
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def event_hash(values: dict[str, Any]) -> str:
    """SHA-256, or SM3 under the 国密 profile (``core.crypto``), of the canonical bytes."""
    return crypto.digest(canonical_bytes(values))


def _values_of(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def append(event: AuditEvent) -> AuditEvent:
    """Insert ``event`` (unsaved) at the head of its chain, inside the caller's transaction.

    The head row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL) until the caller's
    transaction ends, so concurrent appends to one chain queue up and never fork it; if
    the caller rolls back, both the event and the head move are undone. On SQLite the lock
    is a no-op and SQLite's single writer serialises appends instead.

    An action that records events in two provinces locks two heads; two such actions
    taking them in opposite orders can deadlock, and PostgreSQL then aborts one of them
    (it fails cleanly and can be retried). Audited actions (``audit.log.deferred``) append
    through :func:`append_many` at their end, which keeps the head locks short.
    """
    event.division_code = event.division_code or ""
    event.chain = chain_for(event.division_code)
    for name, value in codes_for(event.division_code).items():
        setattr(event, name, value)
    with transaction.atomic(savepoint=False):
        head, _ = ChainHead.objects.select_for_update().get_or_create(chain=event.chain)
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        # Taken under the lock, so time never runs backwards along a chain.
        event.occurred_at = timezone.now()
        event.hash = event_hash(_values_of(event))
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def append_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Insert ``events`` (unsaved, in the order they happened) at the heads of their chains.

    What :func:`append` does for one event, for an action's events at its end (``audit.log.deferred``):
    one locked head, one multi-row INSERT and one head update per chain, the chains taken in
    a fixed order (two actions touching the same two provinces cannot deadlock on their heads).
    The links and hashes are exactly those :func:`append` would write, one event after another.

    PostgreSQL, when this process knows the chain's head (it moved it last, or read it): the head
    is locked, checked and moved, and the events inserted, in one statement (:func:`_append_if_head`);
    if the head moved meanwhile, nothing is written, the head stays locked and the events are
    linked again to the head as it is. Elsewhere, and without a guess: the head locked, then written.
    """
    by_chain: dict[str, list[AuditEvent]] = {}
    for event in events:
        event.division_code = event.division_code or ""
        event.chain = chain_for(event.division_code)
        for name, value in codes_for(event.division_code).items():
            setattr(event, name, value)
        by_chain.setdefault(event.chain, []).append(event)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(savepoint=False):
        for key in sorted(by_chain):
            batch = by_chain[key]
            guess = _known_heads.get((connection.alias, key)) if postgres else None
            if guess is not None:
                head = ChainHead(chain=key, seq=guess[0], hash=guess[1])
                _link(batch, head)
                found = _append_if_head(batch, head, guess)
                if found is None:
                    _known_heads[(connection.alias, key)] = (head.seq, head.hash)
                    continue
                # The head had moved (or is not there): it is locked now; link to it as it is.
                if found[0] is None:
                    head, _ = ChainHead.objects.select_for_update().get_or_create(chain=key)
                else:
                    head = ChainHead(chain=key, seq=found[0], hash=found[1])
            else:
                head, _ = ChainHead.objects.select_for_update().get_or_create(chain=key)
            _link(batch, head)
            if postgres:
                _insert_and_move_head(batch, head)
                _known_heads[(connection.alias, key)] = (head.seq, head.hash)
            else:
                AuditEvent.objects.bulk_create(batch)
                head.save(update_fields=["seq", "hash"])
    return events


# (database alias, the write's SQL, number of events) → the statement of :func:`append_with_write`.
_written_with: dict[tuple[str, str, int], str] = {}


def append_with_write(events: list[AuditEvent], sql: str, params: list[Any]) -> int:
    """Run the write ``sql`` (an ``UPDATE … WHERE …`` without ``RETURNING``) and, if it wrote, append
    ``events`` after it, inside the caller's transaction; returns the number of rows written.

    PostgreSQL, when this process knows the head of the events' one chain: one statement. The write
    runs first (its row locks are taken before the head's, the order every action takes them in), then,
    only if it wrote, the head is locked, checked and moved and the events inserted; a head moved
    meanwhile is locked by that statement and the events are linked to it as it is (one statement more).
    Elsewhere: the write, then :func:`append_many`. Nothing written: no event, the head untouched.
    """
    assert transaction.get_connection().in_atomic_block, "append_with_write runs inside the action's transaction"
    if not events:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)
    chains = {chain_for(e.division_code or "") for e in events}
    key = next(iter(chains)) if len(chains) == 1 else ""
    guess = _known_heads.get((connection.alias, key)) if key and connection.vendor == "postgresql" else None
    if guess is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written = max(cursor.rowcount, 0)
        if written:
            append_many(events)
        return written
    for event in events:
        event.division_code = event.division_code or ""
        event.chain = key
        for name, value in codes_for(event.division_code).items():
            setattr(event, name, value)
    head = ChainHead(chain=key, seq=guess[0], hash=guess[1])
    _link(events, head)
    fields, columns = _event_columns()
    cached = (connection.alias, sql, len(events))
    statement = _written_with.get(cached)
    if statement is None:
        quote = connection.ops.quote_name
        events_table, heads_table = quote(AuditEvent._meta.db_table), quote(ChainHead._meta.db_table)
        statement = _written_with[cached] = (
            f"WITH w AS ({sql} RETURNING 1), "  # noqa: S608 (the caller's SQL and quoted names; values are parameters)
            f"head AS (SELECT seq, hash FROM {heads_table} WHERE chain = %s AND EXISTS (SELECT 1 FROM w) "
            "FOR UPDATE), "
            "expected AS (SELECT 1 FROM head WHERE seq = %s AND hash = %s), "
            f"ins AS (INSERT INTO {events_table} ({columns}) "
            f"SELECT * FROM (VALUES {_typed_rows(fields, len(events))}) AS v WHERE EXISTS (SELECT 1 FROM expected) "
            "RETURNING id), "
            f"moved AS (UPDATE {heads_table} SET seq = %s, hash = %s WHERE chain = %s "
            "AND EXISTS (SELECT 1 FROM expected) RETURNING 1) "
            "SELECT (SELECT count(*) FROM w), (SELECT array_agg(id ORDER BY id) FROM ins), "
            "(SELECT count(*) FROM moved), (SELECT seq FROM head), (SELECT hash FROM head)"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [*params, key, guess[0], guess[1], *_event_params(events, fields), head.seq, head.hash, key],
        )
        written, ids, moved, seq, hash_ = cursor.fetchone()
    if not written:
        return 0
    if moved:
        _stored(events, ids, key)
        _known_heads[(connection.alias, key)] = (head.seq, head.hash)
        return written
    # The head had moved (or is not there): it is locked now; link the events to it as it is.
    if seq is None:
        head, _ = ChainHead.objects.select_for_update().get_or_create(chain=key)
    else:
        head = ChainHead(chain=key, seq=seq, hash=hash_)
    _link(events, head)
    _insert_and_move_head(events, head)
    _known_heads[(connection.alias, key)] = (head.seq, head.hash)
    return written


# (database alias, chain) → (seq, hash) of the head as this process last wrote or read it: a guess,
# checked under the head's lock in the statement that moves it (a wrong one costs one statement more).
_known_heads: dict[tuple[str, str], tuple[int, str]] = {}


def _link(batch: list[AuditEvent], head: ChainHead) -> None:
    """Number, time and hash ``batch`` after ``head``, and move ``head`` (in memory) past it."""
    seq, prev_hash = head.seq, head.hash
    for event in batch:
        seq += 1
        event.seq, event.prev_hash = seq, prev_hash
        # Under the head's lock, or after the event this process knows to be the chain's last (the guess
        # holds only if nobody appended since): time never runs backwards along a chain.
        event.occurred_at = timezone.now()
        event.hash = prev_hash = event_hash(_values_of(event))
    head.seq, head.hash = seq, prev_hash


_columns: dict[str, tuple[list[Any], str]] = {}


def _event_columns() -> tuple[list[Any], str]:
    found = _columns.get(connection.alias)
    if found is None:
        fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        found = _columns[connection.alias] = (fields, ", ".join(quote(str(f.column)) for f in fields))
    return found


# (database alias, statement kind, number of events) → SQL: built once (the columns' types are asked of
# every field, which cost more than the statement's own execution).
_statements: dict[tuple[str, str, int], str] = {}


def _typed_rows(fields: list[Any], n: int) -> str:
    row = "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields) + ")"
    return ", ".join([row] * n)


def _event_params(batch: list[AuditEvent], fields: list[Any]) -> list[Any]:
    return [f.get_db_prep_save(getattr(e, f.attname), connection) for e in batch for f in fields]


def _stored(batch: list[AuditEvent], ids: Any, chain: str) -> None:
    if not ids or len(ids) != len(batch):
        raise RuntimeError(f"audit chain {chain}: the head did not move with its events")
    for event, pk in zip(batch, ids, strict=True):
        event.pk = pk
        event._state.adding = False
        event._state.db = connection.alias


def _append_if_head(batch: list[AuditEvent], head: ChainHead, guess: tuple[int, str]) -> tuple[Any, Any] | None:
    """PostgreSQL, one statement: lock the head; if it is ``guess``, insert ``batch`` and move it to ``head``.

    ``None`` when written; otherwise ``(seq, hash)`` of the head as it is (``(None, None)``: no head row),
    locked by this transaction and nothing written. The events' values are cast to their columns'
    types (an ``INSERT … SELECT`` does not type its parameters from the target columns).
    """
    fields, columns = _event_columns()
    key = (connection.alias, "if_head", len(batch))
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        events_table, heads_table = quote(AuditEvent._meta.db_table), quote(ChainHead._meta.db_table)
        sql = _statements[key] = (
            f"WITH head AS (SELECT seq, hash FROM {heads_table} WHERE chain = %s FOR UPDATE), "  # noqa: S608 (quoted names)
            "expected AS (SELECT 1 FROM head WHERE seq = %s AND hash = %s), "
            f"ins AS (INSERT INTO {events_table} ({columns}) "
            f"SELECT * FROM (VALUES {_typed_rows(fields, len(batch))}) AS v WHERE EXISTS (SELECT 1 FROM expected) "
            "RETURNING id), "
            f"moved AS (UPDATE {heads_table} SET seq = %s, hash = %s WHERE chain = %s "
            "AND EXISTS (SELECT 1 FROM expected) RETURNING 1) "
            "SELECT (SELECT array_agg(id ORDER BY id) FROM ins), (SELECT count(*) FROM moved), "
            "(SELECT seq FROM head), (SELECT hash FROM head)"
        )
    params: list[Any] = [head.chain, guess[0], guess[1]]
    params += _event_params(batch, fields)
    params += [head.seq, head.hash, head.chain]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids, moved, seq, hash_ = cursor.fetchone()
    if not moved:
        return seq, hash_
    _stored(batch, ids, head.chain)
    return None


def _insert_and_move_head(batch: list[AuditEvent], head: ChainHead) -> None:
    """PostgreSQL: the events' INSERT and the head's UPDATE in one statement (a data-modifying CTE)."""
    fields, columns = _event_columns()
    key = (connection.alias, "move", len(batch))
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = _statements[key] = (
            f"WITH ins AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "  # noqa: S608 (quoted names)
            f"VALUES {', '.join([row] * len(batch))} RETURNING id) "
            f"UPDATE {quote(ChainHead._meta.db_table)} SET seq = %s, hash = %s WHERE chain = %s "
            "RETURNING (SELECT array_agg(id ORDER BY id) FROM ins)"
        )
    params: list[Any] = _event_params(batch, fields)
    params += [head.seq, head.hash, head.chain]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    _stored(batch, found[0] if found else None, head.chain)


@dataclass
class Problem:
    """One broken link: where, and what is wrong."""

    chain: str
    seq: int | None
    event_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"chain {self.chain}"
        if self.seq is not None:
            where += f" seq {self.seq}"
        if self.event_id is not None:
            where += f" (event id {self.event_id})"
        return f"{where}: {self.message}"


@dataclass
class ChainReport:
    events: int = 0
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)  # chain → (seq, hash) of its last event
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(chain: str, after_seq: int) -> Iterator[tuple[Any, ...]]:
    queryset = AuditEvent.objects.filter(chain=chain, seq__gt=after_seq).order_by("seq", "id")
    return queryset.values_list("id", "hash", *HASHED_FIELDS).iterator(chunk_size=2000)


def verify_chain(chain: str, report: ChainReport, *, anchor: tuple[int, str] | None = None) -> None:
    """Recompute every hash of ``chain`` and check every link; record the first break.

    ``anchor`` = ``(seq, hash)`` from a signed checkpoint: the event there must still carry
    that hash, and only the events after it are checked (what ``audit_checkpoint`` needs).
    """
    # The head is read first: events appended while we read only extend the chain past it.
    head = ChainHead.objects.filter(chain=chain).values_list("seq", "hash").first()
    prev_seq, prev_id, prev_hash = 0, 0, GENESIS_HASH
    if anchor is not None and anchor[0] > 0:
        pinned = AuditEvent.objects.filter(chain=chain, seq=anchor[0]).values_list("id", "hash").first()
        if pinned is None or pinned[1] != anchor[1]:
            message = "differs from the last signed checkpoint (missing or rewritten)"
            report.problems.append(Problem(chain, anchor[0], pinned[0] if pinned else None, message))
            return
        prev_seq, prev_id, prev_hash = anchor[0], pinned[0], anchor[1]
    for row in _rows(chain, prev_seq):
        event_id, stored_hash, *rest = row
        values = dict(zip(HASHED_FIELDS, rest, strict=True))
        seq = values["seq"]
        report.events += 1
        if seq != prev_seq + 1:
            message = (
                f"expected seq {prev_seq + 1}, found {seq}: event(s) missing (deleted rows?)"
                if seq > prev_seq + 1
                else f"seq {seq} appears again: duplicated or renumbered row"
            )
            report.problems.append(Problem(chain, seq, event_id, message))
            return
        if event_id <= prev_id:
            report.problems.append(
                Problem(chain, seq, event_id, f"stored before the event it follows (id {prev_id}): reordered rows")
            )
            return
        if values["prev_hash"] != prev_hash:
            report.problems.append(
                Problem(chain, seq, event_id, "does not link to the previous event's hash (rows removed or reordered?)")
            )
            return
        if event_hash(values) != stored_hash:
            report.problems.append(Problem(chain, seq, event_id, "content does not match its hash: the row was edited"))
            return
        prev_seq, prev_id, prev_hash = seq, event_id, stored_hash
        if head is not None and seq == head[0] and stored_hash != head[1]:
            report.problems.append(Problem(chain, seq, event_id, "differs from the chain head: rewritten at the end"))
            return
    report.heads[chain] = (prev_seq, prev_hash)
    if head is None and prev_seq > 0:
        report.problems.append(Problem(chain, None, None, "has events but no head row: the head was removed"))
    elif head is not None and head[0] > prev_seq:
        message = f"the chain ends at seq {prev_seq} but its head records seq {head[0]}: the last events were removed"
        report.problems.append(Problem(chain, head[0], None, message))


def chains() -> list[str]:
    """Every chain that has events or a head row."""
    keys = set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    keys.update(ChainHead.objects.values_list("chain", flat=True))
    return sorted(keys)


def verify_all(anchors: dict[str, tuple[int, str]] | None = None) -> ChainReport:
    """Verify every chain (checkpoints are checked separately, ``audit.checkpoints``).

    With ``anchors`` (chain → signed ``(seq, hash)``), each chain is checked from its anchor on.
    """
    report = ChainReport()
    for chain in chains():
        verify_chain(chain, report, anchor=(anchors or {}).get(chain))
    return report


def current_heads() -> dict[str, tuple[int, str]]:
    """``{chain: (seq, hash)}`` of the last stored event of each chain."""
    heads: dict[str, tuple[int, str]] = {}
    for chain in chains():
        last = AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
        if last is not None:
            heads[chain] = (last[0], last[1])
    return heads
