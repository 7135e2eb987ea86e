"""Forms of the policy base's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working = forms.TypedChoiceField(
        label=_("Type of day"),
        choices=[("0", _("Public holiday (no work)")), ("1", _("Working day (调休)"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
