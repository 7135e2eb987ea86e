"""Forms of the staff administration pages (labels and errors in the user's language)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import actions as account_actions

from .models import Department, Role


def division_choices(divisions: Any) -> list[tuple[str, str]]:
    return [(d.code, f"{'　' * max(d.level - 1, 0)}{d.name}（{d.code}）") for d in divisions]


class _StaffFieldsMixin:
    """The account actions' own checks, run by the form so that every field's error shows at once."""

    cleaned_data: dict[str, Any]

    def clean_phone(self) -> str:
        return _field_check(account_actions.clean_phone, self.cleaned_data.get("phone", ""), "phone")

    def clean_staff_id_number(self) -> str:
        raw = self.cleaned_data.get("staff_id_number", "")
        if raw.strip():
            _field_check(account_actions.staff_id_index, raw, "staff_id_number")
        return raw


def _field_check(check: Any, value: str, field: str) -> Any:
    try:
        return check(value)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict.get(field, exc.messages)) from None


class StaffCreateForm(_StaffFieldsMixin, forms.Form):
    division = forms.ChoiceField(label=_("Home division"))
    full_name = forms.CharField(label=_("Real name"), max_length=150)
    username = forms.CharField(
        label=_("Username"), max_length=150, help_text=_("Letters, digits and @ . + - _ only; used to sign in.")
    )
    staff_id_number = forms.CharField(
        label=_("Staff ID number"),
        max_length=24,
        help_text=_("The person's national ID number. Only a fingerprint of it is kept, for the recusal rule."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        help_text=_("Optional. The one-time sign-in link is also texted to this number."),
    )

    def __init__(self, *args: Any, divisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["division"]).choices = division_choices(divisions)


class StaffEditForm(_StaffFieldsMixin, forms.Form):
    full_name = forms.CharField(label=_("Real name"), max_length=150)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    staff_id_number = forms.CharField(
        label=_("Staff ID number"),
        max_length=24,
        required=False,
        help_text=_("Leave empty to keep the recorded one."),
    )


class MembershipForm(forms.Form):
    division = forms.ChoiceField(label=_("Division"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    department = forms.ChoiceField(
        label=_("Department"),
        required=False,
        choices=[("", _("— (only for department liaisons)")), *Department.choices],
    )
    starts_on = forms.DateField(
        label=_("Starts on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Access stops on this day. Leave empty for no end date."),
    )

    def __init__(self, *args: Any, divisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["division"]).choices = division_choices(divisions)


class RelativeForm(forms.Form):
    relation = forms.CharField(label=_("Relation"), max_length=32, help_text=_("For example: spouse, father, son."))
    id_number = forms.CharField(
        label=_("The relative's national ID number"),
        max_length=24,
        help_text=_("Only a fingerprint of it is kept: cases about this person are then refused to the account."),
    )

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number", "")
        _field_check(account_actions.staff_id_index, raw, "staff_id_number")
        return raw
