"""Case fixtures: subjects, the demo roles, and helpers that walk a case through its tasks."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from cases import actions
from cases.models import Case, Kind
from jurisdictions.models import Department
from subjects import ids
from subjects.actions import do_register_subject
from subjects.models import Category, Subject
from tests.conftest import CITY, COUNTY_A, COUNTY_B

_sequence = itertools.count(1)


def new_id(division: str = COUNTY_A) -> str:
    n = next(_sequence)
    return ids.build(division, dt.date(1955, 1, 1) + dt.timedelta(days=n * 7), n % 1000)


@pytest.fixture
def make_subject(db: Any) -> Callable[..., Subject]:
    def make(division: str = COUNTY_A, *, name: str = "王建国", id_number: str | None = None, **fields: Any) -> Subject:
        fields.setdefault("category", Category.RETIRED_SOLDIER)
        return do_register_subject(
            division=division, id_number=id_number or new_id(division), name=name, actor=None, **fields
        )

    return make


@pytest.fixture
def subject(make_subject: Callable[..., Subject]) -> Subject:
    return make_subject(COUNTY_A, name="张三")


@pytest.fixture
def subject_b(make_subject: Callable[..., Subject]) -> Subject:
    return make_subject(COUNTY_B, name="李四")


@pytest.fixture
def liaison_ps(make_user: Callable[..., User]) -> User:
    return make_user("liaison_ps", "liaison", COUNTY_A, department=Department.PUBLIC_SECURITY)


@pytest.fixture
def liaison_ca(make_user: Callable[..., User]) -> User:
    return make_user("liaison_ca", "liaison", COUNTY_A, department=Department.CIVIL_AFFAIRS)


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    return make_user("approver", "approver", COUNTY_A)


@pytest.fixture
def liaison_b(make_user: Callable[..., User]) -> User:
    return make_user("liaison_b", "liaison", COUNTY_B, department=Department.PUBLIC_SECURITY)


@pytest.fixture
def approver_b(make_user: Callable[..., User]) -> User:
    return make_user("approver_b", "approver", COUNTY_B)


@pytest.fixture
def city_supervisor(make_user: Callable[..., User]) -> User:
    return make_user("city_supervisor", "supervisor", CITY)


def restore_demo_divisions() -> None:
    """A transactional test's flush empties the division tree: put back the part the case tests use."""
    from jurisdictions.models import Division, level_of_code

    if Division.objects.filter(code=COUNTY_A).exists():
        return
    tree = [("CN", "全国", None), ("44", "广东省", "CN"), ("4401", "广州市", "44")]
    tree += [("440106", "天河区", "4401"), ("440104", "越秀区", "4401")]
    for code, name, parent in tree:
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": int(level_of_code(code) or 0), "parent_id": parent}
        )


def open_task(case: Case, node: str) -> Task:
    """The case's one open task of ``node`` (fails the test if there is none)."""
    return Task.objects.get(
        process_id=case.process_id,
        flow_task=f"workflows/flows.CaseFlow.{node}",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


def open_nodes(case: Case) -> set[str]:
    return {
        t.flow_task.name
        for t in Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    }


BENEFIT_FIELDS: dict[str, Any] = {
    "benefit_type": "state_subsidy",
    "benefit_change": "add",
    "benefit_amount": "350.00",
    "benefit_start": dt.date(2026, 1, 1),
}


@pytest.fixture
def file_case(caseworker: User, subject: Subject) -> Callable[..., Case]:
    def file(
        kind: str = Kind.BENEFIT_CLAIM,
        *,
        departments: tuple[str, ...] = (Department.PUBLIC_SECURITY, Department.CIVIL_AFFAIRS),
        actor: User | None = None,
        subject_: Subject | None = None,
        **fields: Any,
    ) -> Case:
        if kind == Kind.BENEFIT_CLAIM and "benefit_type" not in fields:
            fields = {**BENEFIT_FIELDS, **fields}
        if kind == Kind.DATA_CORRECTION and "corrections" not in fields:
            fields = {"corrections": {"phone": "13800138000"}, "evidence": "户口簿复印件", **fields}
        fields.setdefault("duplicate_action", "continue")
        return actions.do_file_case(
            subject_ or subject,
            kind=kind,
            title="申请定期抚恤补助",
            actor=actor or caseworker,
            departments=departments,
            **fields,
        )

    return file


@pytest.fixture
def walk(caseworker: User, liaison_ps: User, liaison_ca: User, approver: User) -> Any:
    """Helpers that complete the case's tasks as the demo roles."""

    class Walk:
        def intake(self, case: Case) -> Case:
            return actions.do_review_intake(open_task(case, "intake"), actor=caseworker)

        def verify(self, case: Case, result: str = "confirmed", department: str = "public_security") -> None:
            actor = liaison_ps if department == "public_security" else liaison_ca
            actions.do_record_verification(
                open_task(case, f"verify_{department}"),
                actor=actor,
                result=result,
                note="核对户籍" if result != "confirmed" else "",
            )

        def verify_all(self, case: Case) -> Case:
            for department in case.departments:
                self.verify(case, department=department)
            case.refresh_from_db()
            return case

        def decide(self, case: Case, decision: str = "approve", **kw: Any) -> Case:
            kw.setdefault("reasons", "" if decision == "approve" else "材料不全")
            return actions.do_decide(open_task(case, "approve"), actor=approver, decision=decision, **kw)

    return Walk()
