"""The render job runs on whichever task backend is configured.

CI runs this module twice: on the database backend (the job row is written in the request's
transaction) and with ``LAUREL_TASK_BACKEND=rq`` against Redis (enqueued after the commit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from letters import actions
from letters.models import Status
from tests.notifications.conftest import RQ, _redis, run_worker  # noqa: F401  (shared job fixtures)


def test_a_requested_letter_is_rendered_by_the_configured_worker(
    file_case: Callable[..., Any],
    decide: Callable[..., Any],
    approver: Any,
    run_worker: Callable[[], int],  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = decide(file_case())
    with django_capture_on_commit_callbacks(execute=True):
        letter = actions.do_request_letter(case, kind="approval", actor=approver)
    assert letter.status == Status.PENDING
    assert run_worker() >= 1
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED, letter.error
    assert letter.sha256 and (letter.size or 0) > 0


def test_the_backend_in_use_is_the_configured_one() -> None:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    assert type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__name__ == ("RQBackend" if RQ else "DatabaseBackend")
