"""Notification fixtures: a worker for whichever task backend is configured, the SMS log, users.

The suite runs on the database backend by default and on RQ/Redis with
``LAUREL_TASK_BACKEND=rq REDIS_URL=redis://127.0.0.1:6379/5`` (CI runs both). With RQ the
tests use their own Redis database and flush only that one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from accounts.models import User
from tests.cases.conftest import (  # noqa: F401  (case fixtures reused by the wiring tests)
    approver,
    city_supervisor,
    file_case,
    liaison_ca,
    liaison_ps,
    make_subject,
    subject,
    walk,
)
from tests.conftest import COUNTY_A, COUNTY_B

RQ = settings.LAUREL_TASK_BACKEND == "rq"


@pytest.fixture(autouse=True)
def _redis(request: pytest.FixtureRequest) -> Iterator[None]:
    """With the RQ backend: a reachable Redis and an empty test database (skip locally if down, fail in CI)."""
    if not RQ:
        yield
        return
    import django_rq
    from redis.exceptions import ConnectionError as RedisDown

    connection = django_rq.get_connection("default")
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {settings.REDIS_URL}")
    connection.flushdb()  # only the test database named in REDIS_URL
    yield
    connection.flushdb()


@pytest.fixture(autouse=True)
def _sms_log(settings: Any, tmp_path: Path) -> Path:
    settings.LAUREL_SMS_BACKEND = "notifications.sms.FileSmsGateway"
    settings.LAUREL_SMS_LOG = tmp_path / "sms.log"
    settings.LAUREL_PUBLIC_BASE_URL = "https://laurel.example"
    return settings.LAUREL_SMS_LOG


@pytest.fixture
def sms_messages(_sms_log: Path) -> Callable[[], list[dict[str, str]]]:
    from notifications.sms import FileSmsGateway

    return lambda: FileSmsGateway(_sms_log).messages()


@pytest.fixture
def run_worker(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Run every job that is ready, as the configured backend's own worker does; returns the number run."""

    def run_db() -> int:
        from django_tasks_db.management.commands import db_worker

        # The test's transaction must survive the worker's connection hygiene.
        monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
        worker = db_worker.Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        worker.run()
        return worker._run_tasks

    def run_rq() -> int:
        import django_rq
        from django_tasks_rq import Job
        from rq import SimpleWorker

        queue = django_rq.get_queue("default", job_class=Job)
        before = queue.count
        worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
        worker.work(burst=True)
        return before - queue.count

    return run_rq if RQ else run_db


@pytest.fixture
def staff(make_user: Callable[..., User]) -> Callable[..., User]:
    """A staff user with an email address (and a language)."""

    def make(username: str, role: str = "caseworker", division: str = COUNTY_A, **kw: Any) -> User:
        email = kw.pop("email", f"{username}@example.gov.cn")
        user = make_user(username, role, division, **kw)
        User.objects.filter(pk=user.pk).update(email=email)
        user.email = email
        return user

    return make


@pytest.fixture
def alice(staff: Callable[..., User]) -> User:
    return staff("alice")


@pytest.fixture
def bob(staff: Callable[..., User]) -> User:
    return staff("bob", language="en")


@pytest.fixture
def admin_a(staff: Callable[..., User]) -> User:
    return staff("admin_a", "sysadmin", COUNTY_A)  # failed deliveries: the system administrator


@pytest.fixture
def admin_b(staff: Callable[..., User]) -> User:
    return staff("admin_b", "sysadmin", COUNTY_B)


@pytest.fixture
def web_as() -> Callable[[User], Any]:
    """A browser client signed in as ``user`` with two-factor verified (administrators need it)."""
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
