"""Forms of the letter pages: dispatch, correction (supersede), letterhead."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import kinds
from .models import DispatchMethod, Letterhead

MAX_SEAL_BYTES = 2 * 1024 * 1024


class DispatchForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=DispatchMethod.choices)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # what <input type=date> accepts
        initial=timezone.localdate,
    )
    tracking_number = forms.CharField(label=_("Tracking number (mail)"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class RequestLetterForm(forms.Form):
    """Letters whose kind may be requested by hand; decision letters come from the decision itself."""

    kind = forms.ChoiceField(label=_("Letter"), choices=kinds.requestable_choices)
    reasons = forms.CharField(
        label=_("What to correct or supply (one item per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    days = forms.IntegerField(label=_("Days to correct"), min_value=1, max_value=60, initial=15)


class SupersedeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_(
            "A new letter is issued from the case's current data; this one stays on record, marked superseded."
        ),
    )


class LetterheadForm(forms.ModelForm):
    seal_upload = forms.FileField(
        label=_("Seal image (PNG, transparent background)"),
        required=False,
        help_text=_("Leave empty to keep the current seal."),
    )

    class Meta:
        model = Letterhead
        fields = [
            "bureau_name",
            "header_text",
            "number_prefix",
            "address",
            "postcode",
            "phone",
            "contact_person",
            "reconsideration_body",
            "reconsideration_days",
            "court",
            "lawsuit_months",
            "cc",
        ]

    def clean_seal_upload(self) -> Any:
        upload = self.cleaned_data.get("seal_upload")
        if not upload:
            return None
        if upload.size > MAX_SEAL_BYTES:
            raise forms.ValidationError(_("The seal image is larger than 2 MB."))
        data = upload.read()
        upload.seek(0)
        if not data.startswith(b"\x89PNG\r\n\x1a\n"):
            raise forms.ValidationError(_("The seal image must be a PNG file."))
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except Exception:
            raise forms.ValidationError(_("The seal image is damaged or not a PNG file.")) from None
        return upload
