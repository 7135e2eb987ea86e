"""``verify_audit_chain``, ``audit_checkpoint`` and ``audit_keygen``."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import chain, checkpoints
from audit.log import record
from audit.models import AuditEvent, ChainVerification
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def events() -> list[AuditEvent]:
    return [record(event_type="test.event", actor=None, division_code=COUNTY_A, data={"n": n}) for n in range(3)]


def test_verify_audit_chain_reports_ok_and_records_the_run(events: list[AuditEvent], settings: Any) -> None:
    settings.LAUREL_AUDIT_REQUIRE_CHECKPOINTS = False  # development: no checkpoints yet is fine
    output = run("verify_audit_chain")
    assert output.startswith("OK: 3 events in 1 chains, 0 checkpoints verified.")
    last = ChainVerification.objects.get()
    assert (last.ok, last.events_checked, last.problems) == (True, 3, [])


def test_verify_audit_chain_prints_the_first_broken_link_and_exits_1(
    events: list[AuditEvent], tamper: Callable[..., None]
) -> None:
    tamper("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', events[1].pk])
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_chain", stdout=out)
    assert failure.value.returncode == 1
    assert f"BROKEN: chain 44 seq 2 (event id {events[1].pk}): content does not match its hash" in out.getvalue()
    assert ChainVerification.objects.get().ok is False


def test_verify_audit_chain_can_leave_no_record(events: list[AuditEvent], settings: Any) -> None:
    settings.LAUREL_AUDIT_REQUIRE_CHECKPOINTS = False
    run("verify_audit_chain", "--no-record")
    assert not ChainVerification.objects.exists()


def test_audit_checkpoint_writes_a_signed_file_outside_the_database(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], settings: Any
) -> None:
    output = run("audit_checkpoint")
    (path,) = checkpoints.list_checkpoints()
    assert path.parent == settings.LAUREL_AUDIT_CHECKPOINT_DIR
    assert str(path) in output
    document = json.loads(path.read_text())
    assert document["payload"]["chains"] == {"44": {"seq": 3, "hash": events[-1].hash}}
    assert checkpoints.read_checkpoint(path, checkpoints.load_verify_key()).valid_signature
    assert run("verify_audit_chain").startswith("OK: 3 events in 1 chains, 1 checkpoints verified.")


def test_audit_checkpoint_refuses_to_sign_a_broken_chain(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], tamper: Callable[..., None]
) -> None:
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError, match="Refusing to sign a broken audit chain"):
        run("audit_checkpoint")
    assert checkpoints.list_checkpoints() == []


def test_audit_checkpoint_without_a_key_says_how_to_create_one(events: list[AuditEvent]) -> None:
    with pytest.raises(CommandError, match="audit_keygen"):
        run("audit_checkpoint")


def test_audit_checkpoint_creates_a_key_in_development(events: list[AuditEvent], settings: Any) -> None:
    settings.DEBUG = True
    run("audit_checkpoint")
    assert settings.LAUREL_AUDIT_SIGNING_KEY.exists()
    assert len(checkpoints.list_checkpoints()) == 1


def test_audit_keygen_creates_a_private_key_only_its_owner_can_read(settings: Any) -> None:
    run("audit_keygen")
    assert settings.LAUREL_AUDIT_SIGNING_KEY.stat().st_mode & 0o777 == 0o600
    assert settings.LAUREL_AUDIT_VERIFY_KEY.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_audit_keygen_refuses_to_replace_a_key(signing_keys: tuple[Path, Path]) -> None:
    with pytest.raises(CommandError, match="refusing to replace"):
        run("audit_keygen")


def test_verify_uses_the_public_key_alone(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], settings: Any
) -> None:
    run("audit_checkpoint")
    settings.LAUREL_AUDIT_SIGNING_KEY.unlink()
    assert "1 checkpoints verified" in run("verify_audit_chain")


def test_verify_reports_checkpoints_it_cannot_check_without_a_key(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], settings: Any
) -> None:
    run("audit_checkpoint")
    settings.LAUREL_AUDIT_SIGNING_KEY.unlink()
    settings.LAUREL_AUDIT_VERIFY_KEY.unlink()
    with pytest.raises(CommandError):
        run("verify_audit_chain")


def test_audit_checkpoint_checks_only_the_events_since_the_last_checkpoint(
    events: list[AuditEvent], signing_keys: tuple[Path, Path]
) -> None:
    run("audit_checkpoint")
    record(event_type="test.later", actor=None, division_code=COUNTY_A)
    report = chain.verify_all(anchors=checkpoints.latest_anchors())
    assert (report.ok, report.events) == (True, 1)
    run("audit_checkpoint")
    assert len(checkpoints.list_checkpoints()) == 2


def test_audit_checkpoint_refuses_to_sign_over_a_rewrite_of_signed_events(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], tamper: Callable[..., None]
) -> None:
    run("audit_checkpoint")
    tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, events[-1].pk])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit_checkpoint", stdout=out)
    assert "differs from the last signed checkpoint" in out.getvalue()
    assert len(checkpoints.list_checkpoints()) == 1


def test_two_checkpoints_signing_different_hashes_for_one_event_are_reported(
    events: list[AuditEvent], signing_keys: tuple[Path, Path]
) -> None:
    checkpoints.write_checkpoint({"44": (3, "a" * 64)})
    checkpoints.write_checkpoint({"44": (3, "b" * 64)})
    report = chain.verify_all()
    checkpoints.verify_checkpoints(report)
    messages = [str(problem) for problem in report.problems]
    assert any("sign different hashes" in m for m in messages)
    assert any("the chain was rewritten and re-hashed" in m for m in messages)
