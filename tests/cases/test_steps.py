"""Steps that are not a case's (``core.steps``) are listed, worked and counted like every task."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from viewflow.workflow.status import STATUS

from accounts.models import User
from audit.models import AuditEvent
from cases import queries
from cases.actions.sla import scan_steps
from core import steps
from jurisdictions.models import Division
from jurisdictions.perms import APPROVE_CASES
from tests.conftest import CITY, COUNTY_A, COUNTY_B

from .test_views import logged_in

pytestmark = pytest.mark.django_db

KIND = "test_sign_off"
EXACT = "test_sign_off_here"
REACTED: list[int] = []


def _kind(name: str, *, exact: bool = False) -> steps.StepKind:
    return steps.StepKind(
        name=name,
        codename=APPROVE_CASES,
        label="签发",
        title=lambda params: f"签发 {params.get('what', '')}",
        url=lambda task: f"/somewhere/{task.pk}/",
        exact=exact,
        overdue=lambda task: REACTED.append(int(task.pk)),
    )


@pytest.fixture(autouse=True)
def _kinds() -> Iterator[None]:
    steps.register(_kind(KIND))
    steps.register(_kind(EXACT, exact=True))
    REACTED.clear()
    yield
    steps._KINDS.pop(KIND, None)
    steps._KINDS.pop(EXACT, None)


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    return make_user("approver_a", "approver", COUNTY_A)


@pytest.fixture
def city_approver(make_user: Callable[..., User]) -> User:
    return make_user("approver_city", "approver", CITY)


@pytest.fixture
def approver_b(make_user: Callable[..., User]) -> User:
    return make_user("approver_b", "approver", COUNTY_B)


def _open(kind: str = KIND, *, due: datetime.date | None = None, not_by: tuple[Any, ...] = ()) -> Any:
    about = Division.objects.get(code=COUNTY_A)
    return steps.open_step(kind, about, division=COUNTY_A, due=due, params={"what": "五月花名册"}, not_by=not_by)


def _queue(user: User) -> list[int]:
    return [int(t.pk) for t in queries.queue_tasks(user)]


def test_an_opened_step_is_in_the_queue_of_those_who_may_work_on_it_at_its_body_and_above(
    approver: User, city_approver: User, approver_b: User
) -> None:
    task = _open()
    assert task.status == STATUS.NEW
    assert _queue(approver) == [task.pk]
    assert _queue(city_approver) == [task.pk]
    assert _queue(approver_b) == []


def test_an_exact_step_is_only_for_holders_at_its_very_body(approver: User, city_approver: User) -> None:
    task = _open(EXACT)
    assert _queue(approver) == [task.pk]
    assert _queue(city_approver) == []


def test_a_step_is_never_listed_for_the_person_it_names_as_not_allowed(approver: User, city_approver: User) -> None:
    task = _open(not_by=(approver.pk,))
    assert _queue(approver) == []
    assert _queue(city_approver) == [task.pk]


def test_the_task_api_lists_a_step_with_what_it_is_about_where_it_is_worked_and_when_it_is_due(
    api_as: Callable[[User], Any], approver: User, approver_b: User
) -> None:
    task = _open(due=datetime.date(2026, 5, 20))
    rows = api_as(approver).get("/api/v1/tasks/?scope=queue").json()
    assert [r["id"] for r in rows] == [task.pk]
    assert rows[0]["case"] is None
    assert rows[0]["label"] == "签发"
    assert rows[0]["step"] == {
        "kind": KIND,
        "title": "签发 五月花名册",
        "url": f"/somewhere/{task.pk}/",
        "division": COUNTY_A,
        "due": "2026-05-20",
    }
    assert api_as(approver_b).get("/api/v1/tasks/?scope=queue").json() == []


def test_the_task_endpoints_of_cases_do_not_serve_a_step(api_as: Callable[[User], Any], approver: User) -> None:
    task = _open()
    assert api_as(approver).post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 404


def test_the_inbox_queue_shows_a_step_with_a_link_to_its_page(client: Any, approver: User) -> None:
    task = _open(due=timezone.localdate() - datetime.timedelta(days=3))
    logged_in(client, approver)
    page = client.get(reverse("cases:inbox") + "?scope=queue").content.decode()
    assert "签发 五月花名册" in page
    assert f'href="/somewhere/{task.pk}/"' in page
    assert "badge overdue" in page


def test_closing_a_step_completes_its_task_and_takes_it_off_the_lists(approver: User) -> None:
    task = _open()
    about = Division.objects.get(code=COUNTY_A)
    assert steps.close_step(about, KIND, actor=approver) == 1
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert task.owner_id == approver.pk
    assert task.process.status == STATUS.DONE
    assert _queue(approver) == []
    assert steps.close_step(about, KIND, actor=approver) == 0


def test_a_step_whose_need_went_away_is_cancelled(approver: User) -> None:
    task = _open()
    assert steps.cancel_steps(Division.objects.get(code=COUNTY_A), KIND) == 1
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED
    assert _queue(approver) == []


def test_opening_a_step_of_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(LookupError):
        steps.open_step("no_such_step", Division.objects.get(code=COUNTY_A), division=COUNTY_A)


def test_the_sla_scan_counts_an_overdue_step_and_reacts_once_per_due_date() -> None:
    with freeze_time("2026-05-18 09:00:00+08:00"):  # a Monday
        due = timezone.localdate() - datetime.timedelta(days=1)
        task = _open(due=due)
        _open(due=timezone.localdate() + datetime.timedelta(days=5))  # not yet due
        first = scan_steps(timezone.now())
        again = scan_steps(timezone.now())
    assert first == {"steps_overdue": 1, "steps_announced": 1}
    assert again == {"steps_overdue": 1, "steps_announced": 0}
    assert [task.pk] == REACTED
    event = AuditEvent.objects.get(event_type="step.overdue")
    assert event.data == {"step": KIND, "due": due.isoformat()}
    assert event.division_code == COUNTY_A


def test_a_closed_step_is_no_longer_counted_by_the_scan(approver: User) -> None:
    with freeze_time("2026-05-18 09:00:00+08:00"):
        _open(due=timezone.localdate() - datetime.timedelta(days=1))
        steps.close_step(Division.objects.get(code=COUNTY_A), KIND, actor=approver)
        assert scan_steps(timezone.now()) == {"steps_overdue": 0, "steps_announced": 0}
