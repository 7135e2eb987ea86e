"""Public-door fixtures: a person with a phone on file, their case, the SMS log and the texted codes."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from cases import actions as case_actions
from cases.models import Case, Kind, Outcome, Status
from jurisdictions.models import Department
from notifications.delivery import deliver_one
from notifications.models import Channel, Delivery, DeliveryStatus
from subjects import ids
from subjects.actions import do_register_subject
from subjects.models import Subject
from tests.conftest import COUNTY_A
from tests.letters.conftest import _letter_settings, issue, letterhead, signing_pair  # noqa: F401

PHONE = "13912345678"
_sequence = itertools.count(700)


@pytest.fixture(autouse=True)
def _sms_log(settings: Any, tmp_path: Path) -> Path:
    settings.LAUREL_SMS_BACKEND = "notifications.sms.FileSmsGateway"
    settings.LAUREL_SMS_LOG = tmp_path / "sms.log"
    return Path(settings.LAUREL_SMS_LOG)


@pytest.fixture
def texts(_sms_log: Path) -> Callable[[], list[dict[str, str]]]:
    """Send every waiting text (as the worker would) and return what the phones received."""
    from notifications.sms import FileSmsGateway

    def sent() -> list[dict[str, str]]:
        for pk in Delivery.objects.filter(channel=Channel.SMS, status=DeliveryStatus.PENDING).values_list(
            "pk", flat=True
        ):
            deliver_one(pk)
        return FileSmsGateway(_sms_log).messages()

    return sent


@pytest.fixture
def last_code(texts: Callable[[], list[dict[str, str]]]) -> Callable[[], str]:
    """The six-digit one-time code of the latest text."""

    def code() -> str:
        found = [m["text"] for m in texts() if "查询码" not in m["text"] and "Query code" not in m["text"]]
        for text in reversed(found):
            match = re.search(r"(?<!\d)(\d{6})(?!\d)", text)
            if match:
                return match.group(1)
        raise AssertionError(f"no one-time code among {found}")

    return code


def new_id(division: str = COUNTY_A) -> str:
    n = next(_sequence)
    return ids.build(division, dt.date(1952, 3, 1) + dt.timedelta(days=n * 13), n % 1000)


@pytest.fixture
def person_id() -> str:
    return new_id()


@pytest.fixture
def person(db: Any, person_id: str) -> Subject:
    return do_register_subject(
        division=COUNTY_A, id_number=person_id, name="赵卫国", actor=None, category="retired_soldier", phone=PHONE
    )


@pytest.fixture
def case(person: Subject, caseworker: User) -> Case:
    return case_actions.do_file_case(
        person,
        kind=Kind.BENEFIT_CLAIM,
        title="申请定期抚恤补助",
        actor=caseworker,
        departments=[Department.PUBLIC_SECURITY],
        benefit_type="state_subsidy",
        benefit_change="add",
        benefit_amount=Decimal("350.00"),
        benefit_start=dt.date(2026, 1, 1),
        duplicate_action="continue",
    )


@pytest.fixture
def closed(approver: User) -> Callable[[Case], Case]:
    """The case decided (rejected) and closed, set directly: the flow itself is tested in tests/cases."""

    def close(case: Case) -> Case:
        Case.objects.filter(pk=case.pk).update(
            status=Status.CLOSED,
            outcome=Outcome.REJECTED,
            outcome_reasons="不符合条件。",
            legal_basis="《军人抚恤优待条例》第三十条",
            decided_by=approver,
            decided_at=timezone.now(),
            closed_at=timezone.now(),
            due_at=None,
        )
        return Case.objects.select_related("subject").get(pk=case.pk)

    return close


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    return make_user("approver", "approver", COUNTY_A)
