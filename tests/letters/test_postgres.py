"""PostgreSQL: concurrent requests in one county get distinct, gap-free document numbers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from letters import actions
from letters.models import Letter

pytestmark = [pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _divisions(_postgresql_only: None, transactional_db: Any) -> None:
    """Transactional tests start from a flushed database: load the division tree again."""
    call_command("load_divisions", verbosity=0)


def test_concurrent_requests_number_without_gaps_or_duplicates(
    file_case: Callable[..., Any], approver: Any, letterhead: Any
) -> None:
    cases = [file_case() for _ in range(8)]
    errors: list[BaseException] = []

    def worker(mine: list[Any]) -> None:
        try:
            for case in mine:
                actions.do_request_letter(case, kind="acknowledgement", actor=approver)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(cases[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Letter.objects.values_list("sequence", flat=True)) == list(range(1, 9))


def test_the_database_worker_issues_a_requested_letter(
    file_case: Callable[..., Any], approver: Any, letterhead: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from letters.models import Status

    letter = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED, letter.error
    job = DBTaskResult.objects.get(task_path="letters.tasks.render_letter")
    assert job.status == "SUCCESSFUL" and job.return_value == letter.sha256
