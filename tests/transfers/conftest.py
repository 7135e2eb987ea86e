"""Transfer fixtures: a survivor in 天河区 paid from January, the two counties' approvers, the 兵团."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time

from accounts.models import User
from benefits import actions as benefit_actions
from benefits import rosters
from benefits.models import Entitlement
from subjects.models import BenefitType, Category, Subject
from tests.benefits.conftest import SAMPLE, standards  # noqa: F401  (fixture)
from tests.conftest import COUNTY_A
from tests.jurisdictions.conftest import web_as  # noqa: F401  (fixture)
from tests.subjects.conftest import make_subject, new_id, subject_a  # noqa: F401  (fixtures)

# 北京市东城区: another province.
BEIJING = "110101"
SHIHEZI = "659001"  # 石河子市 (a 65-coded unit of the 兵团's 第八师, 6608)


@pytest.fixture
def approver_a(make_user: Callable[..., User]) -> User:
    return make_user("approver_a", "approver", COUNTY_A)


@pytest.fixture
def approver_beijing(make_user: Callable[..., User]) -> User:
    return make_user("approver_bj", "approver", BEIJING)


@pytest.fixture
def caseworker_beijing(make_user: Callable[..., User]) -> User:
    return make_user("caseworker_bj", "caseworker", BEIJING)


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """A supervisor in 上海: neither side of any transfer here."""
    return make_user("outsider", "supervisor", "31")


@pytest.fixture
def pensioner(standards: None, make_subject: Callable[..., Subject]) -> Entitlement:  # noqa: F811
    """A martyr's survivor in 天河区, paid from January 2026, with a bank account; lines stored to March."""
    with freeze_time("2026-01-10"):
        entitlement = benefit_actions.do_award_benefit(
            make_subject(COUNTY_A, category=Category.MARTYR_SURVIVOR, name="赵六"),
            benefit_type=BenefitType.PERIODIC_PENSION,
            approved_on=dt.date(2026, 1, 2),
            actor=None,
        )
        entitlement = rosters.do_set_account(entitlement, account="6222020200112233445", actor=None, reason="开户")
    for month in (2, 3):
        with freeze_time(f"2026-{month:02d}-03"):
            benefit_actions.do_pay_month(dt.date(2026, month, 1))
    return entitlement


def propose_body(to: str = BEIJING, **extra: Any) -> dict[str, Any]:
    return {"to": to, "reason": "户籍迁往北京市东城区", "effective_month": "2026-04", **extra}
