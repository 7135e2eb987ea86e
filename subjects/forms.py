"""Forms of the subject pages. They only shape input; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jurisdictions import scope
from jurisdictions.models import Division, Level

from . import ids
from .models import BenefitType, Category, ImportSource, Provenance, ProxyScope, Subject, SubjectStatus

HANDLE = "handle_cases"

SUBJECT_FIELDS = [
    "name",
    "ethnicity",
    "political_affiliation",
    "category",
    "status",
    "service_start",
    "service_end",
    "rank_class",
    "service_unit",
    "service_number",
    "division",
    "hukou_address",
    "phone",
    "photo",
    "resettlement",
    "employment",
    "employer",
    "owns_home",
    "housing_tenure",
    "floor_area",
    "grievances",
    "confirmed_by",
    "confirmed_at",
    "confirmation_method",
    "collection_point",
    "serviceman_name",
    "serviceman_status",
    "relation",
]

SECTIONS = [
    (_("Basic information"), ["name", "id_number", "ethnicity", "political_affiliation", "category", "status"]),
    (
        _("Service record"),
        ["service_start", "service_end", "rank_class", "service_unit", "service_number"],
    ),
    (_("Household registration and contact"), ["division", "hukou_address", "phone", "photo"]),
    (
        _("Living conditions"),
        ["resettlement", "employment", "employer", "owns_home", "housing_tenure", "floor_area"],
    ),
    (_("Grievances"), ["grievances"]),
    (
        _("Family of a serviceman"),
        ["serviceman_id_number", "serviceman_name", "serviceman_status", "relation"],
    ),
    (
        _("Signature confirmation"),
        ["confirmed_by", "confirmed_at", "confirmation_method", "collection_point", "source"],
    ),
]

# "name" alone is already translated as a division's 名称 elsewhere; a person has a 姓名.
PERSON_NAME = pgettext_lazy("person", "name")

OWNS_HOME_CHOICES = [("", pgettext_lazy("answer", "Unknown")), ("true", _("Yes")), ("false", _("No"))]


def household_divisions(user: Any) -> Any:
    """Counties and townships where the user may register people."""
    q = Q(pk__in=[])
    for code in scope.codes_with(user, HANDLE):
        q |= Q(code__startswith=code) if code != "CN" else Q()
    return Division.objects.filter(q, level__in=(Level.COUNTY, Level.TOWNSHIP)).order_by("code")


class DateInput(forms.DateInput):
    input_type = "date"


GRIEVANCES_MAX_LENGTH = 5_000


class SubjectForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("national ID number"),
        max_length=40,
        help_text=_("18 characters; full-width digits, spaces and a lower-case x are accepted."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    serviceman_id_number = forms.CharField(
        label=_("serviceman's ID number (if on file)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    owns_home = forms.TypedChoiceField(
        label=_("owns a home"),
        choices=OWNS_HOME_CHOICES,
        required=False,
        coerce=lambda v: {"true": True, "false": False}.get(v),
        empty_value=None,
    )
    source = forms.ChoiceField(
        label=_("source of this information"),
        choices=[
            (Provenance.CASEWORKER_ENTRY.value, Provenance.CASEWORKER_ENTRY.label),
            (Provenance.SELF_DECLARED.value, Provenance.SELF_DECLARED.label),
        ],
        initial=Provenance.CASEWORKER_ENTRY.value,
    )

    class Meta:
        model = Subject
        fields = SUBJECT_FIELDS
        widgets = {
            "service_start": DateInput,
            "service_end": DateInput,
            "confirmed_at": DateInput,
            "grievances": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["name"].label = PERSON_NAME
        # The model's TextField has no limit: an over-long text is a field error, not a server error.
        grievances = self.fields["grievances"]
        assert isinstance(grievances, forms.CharField)
        grievances.max_length = GRIEVANCES_MAX_LENGTH
        grievances.validators.append(MaxLengthValidator(GRIEVANCES_MAX_LENGTH))
        grievances.widget.attrs["maxlength"] = str(GRIEVANCES_MAX_LENGTH)
        divisions = household_divisions(user)
        self.fields["division"].queryset = divisions  # type: ignore[attr-defined]
        self.fields["division"].label = _("household registration (county or township)")
        self.fields["collection_point"].queryset = divisions.filter(level=Level.TOWNSHIP)  # type: ignore[attr-defined]
        if self.instance.pk:
            # Editing: the number is corrected only on purpose.
            self.fields["id_number"].required = False
            self.fields["id_number"].label = _("corrected national ID number")
            self.fields["id_number"].help_text = _("Leave empty to keep %(masked)s.") % {
                "masked": self.instance.id_number_masked
            }
            if self.instance.serviceman_id:
                self.fields["serviceman_id_number"].help_text = _("Linked to %(name)s; leave empty to keep.") % {
                    "name": self.instance.serviceman.name
                }
        else:
            del self.fields["status"]

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number", "")
        if not raw and self.instance.pk:
            return ""
        return ids.validate(raw).number

    def clean_serviceman_id_number(self) -> Subject | None:
        from .queries import lookup

        raw = self.cleaned_data.get("serviceman_id_number", "")
        if not raw:
            return None
        number = ids.validate(raw).number
        serviceman = lookup(self.user, number).first()
        if serviceman is None:
            raise forms.ValidationError(
                _("Nobody with this ID number is on file in your jurisdiction; enter the serviceman's name instead.")
            )
        return serviceman

    def _post_clean(self) -> None:
        # The actions validate against the model; skip ModelForm's instance validation
        # (it would demand the encrypted number and blind index the action computes).
        pass

    def changes(self) -> dict[str, Any]:
        """The submitted values as action keyword arguments."""
        data = {name: self.cleaned_data[name] for name in SUBJECT_FIELDS if name in self.cleaned_data}
        if not data.get("photo"):
            data.pop("photo", None)
        serviceman = self.cleaned_data.get("serviceman_id_number")
        if serviceman is not None:
            data["serviceman"] = serviceman
        return data


def sections_of(form: forms.BaseForm) -> list[tuple[Any, list[forms.BoundField]]]:
    return [(title, [form[name] for name in names if name in form.fields]) for title, names in SECTIONS]


class SearchForm(forms.Form):
    id_number = forms.CharField(
        label=_("full national ID number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label=PERSON_NAME, required=False, max_length=64)
    category = forms.ChoiceField(label=_("category"), required=False, choices=[("", _("All")), *Category.choices])
    status = forms.ChoiceField(label=_("status"), required=False, choices=[("", _("All")), *SubjectStatus.choices])
    township = forms.ChoiceField(label=_("township"), required=False)
    sort = forms.ChoiceField(label=pgettext_lazy("list", "Order"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from .queries import SUBJECT_SORTS

        super().__init__(*args, **kwargs)
        q = Q(pk__in=[])
        for code in scope.codes_with(user, "view_jurisdiction"):
            q |= Q(code__startswith=code) if code != "CN" else Q()
        # A province has thousands of townships: the list is capped (county jurisdictions fit).
        townships = list(
            Division.objects.filter(q, level=Level.TOWNSHIP).order_by("code").values_list("code", "name")[:500]
        )
        self.fields["township"].choices = [("", _("All")), *((c, f"{n} ({c})") for c, n in townships)]  # type: ignore[attr-defined]
        self.fields["sort"].choices = [(k, s.label) for k, s in SUBJECT_SORTS.items()]  # type: ignore[attr-defined]


class BenefitForm(forms.Form):
    """A benefit the person already receives, recorded at collection (collected data, not a decision).

    New or changed benefits go through an approved case instead; hence no "approved case" source here.
    """

    benefit_type = forms.ChoiceField(label=_("benefit type"), choices=BenefitType.choices)
    amount = forms.DecimalField(label=_("monthly amount (yuan)"), min_value=0, max_digits=10, decimal_places=2)
    start = forms.DateField(label=_("start"), widget=DateInput)
    source = forms.ChoiceField(
        label=_("source"), choices=[c for c in Provenance.choices if c[0] != Provenance.APPROVED_CASE]
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        max_length=255,
        help_text=_("Why you need the full number; this is recorded."),
    )


class ImportUploadForm(forms.Form):
    source = forms.ChoiceField(label=_("source"), choices=ImportSource.choices)
    file = forms.FileField(label=_("file (CSV in UTF-8 or GB18030, or XLSX)"))
    dry_run = forms.BooleanField(label=_("check only, change nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.LAUREL_IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large for the web upload; ask for a command-line import."))
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class ProxyForm(forms.Form):
    proxy_name = forms.CharField(label=_("Helper's name"), max_length=64)
    relation = forms.CharField(label=_("Relation to the person"), max_length=64)
    proxy_phone = forms.CharField(label=_("Helper's telephone"), max_length=32, required=False)
    scope = forms.MultipleChoiceField(
        label=_("What the helper may do"), choices=ProxyScope.choices, widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    signed_form = forms.FileField(label=_("Signed authorisation form (PDF, JPEG or PNG)"))
