"""Both task backends: the database one (transactional enqueue) and RQ/Redis (enqueue after commit + sweep).

CI runs this whole directory twice: as is, and with ``LAUREL_TASK_BACKEND=rq`` against Redis.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from freezegun import freeze_time

from accounts.models import User
from cases.notify import CaseEvent
from core.jobs import backend_is_transactional
from notifications import delivery
from notifications.models import Delivery, DeliveryStatus
from notifications.outbox import notify

from .conftest import RQ


def _notify(user: User) -> None:
    notify(
        event=CaseEvent.CASE_RETURNED,
        recipients=[user],
        context={"case": "440106-2026-000009", "reason": "缺少材料"},
        dedupe_key="case.returned:9",
        division_code="440106",
    )


def test_the_configured_backend_is_the_one_in_use() -> None:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    assert type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__name__ == ("RQBackend" if RQ else "DatabaseBackend")
    assert backend_is_transactional() is not RQ


@pytest.mark.skipif(RQ, reason="the database backend's own behaviour")
def test_database_jobs_vanish_with_a_rollback(alice: User) -> None:
    from django_tasks_db.models import DBTaskResult

    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(alice)
        assert DBTaskResult.objects.count() == 1  # enqueued inside the transaction ...
        raise RuntimeError
    assert DBTaskResult.objects.count() == 0  # ... and gone with it


@pytest.mark.skipif(not RQ, reason="needs LAUREL_TASK_BACKEND=rq and Redis")
def test_rq_jobs_reach_redis_only_after_the_commit(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    import django_rq

    queue = django_rq.get_queue("default")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(alice)
        assert queue.count == 0  # not before the commit
    assert queue.count == 1


@pytest.mark.skipif(not RQ, reason="needs LAUREL_TASK_BACKEND=rq and Redis")
def test_rq_down_at_commit_loses_nothing(
    alice: User,
    monkeypatch: pytest.MonkeyPatch,
    run_worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_rq import RQBackend

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is down")

    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        with monkeypatch.context() as patch:
            patch.setattr(RQBackend, "enqueue", broker_down)
            with django_capture_on_commit_callbacks(execute=True):
                _notify(alice)  # committed; the enqueue after the commit fails and is logged
        assert run_worker() == 0
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    with freeze_time(start + datetime.timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert delivery.sweep() == 1
    with freeze_time(start + datetime.timedelta(minutes=1)):
        run_worker()
    assert len(mail.outbox) == 1
