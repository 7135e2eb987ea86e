from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RecoveryPlan, SuspendReason


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


class RecoveryCaseForm(forms.Form):
    """The proposal of a recovery case filed from an overpayment (its approval decides, Art. 58). The
    older decision form posted ``to_recover``, ``instalments`` and ``reason`` only: the plan follows
    from them when it is missing (:meth:`plan_of`)."""

    plan = forms.ChoiceField(label=_("Proposed decision"), choices=RecoveryPlan.choices, required=False)
    to_recover = forms.DecimalField(
        label=_("Amount to recover (yuan)"), min_value=0, decimal_places=2, max_digits=12, required=False
    )
    instalments = forms.IntegerField(label=_("Instalments"), min_value=1, max_value=120, required=False)
    first_month = forms.DateField(
        label=_("First instalment month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    reason = forms.CharField(label=_("Reason for any waiver"), max_length=255, required=False)

    def plan_of(self, overpaid: Decimal) -> str:
        data = self.cleaned_data
        if data.get("plan"):
            return str(data["plan"])
        amount, count = data.get("to_recover"), data.get("instalments") or 1
        if amount is not None and amount < overpaid:
            return RecoveryPlan.WAIVER.value
        return RecoveryPlan.INSTALMENTS.value if count > 1 else RecoveryPlan.FULL.value


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount repaid (yuan)"), min_value=0, decimal_places=2)
    paid_on = forms.DateField(label=_("Paid on"))
