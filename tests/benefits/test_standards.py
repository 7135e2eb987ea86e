"""Standards as data: the loader, the lookup, the amounts by rule and the refusal of sample figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from benefits import rules
from benefits.loading import do_load_benefit_standards
from benefits.models import BenefitStandard, RegionalBase
from subjects.models import BenefitType

pytestmark = pytest.mark.django_db
JAN = dt.date(2025, 1, 1)
HEADER = (
    "table,benefit_type,category,grade,cause,care_level,region,effective_from,effective_to,"
    "formula,amount,percent,base,article,sample\n"
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "standards.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_the_shipped_sample_file_loads_and_a_rerun_changes_nothing(standards: None) -> None:
    from tests.benefits.conftest import SAMPLE

    assert BenefitStandard.objects.filter(is_sample=True).count() == 16
    assert RegionalBase.objects.count() == 4
    again = do_load_benefit_standards(SAMPLE, actor=None)
    assert (again.standards, again.bases, again.unchanged, again.errors) == (0, 0, 20, [])


def test_an_overlapping_period_is_refused_naming_line_and_column_and_nothing_is_saved(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "standard,living_subsidy,,,,,,2025-01-01,,fixed,1000,,,第六十二条,示例\n"
        "standard,living_subsidy,,,,,,2025-06-01,,fixed,1100,,,第六十二条,示例\n",
    )
    with translation.override("zh-hans"):
        result = do_load_benefit_standards(path, actor=None)
    assert [(line, column) for line, column, _ in result.errors] == [(3, "effective_from")]
    assert "重叠" in result.errors[0][2]
    assert not BenefitStandard.objects.exists()


def test_an_unknown_formula_kind_is_refused(tmp_path: Path) -> None:
    result = do_load_benefit_standards(
        write(tmp_path, "standard,living_subsidy,,,,,,2025-01-01,,magic,1000,,,第六十二条,示例\n"), actor=None
    )
    assert [(line, column) for line, column, _ in result.errors] == [(2, "formula")]
    assert "magic" in result.errors[0][2]
    assert not BenefitStandard.objects.exists()


def test_a_periodic_pension_is_the_fixed_amount_of_its_category(standards: None) -> None:
    terms = rules.Terms(BenefitType.PERIODIC_PENSION, category="martyr_survivor", division="440106")
    amount = rules.compute(terms, JAN)
    assert amount.amount == Decimal("2380.00")
    assert amount.article == "第十九条"


def test_a_disability_pension_matches_grade_and_cause_before_the_open_row(standards: None) -> None:
    graded = rules.Terms(BenefitType.DISABILITY_PENSION, grade="4", cause="war", division="440106")
    other = rules.Terms(BenefitType.DISABILITY_PENSION, grade="9", cause="duty", division="440106")
    assert rules.compute(graded, JAN).amount == Decimal("4520.00")
    assert rules.compute(other, JAN).amount == Decimal("1500.00")


def test_the_care_allowance_is_a_share_of_the_regional_base_that_depends_on_the_region(standards: None) -> None:
    guangzhou = rules.Terms(BenefitType.CARE_ALLOWANCE, care_level="1", division="440106")
    shenzhen = rules.Terms(BenefitType.CARE_ALLOWANCE, care_level="1", division="440303")
    beijing = rules.Terms(BenefitType.CARE_ALLOWANCE, care_level="4", division="110101")
    assert rules.compute(guangzhou, JAN).amount == Decimal("6300.00")  # 50 % of 广州's 12600
    assert rules.compute(shenzhen, JAN).amount == Decimal("5100.00")  # 50 % of 广东's 10200
    assert rules.compute(beijing, JAN).amount == Decimal("4200.00")  # 25 % of 北京's 16800


def test_a_living_subsidy_has_its_statutory_article(standards: None) -> None:
    assert rules.compute(rules.Terms(BenefitType.LIVING_SUBSIDY, division="440106"), JAN).article == "第六十二条"


def test_production_refuses_to_pay_from_sample_figures(standards: None, settings) -> None:
    settings.LAUREL_ALLOW_SAMPLE_STANDARDS = False
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        rules.compute(rules.Terms(BenefitType.LIVING_SUBSIDY, division="440106"), JAN)
    assert "示例" in str(refused.value.message_dict["standard"])


def test_production_pays_from_official_rows(tmp_path: Path, settings) -> None:
    settings.LAUREL_ALLOW_SAMPLE_STANDARDS = False
    do_load_benefit_standards(
        write(tmp_path, "standard,living_subsidy,,,,,,2025-01-01,,fixed,1000,,,第六十二条,正式\n"), actor=None
    )
    assert rules.compute(rules.Terms(BenefitType.LIVING_SUBSIDY, division="440106"), JAN).amount == Decimal("1000.00")


def test_effective_months_follow_articles_19_and_27() -> None:
    approved, confirmed = dt.date(2025, 5, 20), dt.date(2025, 3, 3)
    assert rules.effective_month(BenefitType.PERIODIC_PENSION, approved_on=approved, confirmed_on=confirmed) == dt.date(
        2025, 3, 1
    )
    assert rules.effective_month(
        BenefitType.DISABILITY_PENSION, approved_on=approved, confirmed_on=confirmed
    ) == dt.date(2025, 5, 1)


def test_production_refuses_to_pay_a_month_from_sample_figures(standards: None, make_subject, settings) -> None:
    import datetime as _dt

    from freezegun import freeze_time

    from benefits import actions

    with freeze_time("2025-03-10"):
        actions.do_award_benefit(make_subject(), benefit_type=BenefitType.LIVING_SUBSIDY, approved_on=JAN, actor=None)
    settings.LAUREL_ALLOW_SAMPLE_STANDARDS = False
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        actions.do_pay_month(_dt.date(2025, 4, 1))
    assert "示例" in str(refused.value.message_dict["standard"])


def test_the_monthly_job_is_registered_and_pays_the_current_month(standards: None, make_subject) -> None:
    from freezegun import freeze_time

    from benefits import actions
    from benefits.models import MonthlyLine
    from core.jobs import periodic_jobs, task_named

    assert "benefits_pay_month" in {job.name for job in periodic_jobs()}
    with freeze_time("2025-03-10"):
        actions.do_award_benefit(make_subject(), benefit_type=BenefitType.LIVING_SUBSIDY, approved_on=JAN, actor=None)
    with freeze_time("2025-04-02"):
        assert task_named("benefits.tasks.pay_month").call("slot") == 1
    assert MonthlyLine.objects.filter(month="2025-04-01").count() == 1
