"""The subject list's filters (API query parameters; see ``core.filters``)."""

from __future__ import annotations

import django_filters

from .models import Category, Subject, SubjectStatus


class SubjectFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(max_length=64, label="Part of the name.")
    category = django_filters.ChoiceFilter(choices=Category.choices, label="Category.")
    status = django_filters.ChoiceFilter(choices=SubjectStatus.choices, label="Status.")
    township = django_filters.CharFilter(
        max_length=12, label="Township of the household registration or collection point."
    )
    division = django_filters.CharFilter(max_length=12, label="Division code (its subtree).")

    class Meta:
        model = Subject
        fields: list[str] = []
