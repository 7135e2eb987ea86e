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
