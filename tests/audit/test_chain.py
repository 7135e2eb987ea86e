"""Verification catches every kind of tampering: edit, deletion, reordering, re-hashing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audit import chain, checkpoints
from audit.chain import HASHED_FIELDS, event_hash
from audit.log import record
from audit.models import AuditEvent
from tests.conftest import COUNTY_A, COUNTY_B

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["standard", "gm"])
def crypto_profile(request: Any, settings: Any) -> str:
    """Every test here runs under both cryptographic profiles (core.crypto)."""
    settings.LAUREL_CRYPTO_PROFILE = request.param
    return str(request.param)


Tamper = Callable[..., None]


@pytest.fixture
def events() -> list[AuditEvent]:
    """Five events in the 广东 chain."""
    return [
        record(event_type="case.transition", actor=None, division_code=code, data={"from": "a", "to": "b", "n": n})
        for n, code in enumerate([COUNTY_A, COUNTY_B, COUNTY_A, COUNTY_B, COUNTY_A])
    ]


def problems() -> list[str]:
    return [str(p) for p in chain.verify_all().problems]


def rehash_from(tamper: Tamper, start: AuditEvent) -> None:
    """What an attacker with database access does after an edit: recompute every later hash."""
    prev = AuditEvent.objects.filter(chain=start.chain, seq=start.seq - 1).values_list("hash", flat=True).first()
    prev = prev or chain.GENESIS_HASH
    for event in AuditEvent.objects.filter(chain=start.chain, seq__gte=start.seq).order_by("seq"):
        values = {name: getattr(event, name) for name in HASHED_FIELDS}
        values["prev_hash"] = prev
        digest = event_hash(values)
        tamper("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, event.pk])
        prev = digest
    tamper("UPDATE audit_chainhead SET hash = %s WHERE chain = %s", [prev, start.chain])


def test_an_untouched_chain_verifies(events: list[AuditEvent]) -> None:
    report = chain.verify_all()
    assert report.ok
    assert report.events == 5
    assert report.heads["44"] == (5, events[-1].hash)


def test_an_edited_row_is_caught_at_that_row(events: list[AuditEvent], tamper: Tamper) -> None:
    tamper("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"from": "a", "to": "approved"}', events[2].pk])
    assert problems() == [
        f"chain 44 seq 3 (event id {events[2].pk}): content does not match its hash: the row was edited"
    ]


def test_an_edited_actor_is_caught(events: list[AuditEvent], tamper: Tamper) -> None:
    tamper("UPDATE audit_auditevent SET actor_username = 'someone_else' WHERE id = %s", [events[0].pk])
    assert "seq 1" in problems()[0]


def test_a_deleted_row_in_the_middle_is_caught(events: list[AuditEvent], tamper: Tamper) -> None:
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    found = problems()
    assert len(found) == 1
    assert "expected seq 2, found 3: event(s) missing" in found[0]


def test_a_deleted_last_row_is_caught_by_the_chain_head(events: list[AuditEvent], tamper: Tamper) -> None:
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    assert "the chain ends at seq 4 but its head records seq 5" in problems()[0]


def test_reordered_rows_are_caught(events: list[AuditEvent], tamper: Tamper) -> None:
    # Swap the positions of two events (their chain fields move with them): the order is rewritten.
    a, b = events[1], events[2]
    tamper(
        "UPDATE audit_auditevent SET seq = seq + 1000 WHERE id IN (%s, %s)",
        [a.pk, b.pk],
    )
    tamper(
        "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", [2, a.prev_hash, a.hash, b.pk]
    )
    tamper(
        "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", [3, b.prev_hash, b.hash, a.pk]
    )
    assert "seq 2" in problems()[0]


def test_swapping_whole_rows_between_ids_is_caught_as_reordering(events: list[AuditEvent], tamper: Tamper) -> None:
    a, b = events[1], events[2]
    columns = [*HASHED_FIELDS, "hash"]
    rows = {e.pk: [getattr(e, c) for c in columns] for e in (a, b)}
    assignments = ", ".join(f"{c} = %s" for c in columns)

    def params(values: list[Any]) -> list[Any]:
        return [json.dumps(v) if isinstance(v, dict) else v for v in values]

    tamper("UPDATE audit_auditevent SET seq = seq + 1000 WHERE id IN (%s, %s)", [a.pk, b.pk])
    tamper(f"UPDATE audit_auditevent SET {assignments} WHERE id = %s", [*params(rows[b.pk]), a.pk])  # noqa: S608
    tamper(f"UPDATE audit_auditevent SET {assignments} WHERE id = %s", [*params(rows[a.pk]), b.pk])  # noqa: S608
    assert "reordered rows" in problems()[0]


def test_a_fully_rehashed_chain_passes_the_chain_check_but_not_the_checkpoint(
    events: list[AuditEvent], tamper: Tamper, signing_keys: tuple[Path, Path]
) -> None:
    checkpoints.write_checkpoint()
    tamper("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"from": "a", "to": "approved"}', events[2].pk])
    rehash_from(tamper, AuditEvent.objects.get(pk=events[2].pk))
    report = chain.verify_all()
    assert report.ok  # the links alone cannot tell: that is what the signed checkpoint is for
    assert checkpoints.verify_checkpoints(report) == 1
    assert "the chain was rewritten and re-hashed" in str(report.problems[0])


def test_events_signed_in_a_checkpoint_and_then_deleted_are_caught(
    events: list[AuditEvent], tamper: Tamper, signing_keys: tuple[Path, Path]
) -> None:
    checkpoints.write_checkpoint()
    tamper("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [events[3].pk, events[4].pk])
    tamper("UPDATE audit_chainhead SET seq = 3, hash = %s WHERE chain = '44'", [events[2].hash])
    report = chain.verify_all()
    assert report.ok
    checkpoints.verify_checkpoints(report)
    assert "missing: deleted events" in str(report.problems[0])


def test_an_altered_checkpoint_file_is_caught(events: list[AuditEvent], signing_keys: tuple[Path, Path]) -> None:
    path = checkpoints.write_checkpoint()
    path.chmod(0o644)
    path.write_text(path.read_text().replace('"seq": 5', '"seq": 4'))
    report = chain.verify_all()
    checkpoints.verify_checkpoints(report)
    assert "signature does not match" in str(report.problems[0])


def test_a_checkpoint_signed_with_another_key_is_caught(
    events: list[AuditEvent], signing_keys: tuple[Path, Path]
) -> None:
    checkpoints.write_checkpoint()
    checkpoints.generate_keys(overwrite=True)
    report = chain.verify_all()
    checkpoints.verify_checkpoints(report)
    assert "signature does not match" in str(report.problems[0])


def test_new_events_after_a_checkpoint_keep_verifying(
    events: list[AuditEvent], signing_keys: tuple[Path, Path]
) -> None:
    checkpoints.write_checkpoint()
    record(event_type="test.later", actor=None, division_code=COUNTY_A)
    report = chain.verify_all()
    checkpoints.verify_checkpoints(report)
    assert report.ok


def test_an_altered_chain_head_is_caught(events: list[AuditEvent], tamper: Tamper) -> None:
    tamper("UPDATE audit_chainhead SET hash = %s WHERE chain = '44'", ["e" * 64])
    assert "differs from the chain head" in problems()[0]


def test_a_removed_chain_head_is_caught(events: list[AuditEvent], tamper: Tamper) -> None:
    tamper("DELETE FROM audit_chainhead WHERE chain = '44'")
    assert "has events but no head row" in problems()[0]


def test_events_appended_after_the_head_was_read_are_not_a_break(events: list[AuditEvent], tamper: Tamper) -> None:
    # What a verification sees when events commit while it runs: the head it read is behind.
    tamper("UPDATE audit_chainhead SET seq = 3, hash = %s WHERE chain = '44'", [events[2].hash])
    report = chain.verify_all()
    assert report.ok
    assert report.heads["44"] == (5, events[-1].hash)
