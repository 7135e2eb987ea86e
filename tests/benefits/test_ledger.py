"""Awards by rule, stored monthly lines, and a yearly standard change recomputing every affected benefit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from accounts.models import User
from benefits import actions
from benefits.models import BenefitStandard, LineKind, MonthlyLine, RecoveryCause, RecoveryItem
from core.errors import Forbidden
from subjects.models import BenefitType, Category, Subject

pytestmark = pytest.mark.django_db


def months(entitlement) -> list[tuple[str, str, Decimal]]:
    return [(f"{line.month:%Y-%m}", line.kind, line.amount) for line in entitlement.lines.order_by("month", "id")]


@freeze_time("2025-04-15")
def test_an_award_computes_the_amount_and_stores_a_line_per_month_from_the_effective_month(
    standards: None, make_subject: Callable[..., Subject]
) -> None:
    person = make_subject(category=Category.MARTYR_SURVIVOR)
    entitlement = actions.do_award_benefit(
        person,
        benefit_type=BenefitType.PERIODIC_PENSION,
        approved_on=dt.date(2025, 4, 10),
        confirmed_on=dt.date(2025, 2, 20),
        actor=None,
        source_ref="C-1",
    )
    assert entitlement.monthly_amount == Decimal("2380.00")
    assert entitlement.benefit.amount == Decimal("2380.00")
    assert months(entitlement) == [(m, "regular", Decimal("2380.00")) for m in ("2025-02", "2025-03", "2025-04")]
    assert {line.article for line in entitlement.lines.all()} == {"第十九条"}


@freeze_time("2025-04-15")
def test_a_month_is_paid_once_for_every_active_benefit(standards: None, make_subject: Callable[..., Subject]) -> None:
    person = make_subject()
    entitlement = actions.do_award_benefit(
        person, benefit_type=BenefitType.LIVING_SUBSIDY, approved_on=dt.date(2025, 4, 1), actor=None
    )
    assert actions.do_pay_month(dt.date(2025, 5, 1)) == 1
    assert actions.do_pay_month(dt.date(2025, 5, 1)) == 0
    assert months(entitlement)[-1] == ("2025-05", "regular", Decimal("1050.00"))


@freeze_time("2025-08-15")
def test_a_mid_year_standard_change_produces_arrears_from_its_month(
    standards: None, make_subject: Callable[..., Subject], nation_approver: User
) -> None:
    people = [make_subject() for _ in range(3)]
    awarded = [
        actions.do_award_benefit(
            p, benefit_type=BenefitType.LIVING_SUBSIDY, approved_on=dt.date(2025, 5, 2), actor=None
        )
        for p in people
    ]
    old = BenefitStandard.objects.get(benefit_type=BenefitType.LIVING_SUBSIDY)
    new = actions.do_change_standard(
        old, effective_from=dt.date(2025, 7, 1), amount="1150", actor=nation_approver, reason="粤退役军人发〔2025〕1号"
    )
    old.refresh_from_db()
    assert old.effective_to == dt.date(2025, 6, 30)
    assert new.supersedes == old and not new.is_sample
    for entitlement in awarded:
        entitlement.refresh_from_db()
        assert entitlement.standard == new and entitlement.monthly_amount == Decimal("1150.00")
        assert entitlement.benefit.amount == Decimal("1150.00")
        arrears = [row for row in months(entitlement) if row[1] == LineKind.ARREARS]
        assert arrears == [("2025-07", "arrears", Decimal("100.00")), ("2025-08", "arrears", Decimal("100.00"))]
    assert MonthlyLine.objects.filter(kind=LineKind.ARREARS, article="第六十二条", standard=new).count() == 6
    # Next month pays the new figure.
    actions.do_pay_month(dt.date(2025, 9, 1))
    assert months(awarded[0])[-1] == ("2025-09", "regular", Decimal("1150.00"))


@freeze_time("2025-08-15")
def test_a_lower_standard_applied_to_paid_months_is_an_overpayment_to_recover(
    standards: None, make_subject: Callable[..., Subject], nation_approver: User
) -> None:
    person = make_subject()
    entitlement = actions.do_award_benefit(
        person, benefit_type=BenefitType.LIVING_SUBSIDY, approved_on=dt.date(2025, 6, 2), actor=None
    )
    old = BenefitStandard.objects.get(benefit_type=BenefitType.LIVING_SUBSIDY)
    actions.do_change_standard(
        old, effective_from=dt.date(2025, 8, 1), amount="1000", actor=nation_approver, reason="更正"
    )
    assert months(entitlement)[-1] == ("2025-08", "recovery", Decimal("-50.00"))
    item = RecoveryItem.objects.get(subject=person)
    assert (item.cause, item.months, item.amount) == (RecoveryCause.WRONG_STANDARD, 1, Decimal("50.00"))


@freeze_time("2025-08-15")
def test_a_regional_base_standard_change_recomputes_each_region_with_its_own_base(
    standards: None, make_subject: Callable[..., Subject], nation_approver: User
) -> None:
    guangzhou = actions.do_award_benefit(
        make_subject("440106"),
        benefit_type=BenefitType.CARE_ALLOWANCE,
        care_level="2",
        approved_on=dt.date(2025, 8, 1),
        actor=None,
    )
    assert guangzhou.monthly_amount == Decimal("5040.00")  # 40 % of 12600
    old = BenefitStandard.objects.get(benefit_type=BenefitType.CARE_ALLOWANCE, care_level="2")
    actions.do_change_standard(old, effective_from=dt.date(2025, 8, 1), percent="45", actor=nation_approver, reason="x")
    guangzhou.refresh_from_db()
    assert guangzhou.monthly_amount == Decimal("5670.00")
    assert months(guangzhou)[-1] == ("2025-08", "arrears", Decimal("630.00"))


def test_only_a_nation_approver_changes_a_standard(standards: None, county_approver: User) -> None:
    old = BenefitStandard.objects.get(benefit_type=BenefitType.LIVING_SUBSIDY)
    with pytest.raises(Forbidden):
        actions.do_change_standard(
            old, effective_from=dt.date(2025, 7, 1), amount="1", actor=county_approver, reason="x"
        )


def test_a_change_before_the_standard_starts_is_refused(standards: None, nation_approver: User) -> None:
    old = BenefitStandard.objects.get(benefit_type=BenefitType.LIVING_SUBSIDY)
    with pytest.raises(ValidationError) as refused:
        actions.do_change_standard(
            old, effective_from=dt.date(2024, 7, 1), amount="1", actor=nation_approver, reason="x"
        )
    assert "effective_from" in refused.value.message_dict
