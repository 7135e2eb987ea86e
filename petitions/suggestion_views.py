"""The suggestions page (Art. 41): suggestions the offices in view made, a form to record one, and their answers.

Authorises as the API does (``petitions.suggestions``): 404 outside the jurisdiction, 403 when not a
caseworker of the office; a refusal by a rule shows on the form's field, nothing saved.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from core.pages import apply_errors, domain_errors_as_pages
from core.validators import no_invisible_characters
from jurisdictions import scope
from jurisdictions.models import Division
from jurisdictions.perms import HANDLE_CASES

from . import suggestions


class SuggestionForm(forms.Form):
    division = forms.ChoiceField(label=gettext_lazy("Office"))
    made_on = forms.DateField(
        label=gettext_lazy("Made on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    addressed_to = forms.CharField(
        label=gettext_lazy("Addressed to"), required=False, max_length=200, validators=[no_invisible_characters]
    )
    subject = forms.CharField(
        label=pgettext_lazy("suggestion", "Subject"),
        required=False,
        max_length=200,
        validators=[no_invisible_characters],
    )
    text = forms.CharField(
        label=gettext_lazy("Suggestion"),
        required=False,
        max_length=suggestions.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, offices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["division"].choices = offices  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    adopted = forms.TypedChoiceField(
        label=gettext_lazy("Answer of the body"),
        choices=[("yes", gettext_lazy("Adopted")), ("no", gettext_lazy("Not adopted"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=suggestions.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _offices(user: object) -> list[tuple[str, str]]:
    codes = sorted(scope.codes_with(user, HANDLE_CASES))
    return list(Division.objects.filter(code__in=codes).order_by("code").values_list("code", "name"))


@login_required
@domain_errors_as_pages
def suggestion_list(request: HttpRequest) -> HttpResponse:
    offices = _offices(request.user)
    form = SuggestionForm(request.POST if request.method == "POST" else None, offices=offices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestions.do_record_suggestion(
                actor=request.user,
                division=scope.access_division(request.user, data["division"]),
                addressed_to=data["addressed_to"],
                subject=data["subject"],
                text=data["text"],
                made_on=data["made_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="text")
        else:
            messages.success(request, _("The suggestion was recorded."))
            return redirect("petitions:suggestions")
    rows = [
        {"s": s, "may_answer": s.adopted is None and scope.has_perm_at(request.user, HANDLE_CASES, s.division_id)}
        for s in suggestions.suggestions_for(request.user)[:200]
    ]
    return render(
        request,
        "petitions/suggestions.html",
        {"rows": rows, "form": form, "may_record": bool(offices), "answer_form": AnswerForm()},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
@domain_errors_as_pages
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = suggestions.access_suggestion(request.user, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            suggestions.do_answer_suggestion(
                suggestion, actor=request.user, adopted=form.cleaned_data["adopted"], answer=form.cleaned_data["answer"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The answer was recorded."))
    else:
        messages.error(request, _("Answer of the body: choose adopted or not adopted."))
    return redirect("petitions:suggestions")
