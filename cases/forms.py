"""Forms of the caseworker pages: filing, one per task, withdrawal, reassignment, attachments."""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.validators import no_invisible_characters
from jurisdictions.models import Department
from policies import queries as policy_queries
from policies.citations import article_name

from . import nodes
from .models import (
    BenefitChange,
    Channel,
    Decision,
    IntakeDecision,
    Kind,
    MissingItem,
    Stage,
    Status,
    VerificationResultChoice,
)
from .queries import CASE_SORTS


def _benefit_choices() -> list[tuple[str, Any]]:
    from subjects.models import BenefitType

    return [("", "—"), *BenefitType.choices]


# Longest texts the forms take (the model's TextFields have no limit of their own): an over-long
# text is a field error, never a server error or a page nobody can read.
SHORT_TEXT = 2_000
TEXT = 5_000
LONG_TEXT = 20_000


class FileCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, validators=[no_invisible_characters])
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=LONG_TEXT
    )
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
    benefit_id = forms.TypedChoiceField(
        label=_("The benefit concerned (to end, suspend, resume or cancel)"),
        choices=(),
        coerce=int,
        empty_value=None,
        required=False,
    )
    benefit_reason = forms.ChoiceField(label=_("Reason for the suspension or cancellation"), choices=(), required=False)
    # A recovery case (追缴决定): the overpayment and what the approval is to decide.
    recovery_id = forms.TypedChoiceField(
        label=_("The overpayment to decide"), choices=(), coerce=int, empty_value=None, required=False
    )
    recovery_plan = forms.ChoiceField(label=_("Proposed decision on the overpayment"), choices=(), required=False)
    recovery_amount = forms.DecimalField(
        label=_("Amount to recover (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    recovery_instalments = forms.IntegerField(label=_("Instalments"), min_value=1, max_value=120, required=False)
    recovery_first_month = forms.DateField(
        label=_("First instalment month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    recovery_reason = forms.CharField(label=_("Reason for any waiver"), max_length=255, required=False)
    # Older pages posted corrections typed as "field=value" lines; still read, no longer shown.
    corrections = forms.CharField(widget=forms.HiddenInput, required=False)
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=TEXT
    )
    contested_case = forms.CharField(label=_("Contested case number"), max_length=24, required=False)
    duplicate_action = forms.ChoiceField(
        choices=[("", ""), ("link", "link"), ("continue", "continue")], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, subject: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["benefit_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _benefit_choices()
        ending = self.fields["benefit_id"]
        assert isinstance(ending, forms.ChoiceField)
        ending.choices = [("", "—"), *_current_benefit_choices(subject)]
        reason = self.fields["benefit_reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = _benefit_reason_choices()
        overpayment = self.fields["recovery_id"]
        assert isinstance(overpayment, forms.ChoiceField)
        overpayment.choices = [("", "—"), *_open_recovery_choices(subject)]
        plan = self.fields["recovery_plan"]
        assert isinstance(plan, forms.ChoiceField)
        plan.choices = _recovery_plan_choices()
        # The corrections: a field of the person's record chosen by its name, and the new value.
        names = correction_field_choices()
        for n in range(1, CORRECTION_ROWS + 1):
            self.fields[f"correction_field_{n}"] = forms.ChoiceField(
                label=_("Correction %(n)d: field") % {"n": n}, choices=[("", "—"), *names], required=False
            )
            self.fields[f"correction_value_{n}"] = forms.CharField(
                label=_("Correction %(n)d: correct value") % {"n": n}, max_length=200, required=False
            )
        order = [name for name in self.fields if not name.startswith("correction_")]
        at = order.index("corrections")
        rows = [f"correction_{part}_{n}" for n in range(1, CORRECTION_ROWS + 1) for part in ("field", "value")]
        self.order_fields(order[:at] + rows + order[at:])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: dict[str, Any] = {}
        for n in range(1, CORRECTION_ROWS + 1):
            name = data.get(f"correction_field_{n}") or ""
            raw = (data.get(f"correction_value_{n}") or "").strip()
            if not name:
                if raw:
                    self.add_error(f"correction_field_{n}", _("Choose the field this value corrects."))
                continue
            if name in chosen:
                self.add_error(f"correction_field_{n}", _("This field is already corrected above."))
                continue
            try:
                chosen[name] = clean_correction_value(name, raw)
            except forms.ValidationError as exc:
                self.add_error(f"correction_value_{n}", exc)
        if chosen:
            data["corrections"] = {**(data.get("corrections") or {}), **chosen}
        return data

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


CORRECTION_ROWS = 3


def _current_benefit_choices(subject: Any) -> list[tuple[int, str]]:
    """The person's benefits being paid now or suspended, as "type · amount · since" (the benefit to
    end, suspend, resume or cancel; a suspended one says so)."""
    if subject is None:
        return []
    from subjects.models import BenefitStatus

    rows = subject.benefits.filter(status__in=[BenefitStatus.ACTIVE, BenefitStatus.SUSPENDED]).order_by("start", "id")
    choices = []
    for b in rows:
        text = _("%(type)s · %(amount)s yuan per month · since %(start)s") % {
            "type": b.get_benefit_type_display(),
            "amount": b.amount,
            "start": b.start.isoformat(),
        }
        if b.status == BenefitStatus.SUSPENDED:
            text = f"{text} · {b.get_status_display()}"
        choices.append((b.pk, text))
    return choices


def _open_recovery_choices(subject: Any) -> list[tuple[int, str]]:
    """The person's overpayments still to decide, as "months · amount · cause"."""
    if subject is None:
        return []
    from benefits.models import RecoveryItem, RecoveryStatus

    rows = RecoveryItem.objects.filter(subject=subject, status=RecoveryStatus.OPEN).order_by("first_month", "id")
    return [
        (
            r.pk,
            _("%(first)s – %(last)s · %(amount)s yuan · %(cause)s")
            % {
                "first": f"{r.first_month:%Y-%m}",
                "last": f"{r.last_month:%Y-%m}",
                "amount": r.amount,
                "cause": r.get_cause_display(),
            },
        )
        for r in rows
    ]


def _recovery_plan_choices() -> list[Any]:
    from benefits.models import RecoveryPlan

    return [("", "—"), *RecoveryPlan.choices]


def _benefit_reason_choices() -> list[Any]:
    """The reasons of a suspension and of a cancellation (``benefits.models``), in two groups."""
    from benefits.models import CancelReason, SuspendReason

    return [
        ("", "—"),
        (_("Suspension"), list(SuspendReason.choices)),
        (_("Cancellation"), list(CancelReason.choices)),
    ]


def correction_field_choices() -> list[tuple[str, Any]]:
    """The fields of a person's record a correction may change, by their names (sorted as on the record)."""
    from subjects.models import Subject

    from .actions import correctable_fields

    allowed = correctable_fields()
    choices: list[tuple[str, Any]] = [("id_number", _("national ID number"))]
    for field in Subject._meta.concrete_fields:
        if field.name in allowed and field.name != "id_number":
            choices.append((field.name, field.verbose_name))
    return choices


def clean_correction_value(name: str, raw: str) -> Any:
    """The proposed value of field ``name``, checked as the register's own form checks it.

    A choice may be given by its name (城镇户口) or its code; dates as 2026-01-31. Returns a
    JSON-safe value (text, a code, a date as text, true/false).
    """
    from subjects import ids
    from subjects.models import Subject

    if name == "id_number":
        return ids.validate(raw).number
    model_field = Subject._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    choices = getattr(model_field, "choices", None)
    if choices:
        by_label = {str(label): code for code, label in choices}
        raw = by_label.get(raw, raw)
    if model_field.get_internal_type() == "BooleanField":
        answers = {"是": True, "否": False, "true": True, "false": False, str(_("Yes")): True, str(_("No")): False}
        if raw not in answers:
            raise forms.ValidationError(_("Answer yes or no."))
        return answers[raw]
    form_field = model_field.formfield()
    if form_field is None:  # pragma: no cover - every correctable field has a form field
        return raw
    value = form_field.clean(raw)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def citation_choices() -> list[tuple[int, str]]:
    """The articles in force today, by document and article number: a 摘要 says so in its label."""
    choices = []
    for article in policy_queries.search("")[:1000]:
        summary = _(" (summary)") if article.is_summary else ""
        choices.append((article.pk, f"{article_name(article)} {article.title}{summary}".strip()))
    return choices


def citation_field() -> forms.TypedMultipleChoiceField:
    """The legal basis: picked from the policy base, never typed (``policies.citations``)."""
    return forms.TypedMultipleChoiceField(
        label=_("Legal basis (articles of the policy base)"),
        help_text=_("Choose one or more articles; hold Ctrl to choose several. The letter names them."),
        choices=citation_choices,
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "citation-picker", "size": 8}),
    )


class IntakeForm(forms.Form):
    """Intake review: accept (受理), return for correction (补正) or refuse to accept (不予受理).

    The fields of each choice are shown in their own group (``GROUPS``); the action checks
    what the chosen one needs and answers with field errors.
    """

    # Not required: a form posted without it (older clients) accepts, as intake review did before.
    intake_decision = forms.ChoiceField(
        label=_("Intake review decision"),
        choices=IntakeDecision.choices,
        widget=forms.RadioSelect,
        initial=IntakeDecision.ACCEPT,
        required=False,
    )
    departments = forms.MultipleChoiceField(
        label=_("Departments to verify"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    missing = forms.MultipleChoiceField(
        label=_("What is missing"), choices=MissingItem.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    other = forms.CharField(
        label=_("Other items (one per line)"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    days = forms.IntegerField(label=_("Days to correct"), min_value=1, max_value=60, initial=15, required=False)
    reasons = forms.CharField(
        label=_("Reasons for refusing"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    citations = citation_field()

    GROUPS = (
        (IntakeDecision.ACCEPT, ("departments", "note")),
        (IntakeDecision.CORRECT, ("missing", "other", "days")),
        (IntakeDecision.REFUSE, ("reasons", "citations")),
    )

    def groups(self) -> list[dict[str, Any]]:
        """The fields of each choice, under the choice's label (for the template)."""
        return [
            {"code": code, "label": IntakeDecision(code).label, "fields": [self[name] for name in names]}
            for code, names in self.GROUPS
        ]


class VerificationForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=VerificationResultChoice.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=TEXT)
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=TEXT
    )
    reply = forms.FileField(label=_("The department's reply document (PDF, JPEG or PNG)"), required=False)


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
    findings = forms.CharField(
        label=_("Findings (经查明)"),
        help_text=_("The facts as the bureau established them, in the bureau's words; printed in the decision letter."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    reasons = forms.CharField(
        label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=TEXT
    )
    citations = citation_field()
    effective_on = forms.DateField(
        label=_("Effective from"),
        help_text=_("Empty: the requested start, or the decision date if that is earlier."),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        required=False,
    )
    retroactive_reason = forms.CharField(
        label=_("Reason for a start before the decision date"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in (Decision.APPROVE, Decision.REJECT) and not data.get("findings", "").strip():
            self.add_error("findings", _("Write what the bureau found (经查明) before approving or rejecting."))
        return data


class ResubmitForm(forms.Form):
    note = forms.CharField(label=_("What was corrected"), widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT)
    departments = forms.MultipleChoiceField(
        label=_("Departments to verify"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class CallbackRatingForm(forms.Form):
    """The petitioner's rating given on a call-back (回访), recorded by a caseworker."""

    score = forms.ChoiceField(
        label=_("Rating given by the petitioner"),
        choices=[
            ("5", _("Very satisfied")),
            ("4", _("Satisfied")),
            ("3", _("Neither satisfied nor dissatisfied")),
            ("2", _("Dissatisfied")),
            ("1", _("Very dissatisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("What the petitioner said"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"), widget=forms.Textarea(attrs={"rows": 2}), max_length=SHORT_TEXT
    )


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
            (nodes.PROVINCE_APPROVE, _("Approval by the province")),
            (nodes.CORRECT, _("Correct and resubmit")),
            *[(nodes.verify_node(code), label) for code, label in Department.choices],
        ],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    township = forms.CharField(label=_("Township code"), max_length=12, required=False)
    assignee = forms.CharField(label=_("Assignee (username)"), max_length=150, required=False)
    q = forms.CharField(label=_("Case number, name or full ID number"), max_length=40, required=False)
    sort = forms.ChoiceField(
        label=pgettext_lazy("list", "Order"),
        choices=lambda: [(key, sort.label) for key, sort in CASE_SORTS.items()],
        required=False,
    )


class SlaRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    working_days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=365)


class QueueFilterForm(forms.Form):
    node = forms.ChoiceField(
        label=_("Task"),
        choices=[
            ("", _("All")),
            (nodes.INTAKE, _("Intake review")),
            (nodes.CORRECT, _("Correct and resubmit")),
            (nodes.APPROVE, _("Approval")),
            (nodes.PROVINCE_APPROVE, _("Approval by the province")),
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
        max_length=SHORT_TEXT,
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
