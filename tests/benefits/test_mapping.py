"""The data migration maps today's state_pension/state_subsidy to the statute's kinds."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

import pytest
from django.apps import apps

from subjects.actions import do_add_benefit
from subjects.models import Benefit, Category, Subject

pytestmark = pytest.mark.django_db


def test_survivors_get_the_periodic_pension_others_the_disability_pension_and_subsidies_the_living_subsidy(
    make_subject: Callable[..., Subject],
) -> None:
    survivor = make_subject(category=Category.MARTYR_SURVIVOR)
    militia = make_subject(category=Category.DISABLED_MILITIA)

    def add(subject: Subject, benefit_type: str) -> Benefit:
        return do_add_benefit(
            subject,
            benefit_type=benefit_type,
            amount="100",
            start=dt.date(2020, 1, 1),
            actor=None,
            provenance="caseworker_entry",
        )

    pension, disability, subsidy, dibao = (
        add(survivor, "state_pension"),
        add(militia, "state_pension"),
        add(militia, "state_subsidy"),
        add(militia, "dibao"),
    )
    migration = importlib.import_module("benefits.migrations.0002_map_legacy_benefit_types")
    migration.forwards(apps, None)
    types = {b.pk: b.benefit_type for b in Benefit.objects.all()}
    assert types == {
        pension.pk: "periodic_pension",
        disability.pk: "disability_pension",
        subsidy.pk: "living_subsidy",
        dibao.pk: "dibao",
    }
    migration.backwards(apps, None)
    assert Benefit.objects.get(pk=subsidy.pk).benefit_type == "state_subsidy"


def test_the_demo_seeds_benefits_by_rule_a_death_with_its_grant_and_recovery_and_a_suspension(
    make_subject: Callable[..., Subject],
) -> None:
    from freezegun import freeze_time

    from benefits.models import Entitlement, LineKind, MonthlyLine, RecoveryItem
    from demo.management.commands.seed_demo import _seed_benefits

    for _ in range(4):
        make_subject()
    with freeze_time("2025-09-10"):
        _seed_benefits()
        _seed_benefits()  # a rerun adds nothing
    assert Entitlement.objects.count() == 4
    assert sorted(Entitlement.objects.values_list("status", flat=True)) == ["active", "active", "ended", "suspended"]
    assert MonthlyLine.objects.filter(kind=LineKind.CONTINUATION).count() == 1
    assert RecoveryItem.objects.get().months == 2
