from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


PURPOSES = [("access", _("See who read or changed my record")), ("declare", _("Declare a change to my record"))]


class PersonForm(forms.Form):
    id_number = forms.CharField(
        label=_("Your full ID number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    purpose = forms.ChoiceField(label=_("What would you like to do?"), choices=PURPOSES, widget=forms.RadioSelect)


class PersonCodeForm(PersonForm):
    sms_code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["id_number"].widget = forms.HiddenInput()
        self.fields["purpose"].widget = forms.HiddenInput()


CHANGES = [
    ("phone", _("My telephone number changed")),
    ("address", _("My address changed")),
    ("death", _("The person has died (declared by a family member)")),
    ("error", _("Something in my record is wrong")),
]
ERROR_FIELD_CHOICES = [
    ("", "—"),
    ("name", pgettext_lazy("person", "Name")),
    ("hukou_address", _("Household registration address")),
    ("phone", _("Telephone")),
    ("service_start", _("Enlistment date")),
    ("service_end", _("Discharge date")),
    ("service_unit", _("Unit served in")),
    ("service_number", _("Service number")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DeclarationForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput())
    change = forms.ChoiceField(label=_("What changed?"), choices=CHANGES, widget=forms.RadioSelect)
    field = forms.ChoiceField(
        label=_("Which item is wrong? (only for an error)"), choices=ERROR_FIELD_CHOICES, required=False
    )
    value = forms.CharField(label=_("The new or correct value"), max_length=255, required=False)
    details = forms.CharField(
        label=_("Describe it and what proves it"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    declarant = forms.CharField(label=_("Declared by (if not the person: your name)"), max_length=64, required=False)
    relation = forms.CharField(label=_("Your relation to the person"), max_length=64, required=False)
    attachments = forms.FileField(
        label=_("Photos or PDF files (up to 5)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class ObjectionForm(forms.Form):
    """An objection to one row of a 公示 (no sign-in; rate-limited per address)."""

    row = forms.IntegerField(label=_("Row you object to (序号)"), min_value=1, max_value=10**7)
    objector = forms.CharField(label=_("Your name"), max_length=64)
    contact = forms.CharField(
        label=_("Telephone to call you back"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    text = forms.CharField(label=_("What is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
