"""The auditor's search: one form shared by the workspace pages, the exports and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .labels import EVENT_LABELS

DIVISION_CODE_LENGTHS = (2, 4, 6, 9)


class EventSearchForm(forms.Form):
    """Filters over audit events. ``from``/``to`` are dates (inclusive, China time)."""

    division = forms.CharField(
        label=_("Division code"),
        required=False,
        max_length=12,
        help_text=_("A province, city, county or township code, e.g. 440106."),
    )
    case = forms.CharField(label=_("Case number"), required=False, max_length=32)
    actor = forms.CharField(label=_("Who (name or username)"), required=False, max_length=150)
    # A list of names on screen; the API also takes a prefix ending in a dot ("case.").
    event_type = forms.CharField(label=_("Event"), required=False, max_length=64, widget=forms.Select())
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)

    field_order = ["case", "from", "to", "actor", "event_type", "division", "object_type", "object_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" and "to" are the API's parameter names (Python keywords, so added here).
        date_widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=_("From (date)"), required=False, widget=date_widget)
        self.fields["to"] = forms.DateField(label=_("To (date, inclusive)"), required=False, widget=date_widget)
        self.order_fields(self.field_order)
        choices = [("", _("All events")), *sorted(self.event_types(), key=lambda c: c[1])]
        current = self.data.get("event_type", "") if self.is_bound else ""
        if current and current not in EVENT_LABELS:
            choices.append((current, current))
        widget = self.fields["event_type"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = choices

    @staticmethod
    def event_types() -> list[tuple[str, str]]:
        return [(key, str(label)) for key, label in EVENT_LABELS.items()]

    def clean_division(self) -> str:
        code = self.cleaned_data["division"].strip()
        if code and (not code.isdigit() or len(code) not in DIVISION_CODE_LENGTHS):
            raise forms.ValidationError(
                _("Enter a division code of 2, 4, 6 or 9 digits (province, city, county, township).")
            )
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: date | None = cleaned.get("from")
        end: date | None = cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The non-empty cleaned filters (call after ``is_valid()``)."""
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


class PersonSearchForm(forms.Form):
    """The events about one person, found by their full ID number (sent by POST, never in a URL)."""

    id_number = forms.CharField(label=_("Full ID number"), max_length=18, min_length=15)
