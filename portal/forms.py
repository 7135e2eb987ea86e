from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LookupForm(forms.Form):
    case = forms.CharField(
        label=_("Case number or query code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    id_last6 = forms.CharField(
        label=_("Last six characters of your ID number"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "size": 8}),
    )


class CodeForm(LookupForm):
    sms_code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["case"].widget = forms.HiddenInput()
        self.fields["id_last6"].widget = forms.HiddenInput()


SCORES = [
    (5, _("Very satisfied")),
    (4, _("Satisfied")),
    (3, _("Neither satisfied nor dissatisfied")),
    (2, _("Dissatisfied")),
    (1, _("Very dissatisfied")),
]


class RateForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput())
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the handling?"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
