"""The helpers the cases actions call: who hears about new tasks, returns, decisions and letters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import User
from cases.models import Case
from notifications import case_events
from notifications.models import Event, Notification


def _bell(user: User, event: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, event=event))


def test_new_tasks_reach_their_pools_once(
    file_case: Callable[..., Case],
    walk: Any,
    caseworker: User,
    staff: Callable[..., User],
    liaison_ps: User,
    liaison_ca: User,
    caseworker_b: User,
) -> None:
    colleague = staff("colleague")
    case = file_case()
    case_events.notify_new_tasks(case, actor=caseworker)
    assert len(_bell(colleague, Event.TASK_QUEUED)) == 1
    assert _bell(caseworker, Event.TASK_QUEUED) == []  # not told about one's own work
    assert _bell(caseworker_b, Event.TASK_QUEUED) == []  # another county
    case = walk.intake(case)
    case_events.notify_new_tasks(case, actor=caseworker)
    case_events.notify_new_tasks(case, actor=caseworker)  # idempotent
    [item] = _bell(liaison_ps, Event.TASK_QUEUED)
    assert item.context == {"case": case.number, "step": "verify_public_security", "count": 1}
    assert len(_bell(liaison_ca, Event.TASK_QUEUED)) == 1
    assert _bell(colleague, Event.TASK_QUEUED)[0].context["count"] == 1  # the intake task only


def test_return_decision_and_letter(
    file_case: Callable[..., Case],
    walk: Any,
    caseworker: User,
    approver: User,
    make_subject: Callable[..., Any],
    run_worker: Callable[[], int],
    sms_messages: Callable[[], list[dict[str, str]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = make_subject(name="钱七", phone="13700000000")
    case = walk.verify_all(walk.intake(file_case(subject_=person)))
    returned = walk.decide(case, "return")
    case_events.notify_case_returned(returned, reason="材料不全", actor=approver)
    [item] = _bell(caseworker, Event.CASE_RETURNED)
    assert item.context["reason"] == "材料不全"
    decided = Case.objects.get(pk=case.pk)
    decided.outcome = "approved"
    with django_capture_on_commit_callbacks(execute=True):
        case_events.notify_case_decided(decided, actor=approver)
        case_events.notify_letter_ready(decided)
    assert len(_bell(caseworker, Event.CASE_DECIDED)) == 1
    assert len(_bell(caseworker, Event.LETTER_READY)) == 1
    run_worker()
    [sms] = sms_messages()
    assert sms["to"] == "13700000000" and "钱七" not in sms["text"]


def test_a_reassigned_task_tells_the_new_owner(
    file_case: Callable[..., Case], staff: Callable[..., User], caseworker: User, supervisor: User
) -> None:
    colleague = staff("colleague")
    case = file_case()
    [task] = case_events.active_tasks(case)
    case_events.notify_task_assigned(task, case=case, to_user=colleague, actor=supervisor)
    case_events.notify_task_assigned(task, case=case, to_user=caseworker, actor=caseworker)  # self-claim: silent
    assert len(_bell(colleague, Event.TASK_ASSIGNED)) == 1
    assert _bell(caseworker, Event.TASK_ASSIGNED) == []
