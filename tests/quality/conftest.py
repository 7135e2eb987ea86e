"""Quality review fixtures: closed decisions of a month in two counties, and the reviewers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from cases import actions
from cases.models import Case, Kind, Outcome, Status
from subjects.models import Subject
from tests.cases.conftest import make_subject, subject  # noqa: F401 (fixtures)
from tests.conftest import CITY, COUNTY_A, PROVINCE

# Decisions closed in October 2026; the draw runs in November.
CLOSED_AT = dt.datetime(2026, 10, 12, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
NOVEMBER = "2026-11-15 10:00:00+08:00"


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    return make_user("approver", "approver", COUNTY_A)


@pytest.fixture
def reviewer(make_user: Callable[..., User]) -> User:
    """A supervisor of the city: the level above the counties."""
    return make_user("reviewer", "supervisor", CITY)


@pytest.fixture
def county_supervisor(make_user: Callable[..., User]) -> User:
    return make_user("county_supervisor", "supervisor", COUNTY_A)


@pytest.fixture
def province_supervisor(make_user: Callable[..., User]) -> User:
    return make_user("province_supervisor", "supervisor", PROVINCE)


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user("outsider", "supervisor", "1101")


@pytest.fixture
def closed_decision(
    caseworker: User,
    approver: User,
    make_subject: Callable[..., Subject],  # noqa: F811
) -> Callable[..., Case]:
    """A grievance filed by the caseworker, decided by the approver and closed with ``outcome`` at ``closed_at``."""

    def make(
        division: str = COUNTY_A,
        *,
        outcome: str = Outcome.APPROVED,
        closed_at: dt.datetime = CLOSED_AT,
        filed_by: User | None = None,
        **kw: Any,
    ) -> Case:
        case = actions.do_file_case(
            make_subject(division),
            kind=Kind.GRIEVANCE,
            title="反映优待金未发放",
            actor=filed_by or caseworker,
            duplicate_action="continue",
        )
        status = Status.WITHDRAWN if outcome == Outcome.WITHDRAWN else Status.CLOSED
        Case.objects.filter(pk=case.pk).update(
            status=status, outcome=outcome, closed_at=closed_at, decided_by=approver, decided_at=closed_at, **kw
        )
        case.refresh_from_db()
        return case

    return make


def today() -> dt.date:
    return timezone.localdate()
