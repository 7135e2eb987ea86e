from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import PolicyArticle

TRUE, FALSE = ("1", "true", "True"), ("0", "false", "False")


class StrictBooleanField(forms.NullBooleanField):
    """Yes or no as ``1``/``true`` or ``0``/``false``; anything else is a field error, not "not given"."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # None: not given, as NullBooleanField
        if value in (None, ""):
            return None
        if value in TRUE or value is True:
            return True
        if value in FALSE or value is False:
            return False
        raise ValidationError(_("Give 1 or true for yes, 0 or false for no."), code="invalid")

    def validate(self, value: Any) -> None:
        return None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class PolicyArticleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        max_length=100, label="Words to find in the document number or title, the article number, title or text."
    )
    include_repealed = StrictBooleanFilter(label="Also list superseded, repealed and future versions (1 or true).")

    class Meta:
        model = PolicyArticle
        fields: list[str] = []
