"""The monthly draw: a share of each county's closed decisions, reproducible from its seed and recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from freezegun import freeze_time

from audit.models import AuditEvent
from cases.models import Case, Outcome
from quality.actions import do_draw_quality_sample, draw, sample_size
from quality.models import QualityReview, QualitySample
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import CLOSED_AT, NOVEMBER

OCTOBER = dt.date(2026, 10, 1)


def test_the_share_is_rounded_up_with_a_minimum_and_never_more_than_all() -> None:
    assert sample_size(100, Decimal("0.05"), 3) == 5
    assert sample_size(41, Decimal("0.05"), 3) == 3
    assert sample_size(2, Decimal("0.05"), 3) == 2
    assert sample_size(0, Decimal("0.05"), 3) == 0


def test_the_same_seed_draws_the_same_ids_whatever_order_the_population_comes_in() -> None:
    ids = list(range(1, 201))
    first = draw(ids, seed=42, unit=COUNTY_A, share=Decimal("0.05"), minimum=3)
    again = draw(list(reversed(ids)), seed=42, unit=COUNTY_A, share=Decimal("0.05"), minimum=3)
    other = draw(ids, seed=43, unit=COUNTY_A, share=Decimal("0.05"), minimum=3)
    assert first == again
    assert len(first) == 10
    assert first != other


@pytest.mark.django_db
def test_a_month_is_drawn_per_county_recorded_and_reproducible_from_its_seed(
    closed_decision: Callable[..., Case], settings: object
) -> None:
    settings.LAUREL_QUALITY_SHARE = 0.1  # type: ignore[attr-defined]
    settings.LAUREL_QUALITY_MINIMUM = 2  # type: ignore[attr-defined]
    in_a = [closed_decision(COUNTY_A, outcome=Outcome.APPROVED if i % 2 else Outcome.REJECTED) for i in range(25)]
    in_b = [closed_decision(COUNTY_B) for _ in range(3)]
    closed_decision(COUNTY_A, outcome=Outcome.WITHDRAWN)  # not a decision
    closed_decision(COUNTY_A, closed_at=CLOSED_AT + dt.timedelta(days=30))  # November

    with freeze_time(NOVEMBER):
        samples = do_draw_quality_sample(OCTOBER, seed=2026, actor=None)

    by_unit = {s.division_id: s for s in samples}
    assert set(by_unit) == {COUNTY_A, COUNTY_B}
    sample_a = by_unit[COUNTY_A]
    assert sample_a.population_size == 25
    assert sample_a.population_ids == sorted(c.pk for c in in_a)
    assert len(sample_a.drawn_ids) == 3  # 10 % of 25, rounded up
    assert sample_a.seed == 2026 and sample_a.month == OCTOBER
    assert len(by_unit[COUNTY_B].drawn_ids) == 2  # at least two
    assert set(by_unit[COUNTY_B].drawn_ids) <= {c.pk for c in in_b}
    assert sorted(QualityReview.objects.filter(sample=sample_a).values_list("case_id", flat=True)) == sample_a.drawn_ids
    assert AuditEvent.objects.filter(event_type="quality.sample_drawn").count() == 2

    # Drawn again from the recorded seed, the same decisions come out.
    recorded = {s.division_id: s.drawn_ids for s in samples}
    QualityReview.objects.all().delete()
    QualitySample.objects.all().delete()
    with freeze_time(NOVEMBER):
        again = do_draw_quality_sample(OCTOBER, seed=2026, actor=None)
    assert {s.division_id: s.drawn_ids for s in again} == recorded


@pytest.mark.django_db
def test_a_second_draw_of_a_month_leaves_the_counties_drawn_already(closed_decision: Callable[..., Case]) -> None:
    closed_decision(COUNTY_A)
    with freeze_time(NOVEMBER):
        do_draw_quality_sample(OCTOBER, seed=1, actor=None)
        closed_decision(COUNTY_B)
        second = do_draw_quality_sample(OCTOBER, seed=1, actor=None)
    assert [s.division_id for s in second] == [COUNTY_B]
    assert QualitySample.objects.filter(division_id=COUNTY_A).count() == 1


@pytest.mark.django_db
def test_a_month_not_yet_ended_cannot_be_drawn() -> None:
    with freeze_time(NOVEMBER), pytest.raises(ValidationError) as raised:
        do_draw_quality_sample(dt.date(2026, 11, 1), seed=1, actor=None)
    assert "month" in raised.value.message_dict


@pytest.mark.django_db
def test_the_command_draws_a_month_with_a_seed(
    closed_decision: Callable[..., Case], capsys: pytest.CaptureFixture[str]
) -> None:
    case = closed_decision(COUNTY_A)
    with freeze_time(NOVEMBER):
        call_command("draw_quality_sample", "--month", "2026-10", "--seed", "9")
    out = capsys.readouterr().out
    assert f"{COUNTY_A} 2026-10: 1 of 1" in out
    assert QualityReview.objects.get().case == case
