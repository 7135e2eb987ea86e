"""Forms of the caseworker pages: filing, one per task, withdrawal, reassignment, attachments."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.validators import no_invisible_characters
from jurisdictions.models import Department

from . import nodes
from .models import BenefitChange, Channel, Decision, Kind, Stage, Status, VerificationResultChoice


def _benefit_choices() -> list[tuple[str, Any]]:
    from subjects.models import BenefitType

    return [("", "—"), *BenefitType.choices]


class FileCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, validators=[no_invisible_characters])
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    channel = forms.ChoiceField(label=_("Intake channel"), choices=Channel.choices)
    departments = forms.MultipleChoiceField(
        label=_("Departments to verify"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agent_name = forms.CharField(
        label=_("Agent's name (if filed on behalf)"),
        max_length=64,
        required=False,
        validators=[no_invisible_characters],
    )
    agent_relation = forms.CharField(label=_("Agent's relation to the person"), max_length=64, required=False)
    agent_contact = forms.CharField(label=_("Agent's contact"), max_length=64, required=False)
    benefit_type = forms.ChoiceField(label=_("Benefit"), choices=(), required=False)
    benefit_change = forms.ChoiceField(
        label=pgettext_lazy("benefit", "Change"), choices=[("", "—"), *BenefitChange.choices], required=False
    )
    benefit_amount = forms.DecimalField(
        label=_("Monthly amount (yuan)"), max_digits=10, decimal_places=2, required=False
    )
    benefit_start = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    benefit_id = forms.IntegerField(label=_("Benefit to end (number)"), required=False)
    corrections = forms.CharField(
        label=_("Corrections (one per line: field=proposed value)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    contested_case = forms.CharField(label=_("Contested case number"), max_length=24, required=False)
    duplicate_action = forms.ChoiceField(
        choices=[("", ""), ("link", "link"), ("continue", "continue")], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["benefit_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _benefit_choices()

    def clean_corrections(self) -> dict[str, str]:
        raw = self.cleaned_data.get("corrections", "").strip()
        if not raw:
            return {}
        if raw.startswith("{"):
            try:
                value = json.loads(raw)
            except ValueError:
                raise forms.ValidationError(_("Write one correction per line as field=value.")) from None
            if not isinstance(value, dict):
                raise forms.ValidationError(_("Write one correction per line as field=value."))
            return {str(k): v for k, v in value.items()}
        result: dict[str, str] = {}
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            field, sep, value = line.partition("=")
            if not sep or not field.strip():
                raise forms.ValidationError(_("Line %(n)d: write the correction as field=value.") % {"n": n})
            result[field.strip()] = value.strip()
        return result


class IntakeForm(forms.Form):
    departments = forms.MultipleChoiceField(
        label=_("Departments to verify"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class VerificationForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=VerificationResultChoice.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
    )
    partly = forms.BooleanField(label=_("Approve only in part"), required=False)
    approved_amount = forms.DecimalField(
        label=_("Approved monthly amount (if different)"), max_digits=10, decimal_places=2, required=False
    )
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ResubmitForm(forms.Form):
    note = forms.CharField(label=_("What was corrected"), widget=forms.Textarea(attrs={"rows": 3}))
    departments = forms.MultipleChoiceField(
        label=_("Departments to verify"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the withdrawal"), widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(forms.Form):
    user = forms.CharField(label=_("Give to (username)"), max_length=150)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Document (PDF, JPEG or PNG)"))


class ChooseSubjectForm(forms.Form):
    """Whom a new case is about: a name (listed by GET) or a full ID number (posted, never in a URL)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=64, required=False)
    id_number = forms.CharField(
        label=_("Full ID number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *Status.choices], required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *Kind.choices], required=False)
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[
            ("", _("All")),
            (nodes.INTAKE, _("Intake review")),
            (nodes.APPROVE, _("Approval")),
            (nodes.CORRECT, _("Correct and resubmit")),
            *[(nodes.verify_node(code), label) for code, label in Department.choices],
        ],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    township = forms.CharField(label=_("Township code"), max_length=12, required=False)
    assignee = forms.CharField(label=_("Assignee (username)"), max_length=150, required=False)
    q = forms.CharField(label=_("Case number, name or full ID number"), max_length=40, required=False)


class SlaRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    working_days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=365)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working = forms.TypedChoiceField(
        label=_("Type of day"),
        choices=[("0", _("Public holiday (no work)")), ("1", _("Adjusted working day (调休)"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("Name"), max_length=64, required=False)


class QueueFilterForm(forms.Form):
    node = forms.ChoiceField(
        label=_("Task"),
        choices=[
            ("", _("All")),
            (nodes.INTAKE, _("Intake review")),
            (nodes.CORRECT, _("Correct and resubmit")),
            (nodes.APPROVE, _("Approval")),
        ],
        required=False,
    )
    department = forms.ChoiceField(label=_("Department"), choices=[("", _("All")), *Department.choices], required=False)
    division = forms.CharField(label=_("County or township code"), max_length=12, required=False)


class CaseGrantForm(forms.Form):
    """A per-case exception (security administrator)."""

    username = forms.CharField(
        label=_("Username"), max_length=150, help_text=_("The member of staff who needs this one case.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who asked, and for what (for example: verify the public-security record)."),
    )
    starts_on = forms.DateField(
        label=_("Starts on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    ends_on = forms.DateField(
        label=_("Ends on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Access stops on this day."),
    )
