"""Forms of the grievance pages: registration and one form per named transition."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.validators import no_invisible_characters
from policies.models import PolicyArticle

from . import actions
from .models import Channel, Opinion, PetitionField, ReviewLevel, ReviewOutcome

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
    field = forms.ChoiceField(
        label=_("Field concerned"), choices=PetitionField.choices, initial=PetitionField.OTHER, required=False
    )
    respondent = forms.CharField(
        label=_("Body complained about"),
        required=False,
        max_length=200,
        validators=[no_invisible_characters],
        help_text=_("As the petitioner names it; counted in the annual petition report."),
    )
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


def _bodies(codes: list[str]) -> list[tuple[str, str]]:
    from jurisdictions.models import Division

    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names[code]) for code in codes if code in names]


def _chain_below(case: Any, above: str) -> list[str]:
    """The bodies strictly below ``above`` whose area holds the case's division (who may receive it)."""
    from jurisdictions.models import ancestor_codes

    return [c for c in ancestor_codes(case.division_id) if c.startswith(above) and c != above]


def _children(code: str) -> list[str]:
    from jurisdictions.models import Division

    return list(Division.objects.filter(parent_id=code).order_by("code").values_list("code", flat=True)[:200])


class ForwardForm(forms.Form):
    division = forms.ChoiceField(label=_("Forward to (lead body, 主办)"), choices=[])
    assisting = forms.MultipleChoiceField(
        label=_("Assisting bodies (协办, Art. 24)"), choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def bind_case(self, user: Any, case: Any, petition: Any) -> None:
        from .actions_routing import own_body

        mine = own_body(user, case)
        chain = _chain_below(case, mine) if mine else []
        self.fields["division"].choices = _bodies(chain)  # type: ignore[attr-defined]
        self.fields["assisting"].choices = _bodies(sorted({*_children(mine), *chain})) if mine else []  # type: ignore[attr-defined]


class ObjectForm(forms.Form):
    reasons = forms.CharField(
        label=_("Detailed reasons of the objection (Art. 23)"),
        widget=forms.Textarea(attrs=TEXT),
        required=False,
        max_length=5000,
    )
    proposed = forms.ChoiceField(label=_("The competent body, in your view"), choices=[], required=False)

    def bind_case(self, user: Any, case: Any, petition: Any) -> None:
        from jurisdictions.models import Division

        receiving = petition.receiving_division_id or ""
        parent = Division.objects.filter(code=receiving).values_list("parent_id", flat=True).first() or ""
        others = [c for c in _children(parent) if c != receiving] if parent else []
        self.fields["proposed"].choices = [("", _("Not named")), *_bodies(others)]  # type: ignore[attr-defined]


class DesignateForm(forms.Form):
    division = forms.ChoiceField(label=_("Designated body"), choices=[])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def bind_case(self, user: Any, case: Any, petition: Any) -> None:
        deciding = petition.dispute_division_id if petition.stage == "disputed" else petition.routing_division_id
        self.fields["division"].choices = _bodies(_chain_below(case, deciding or ""))  # type: ignore[attr-defined]


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


class RectifyForm(forms.Form):
    report = forms.CharField(
        label=_("What was put right"), widget=forms.Textarea(attrs=TEXT), required=False, max_length=5000
    )


class FollowupForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


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
    "forward": ForwardForm,
    "acknowledge": AcceptForm,
    "object": ObjectForm,
    "agree_objection": AcceptForm,
    "refer_dispute": AcceptForm,
    "designate": DesignateForm,
    "request_review": RequestReviewForm,
    "answer_review": AnswerReviewForm,
    "rectify": RectifyForm,
    "reopen": FollowupForm,
    "advise_review": FollowupForm,
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
    "forward": _("Forward to a body (转送、交办)"),
    "acknowledge": _("Sign for the matter (签收)"),
    "object": _("Object to the matter (异议)"),
    "agree_objection": _("Agree to the objection: take the materials back"),
    "refer_dispute": _("Refer the dispute to the common superior"),
    "designate": _("Designate the handling body (指定)"),
    "request_review": _("Record a request for review (复查 / 复核)"),
    "answer_review": _("Answer the review"),
    "rectify": _("Report the rectification (整改)"),
    "reopen": _("Reopen the matter as a new grievance"),
    "advise_review": _("Record that the petitioner was told of the review (复查)"),
}
