"""The helpers the cases actions call: who hears about new tasks, returns, decisions and letters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import User
from cases import notify
from cases.models import Case
from cases.notify import CaseEvent
from notifications.models import Notification

# The SMS log, a worker and staff with email addresses: the notifications tests' fixtures.
from tests.notifications.conftest import _redis, _sms_log, run_worker, sms_messages, staff  # noqa: F401


def _bell(user: User, event: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, event=event))


def test_new_tasks_reach_their_pools_once(
    file_case: Callable[..., Case],
    walk: Any,
    caseworker: User,
    staff: Callable[..., User],  # noqa: F811 (fixture from tests.notifications)
    liaison_ps: User,
    liaison_ca: User,
    caseworker_b: User,
) -> None:
    colleague = staff("colleague")
    case = file_case()
    notify.notify_new_tasks(case, actor=caseworker)
    assert len(_bell(colleague, CaseEvent.TASK_QUEUED)) == 1
    assert _bell(caseworker, CaseEvent.TASK_QUEUED) == []  # not told about one's own work
    assert _bell(caseworker_b, CaseEvent.TASK_QUEUED) == []  # another county
    case = walk.intake(case)
    notify.notify_new_tasks(case, actor=caseworker)
    notify.notify_new_tasks(case, actor=caseworker)  # idempotent
    [item] = _bell(liaison_ps, CaseEvent.TASK_QUEUED)
    assert item.context == {"case": case.number, "step": "verify_public_security", "count": 1}
    assert len(_bell(liaison_ca, CaseEvent.TASK_QUEUED)) == 1
    assert _bell(colleague, CaseEvent.TASK_QUEUED)[0].context["count"] == 1  # the intake task only


def test_return_decision_and_letter(
    file_case: Callable[..., Case],
    walk: Any,
    caseworker: User,
    approver: User,
    make_subject: Callable[..., Any],
    run_worker: Callable[[], int],  # noqa: F811 (fixture from tests.notifications)
    sms_messages: Callable[[], list[dict[str, str]]],  # noqa: F811 (fixture from tests.notifications)
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = make_subject(name="钱七", phone="13700000000")
    case = walk.verify_all(walk.intake(file_case(subject_=person)))
    returned = walk.decide(case, "return")
    notify.notify_case_returned(returned, reason="材料不全", actor=approver)
    [item] = _bell(caseworker, CaseEvent.CASE_RETURNED)
    assert item.context["reason"] == "材料不全"
    decided = Case.objects.get(pk=case.pk)
    decided.outcome = "approved"
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_case_decided(decided, actor=approver)
        notify.notify_letter_ready(decided)
    assert len(_bell(caseworker, CaseEvent.CASE_DECIDED)) == 1
    assert len(_bell(caseworker, CaseEvent.LETTER_READY)) == 1
    run_worker()
    # The letter's text (the registration text with the 查询码, when its job already ran, is the other).
    texts = sms_messages()
    assert all("钱七" not in m["text"] for m in texts)
    [sms] = [m for m in texts if case.number not in m["text"]]
    assert sms["to"] == "13700000000" and "钱七" not in sms["text"]


def test_a_reassigned_task_tells_the_new_owner(
    file_case: Callable[..., Case],
    staff: Callable[..., User],  # noqa: F811 (fixture from tests.notifications)
    caseworker: User,
    supervisor: User,
) -> None:
    colleague = staff("colleague")
    case = file_case()
    [task] = notify.active_tasks(case)
    notify.notify_task_assigned(task, case=case, to_user=colleague, actor=supervisor)
    notify.notify_task_assigned(task, case=case, to_user=caseworker, actor=caseworker)  # self-claim: silent
    assert len(_bell(colleague, CaseEvent.TASK_ASSIGNED)) == 1
    assert _bell(caseworker, CaseEvent.TASK_ASSIGNED) == []
