"""The case list's filters (API query parameters; see ``core.filters``)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from jurisdictions.models import Department

from . import nodes
from .models import Case, Kind, Status
from .queries import CASE_SORTS, DEFAULT_CASE_SORT, SORTS


def stage_choices() -> list[tuple[str, str]]:
    return [
        (nodes.INTAKE, str(_("Intake review"))),
        (nodes.APPROVE, str(_("Approval"))),
        (nodes.PROVINCE_APPROVE, str(_("Approval by the province"))),
        (nodes.CORRECT, str(_("Correct and resubmit"))),
        *[(nodes.verify_node(code), str(label)) for code, label in Department.choices],
    ]


class CaseFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label="Status.")
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label="Kind of case.")
    stage = django_filters.ChoiceFilter(choices=stage_choices, label="Cases with an open task at this step.")
    overdue = django_filters.BooleanFilter(label="Only cases past their deadline.")
    township = django_filters.CharFilter(max_length=12, label="Division code of the case.")
    assignee = django_filters.CharFilter(max_length=150, label="Username holding an open task.")
    q = django_filters.CharFilter(max_length=40, label="Case number, subject name or full ID number.")
    sort = django_filters.ChoiceFilter(
        choices=[(key, key) for key in CASE_SORTS],
        label=f"Order (default `{DEFAULT_CASE_SORT}`): `filed`, `number` or `due` (cases without a due date last), "
        "`-` for descending. Cursors belong to the order they were given in.",
    )
    after = django_filters.CharFilter(max_length=80, label="Cursor from the previous page's `next`.")
    before = django_filters.CharFilter(max_length=80, label="Cursor from a page's `previous`: the page before it.")

    class Meta:
        model = Case
        fields: list[str] = []


class TaskFilterSet(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(
        choices=[("mine", "mine"), ("queue", "queue")],
        label="`mine`: the caller's tasks (the default); `queue`: unclaimed tasks of the caller's team.",
    )
    sort = django_filters.ChoiceFilter(choices=[(key, key) for key in SORTS], label="Order (default `waiting`).")
    department = django_filters.ChoiceFilter(choices=Department.choices, label="Queue: only this department's.")

    class Meta:
        model = Case  # the filters are applied by cases.queries, not to a model's fields
        fields: list[str] = []
