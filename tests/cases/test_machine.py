"""A hypothesis state machine drives random legal and illegal actions at cases and checks
the database against a model of the status machine after every step."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from viewflow.workflow.models import Task

from audit.models import AuditEvent
from cases import actions
from cases.models import Case, Status
from core.errors import Conflict
from subjects.models import Benefit

from .conftest import BENEFIT_FIELDS, open_nodes

pytestmark = pytest.mark.django_db

REFUSED = (Conflict, TransitionNotAllowed, ConcurrentTransition, ValidationError)
DEPARTMENTS = ("public_security", "civil_affairs")
UNDECIDED = {"submitted", "verifying", "pending_approval", "returned"}


MIN_STEPS = 1000


def run_case_machine(users: dict[str, Any], subject: Any) -> int:
    """Run the machine until at least MIN_STEPS steps were taken; returns the number of steps."""
    steps = [0]

    class CaseMachine(RuleBasedStateMachine):
        """Model: the status, the verification tasks still open, and whether the register changed."""

        def __init__(self) -> None:
            super().__init__()
            self.case = actions.do_file_case(
                subject,
                kind="benefit_claim",
                title="随机测试",
                actor=users["caseworker"],
                departments=DEPARTMENTS,
                duplicate_action="continue",
                **BENEFIT_FIELDS,
            )
            self.status = "submitted"
            self.pending: set[str] = set()
            self.disputed = False
            self.applied = 0
            steps[0] -= 1  # the invariant also runs once before the first step

        # -- helpers --
        def task_for(self, node: str) -> Task:
            """The open task of ``node``, else its latest (done or cancelled) one, else any task of the case."""
            tasks = Task.objects.filter(process_id=self.case.process_id).order_by("-id")
            mine = [t for t in tasks if t.flow_task.name == node]
            open_ = [t for t in mine if t.status in ("NEW", "ASSIGNED")]
            return (open_ or mine or list(tasks))[0]

        def attempt(self, legal: bool, call: Any) -> bool:
            if legal:
                call()
                return True
            with pytest.raises(REFUSED):
                call()
            return False

        # -- rules --
        @rule()
        def intake(self) -> None:
            task = self.task_for("intake")
            if self.attempt(
                self.status == "submitted", lambda: actions.do_review_intake(task, actor=users["caseworker"])
            ):
                self.status, self.pending, self.disputed = "verifying", set(DEPARTMENTS), False

        @rule(department=st.sampled_from(DEPARTMENTS), result=st.sampled_from(["confirmed", "disputed", "not_found"]))
        def verify(self, department: str, result: str) -> None:
            task = self.task_for(f"verify_{department}")
            legal = self.status == "verifying" and department in self.pending
            if self.attempt(
                legal,
                lambda: actions.do_record_verification(task, actor=users[department], result=result, note="核查说明"),
            ):
                self.pending.discard(department)
                self.disputed |= result != "confirmed"
                if not self.pending:
                    self.status = "returned" if self.disputed else "pending_approval"

        @rule(decision=st.sampled_from(["approve", "reject", "return"]))
        def decide(self, decision: str) -> None:
            task = self.task_for("approve")
            if self.attempt(
                self.status == "pending_approval",
                lambda: actions.do_decide(task, actor=users["approver"], decision=decision, reasons="理由"),
            ):
                self.status = {"approve": "closed", "reject": "closed", "return": "returned"}[decision]
                self.applied += decision == "approve"

        @rule()
        def resubmit(self) -> None:
            task = self.task_for("correct")
            if self.attempt(
                self.status == "returned",
                lambda: actions.do_resubmit_case(task, actor=users["caseworker"], note="已补正"),
            ):
                self.status, self.pending, self.disputed = "verifying", set(DEPARTMENTS), False

        @rule()
        def withdraw(self) -> None:
            if self.attempt(
                self.status in UNDECIDED,
                lambda: actions.do_withdraw_case(self.case, actor=users["caseworker"], reason="撤回"),
            ):
                self.status, self.pending = "withdrawn", set()

        @rule(name=st.sampled_from(["approve", "close", "mark_applied", "resubmit", "finish_verification"]))
        def direct_transition(self, name: str) -> None:
            """Calling a transition method out of turn is refused by the machine itself."""
            case = Case.objects.get(pk=self.case.pk)
            legal = {
                "approve": self.status == "pending_approval",
                "resubmit": self.status == "returned",
                "finish_verification": self.status == "verifying",
            }.get(name, False)
            if legal:
                return  # legal moves go through actions only (they also drive the process)
            method = getattr(case, name)
            with pytest.raises(TransitionNotAllowed):
                method(None) if name in ("close", "mark_applied") else method()

        # -- invariants --
        @invariant()
        def database_matches_the_model(self) -> None:
            steps[0] += 1
            case = Case.objects.get(pk=self.case.pk)
            assert case.status == self.status
            expected = {
                "submitted": {"intake"},
                "verifying": {f"verify_{d}" for d in self.pending},
                "pending_approval": {"approve"},
                "returned": {"correct"},
            }.get(self.status, set())
            assert open_nodes(case) == expected
            assert Benefit.objects.filter(source_ref=case.number).count() == self.applied
            events = AuditEvent.objects.filter(
                object_type="cases.case", object_id=str(case.pk), event_type="case.transition"
            ).order_by("id")
            previous = Status.SUBMITTED.value
            for event in events:
                assert event.data["from"] == previous
                previous = event.data["to"]
            assert previous == self.status

    while steps[0] < MIN_STEPS:
        run_state_machine_as_test(
            CaseMachine,
            settings=settings(
                max_examples=40,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),
        )
    return steps[0]


def test_random_legal_and_illegal_actions_agree_with_the_model(caseworker, liaison_ps, liaison_ca, approver, subject):
    users = {"caseworker": caseworker, "public_security": liaison_ps, "civil_affairs": liaison_ca, "approver": approver}
    assert run_case_machine(users, subject) >= MIN_STEPS


def test_a_refresh_reloads_the_status_without_lifting_its_protection_for_other_threads(file_case, monkeypatch):
    """django-fsm-2 switches the shared field's protection off during a refresh: under a threaded server
    another request's refresh then failed ("Direct status modification is not allowed", a 500)."""
    case = file_case()
    Case.objects.filter(pk=case.pk).update(status=Status.VERIFYING)
    field = Case._meta.get_field("status")
    protected_during_refresh = []
    refresh = models.Model.refresh_from_db

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        protected_during_refresh.append(field.protected)
        refresh(self, *args, **kwargs)

    monkeypatch.setattr(models.Model, "refresh_from_db", spy)
    case.refresh_from_db()
    assert case.status == Status.VERIFYING
    assert protected_during_refresh and all(protected_during_refresh)
    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        case.status = Status.CLOSED


def test_a_status_left_out_of_a_query_is_loaded_when_read(file_case):
    case = file_case()
    assert Case.objects.only("id").get(pk=case.pk).status == case.status
    partly = Case.objects.get(pk=case.pk)
    partly.refresh_from_db(fields=["title"])
    assert partly.status == case.status
