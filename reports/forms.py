"""Forms of the reports pages (validation of input only; actions decide)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import PeriodKind


class PeriodForm(forms.Form):
    key = forms.SlugField(
        label=pgettext_lazy("period", "Key"), max_length=16, help_text=_("For example 2026-11 or phase-1.")
    )
    name = forms.CharField(label=_("Name"), max_length=64)
    kind = forms.ChoiceField(label=pgettext_lazy("period", "Kind"), choices=PeriodKind.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    county_due = forms.DateField(label=_("Counties submit by"), widget=forms.DateInput(attrs={"type": "date"}))
    province_due = forms.DateField(label=_("Provinces submit by"), widget=forms.DateInput(attrs={"type": "date"}))


class AnalysisForm(forms.Form):
    analysis = forms.CharField(
        label=_("Analysis"), widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20_000
    )


class ReturnForm(forms.Form):
    comments = forms.CharField(
        label=_("What must be corrected"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5_000
    )
