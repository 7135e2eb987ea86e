"""Fixtures of the audit tests: signing keys and checkpoints in a temporary directory, auditors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from audit import checkpoints
from tests.conftest import CITY, COUNTY_A, OTHER_PROVINCE, PROVINCE


@pytest.fixture(autouse=True)
def audit_paths(settings: Any, tmp_path: Path) -> Path:
    """Keys and checkpoints of each test live in its own temporary directory."""
    settings.LAUREL_AUDIT_SIGNING_KEY = tmp_path / "keys" / "signing-key.pem"
    settings.LAUREL_AUDIT_VERIFY_KEY = tmp_path / "keys" / "verify-key.pem"
    settings.LAUREL_AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.LAUREL_AUDIT_ANCHOR_FILE = tmp_path / "anchor" / "anchors.log"
    settings.LAUREL_AUDIT_RETIRED_KEYS_DIR = tmp_path / "keys" / "retired"
    return tmp_path


@pytest.fixture
def signing_keys(audit_paths: Path) -> tuple[Path, Path]:
    return checkpoints.generate_keys()


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    """Auditor of the province of counties A and B (广东省)."""
    return make_user("auditor", "auditor", PROVINCE)


@pytest.fixture
def auditor_city(make_user: Callable[..., User]) -> User:
    return make_user("auditor_city", "auditor", CITY)


@pytest.fixture
def auditor_other_province(make_user: Callable[..., User]) -> User:
    """Auditor of 北京市: sees nothing of 广东省."""
    return make_user("auditor_bj", "auditor", OTHER_PROVINCE)


@pytest.fixture
def county_a() -> str:
    return COUNTY_A


@pytest.fixture
def tamper() -> Callable[..., None]:
    """Run raw SQL as someone with database access would, bypassing the append-only trigger.

    On PostgreSQL this needs a superuser (the test role is one): ``session_replication_role
    = replica`` disables ordinary triggers for the rest of the statement batch.
    """
    from django.db import connection

    def run(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")

    return run


@pytest.fixture
def web_as() -> Callable[[User], Any]:
    """A browser client signed in as ``user`` with two-factor verified (auditors need it)."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def client_for(user: User) -> Client:
        client = Client()
        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return client_for
