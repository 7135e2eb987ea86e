"""Forms of the grievance pages: registration and one form per named transition."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.validators import no_invisible_characters
from policies.models import PolicyArticle

from . import actions
from .models import Channel, Opinion, ReviewLevel, ReviewOutcome

TEXT = {"rows": 4}


def article_choices() -> list[tuple[int, str]]:
    """The articles in force, to pick from (staff never type a citation)."""
    from policies.queries import current_q

    articles = PolicyArticle.objects.select_related("document").filter(current_q())
    ordered = articles.order_by("document__title", "position", "number")
    return [
        (
            a.pk,
            f"《{a.document.title}》{a.number}"
            + (f" {a.title}" if a.title else "")
            + (" （摘要）" if a.is_summary else ""),
        )
        for a in ordered
    ]


class CitationsField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, choices=article_choices, required=False, **kwargs)


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    reference_number = forms.CharField(
        label=_("Reference number"),
        required=False,
        max_length=64,
        help_text=_("For a hand-off from the 12345 hotline or the national petition system."),
    )
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today when empty."),
    )
    scan = forms.FileField(
        label=_("Scan of the letter"),
        required=False,
        help_text=_("For a letter (来信): the scanned letter, PDF, JPEG or PNG."),
    )
    title = forms.CharField(
        label=pgettext_lazy("case", "Title"), required=False, max_length=200, validators=[no_invisible_characters]
    )
    request = forms.CharField(
        label=pgettext_lazy("petition", "Request"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000
    )
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)
    major = forms.BooleanField(label=_("Major or urgent (reported upward at once, Art. 25)"), required=False)
    confidential = forms.BooleanField(label=_("Confidential report (检举、揭发, Art. 30)"), required=False)
    accused_division = forms.CharField(
        label=_("Accused body (division code)"),
        required=False,
        max_length=12,
        help_text=_("Nobody of this body can open the report."),
    )
    accept_now = forms.BooleanField(label=_("Within our own remit: accept at once"), required=False)
    petitioners = forms.CharField(
        label=_("Other petitioners (group petition)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line: name and national ID number, and 代表 at the end for a representative"
            " (a group visit elects at most 5, Art. 20)."
        ),
    )
    representative = forms.BooleanField(
        label=_("The person above is a representative of the group"), required=False, initial=True
    )

    def clean_petitioners(self) -> list[Any]:
        from .groups import parse_lines

        return parse_lines(self.cleaned_data.get("petitioners") or "")


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)
    citations = CitationsField(label=_("Legal basis (articles of the policy base)"))


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Days of extension"), help_text=_("At most 30 days (Art. 34)."))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=2000)


class ApproveExtensionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision on the extension"),
        choices=[("yes", _("Approve the extension")), ("no", _("Refuse the extension"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ClockForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class DecideForm(forms.Form):
    opinion = forms.ChoiceField(label=_("Opinion"), choices=Opinion.choices, widget=forms.RadioSelect)
    facts = forms.CharField(label=_("Facts found"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)
    citations = CitationsField(label=_("Legal basis (articles of the policy base)"))


class HearingForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    participants = forms.CharField(
        label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Agreement"),
        choices=[
            (actions.MEDIATION, _("Mediation agreement (调解协议书)")),
            (actions.SETTLEMENT, _("Settlement agreement (和解协议书)")),
        ],
        widget=forms.RadioSelect,
    )
    parties = forms.CharField(
        label=_("Parties"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    terms = forms.CharField(label=_("Terms agreed"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)


class RequestReviewForm(forms.Form):
    level = forms.ChoiceField(
        label=pgettext_lazy("review", "Request"), choices=ReviewLevel.choices, widget=forms.RadioSelect
    )
    requested_on = forms.DateField(
        label=_("Request received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today when empty. Within 30 days of the written answer (Arts. 35–36)."),
    )
    grounds = forms.CharField(
        label=_("Why the petitioner disagrees"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000
    )


class AnswerReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Opinion"), choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    facts = forms.CharField(label=_("Facts found"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000)
    citations = CitationsField(label=_("Legal basis (articles of the policy base)"))


FORMS: dict[str, type[forms.Form]] = {
    "accept": AcceptForm,
    "refuse": RefuseForm,
    "extend": ExtendForm,
    "approve_extension": ApproveExtensionForm,
    "pause_clock": ClockForm,
    "resume_clock": ClockForm,
    "decide": DecideForm,
    "schedule_hearing": HearingForm,
    "record_agreement": AgreementForm,
    "request_review": RequestReviewForm,
    "answer_review": AnswerReviewForm,
}

TITLES = {
    "accept": _("Accept the matter"),
    "refuse": _("Do not accept the matter"),
    "extend": _("Ask to extend the time limit"),
    "approve_extension": _("Decide on the extension"),
    "pause_clock": _("Pause the clock"),
    "resume_clock": _("Resume the clock"),
    "decide": _("Decide and issue the handling opinion"),
    "schedule_hearing": _("Schedule a hearing"),
    "record_agreement": _("Record an agreement"),
    "request_review": _("Record a request for review (复查 / 复核)"),
    "answer_review": _("Answer the review"),
}
