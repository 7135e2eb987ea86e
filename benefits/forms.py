from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SuspendReason


class ChangeStandardForm(forms.Form):
    effective_from = forms.DateField(label=_("New figure from (first day of a month)"))
    amount = forms.DecimalField(label=_("Monthly amount (yuan)"), required=False, min_value=0, decimal_places=2)
    percent = forms.DecimalField(label=_("Percentage"), required=False, min_value=0, max_value=100, decimal_places=2)
    reason = forms.CharField(label=_("Document that sets the figure"), max_length=255)


class SuspendForm(forms.Form):
    # Flagging problem data is the county's own step; the Art. 59 reasons go through a case the
    # province approves (the page's buttons open one).
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[(SuspendReason.PROBLEM_DATA.value, SuspendReason.PROBLEM_DATA.label)]
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ResumeForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class DecideRecoveryForm(forms.Form):
    to_recover = forms.DecimalField(label=_("Amount to recover (yuan)"), min_value=0, decimal_places=2)
    instalments = forms.IntegerField(label=_("Instalments"), min_value=1, max_value=120, initial=1)
    reason = forms.CharField(label=_("Reason for any waiver"), max_length=255, required=False)


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount repaid (yuan)"), min_value=0, decimal_places=2)
    paid_on = forms.DateField(label=_("Paid on"))
