"""List filters declared once with django-filter: the API's query parameters, their validation and
their OpenAPI description all come from the same ``FilterSet``.

``filter_parameters(FilterSet)`` gives drf-spectacular the parameters (with enums, types and
length limits); ``cleaned_filters(FilterSet, request.query_params)`` validates them (400 with a
message per parameter) and returns the cleaned values the app's query function applies.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter


def _schema_of(flt: django_filters.Filter) -> dict[str, Any]:
    extra = flt.extra
    if isinstance(flt, django_filters.BooleanFilter):
        return {"type": "boolean"}
    if isinstance(flt, django_filters.NumberFilter):
        schema: dict[str, Any] = {"type": "integer"}
        if extra.get("min_value") is not None:
            schema["minimum"] = extra["min_value"]
        if extra.get("max_value") is not None:
            schema["maximum"] = extra["max_value"]
        return schema
    if isinstance(flt, django_filters.ChoiceFilter):
        choices = extra.get("choices") or []
        if callable(choices):
            choices = choices()
        return {"type": "string", "enum": [str(value) for value, _label in choices if value != ""]}
    schema = {"type": "string"}
    if extra.get("max_length"):
        schema["maxLength"] = extra["max_length"]
    return schema


def filter_parameters(filterset_class: type[django_filters.FilterSet]) -> list[OpenApiParameter]:
    """The query parameters of ``filterset_class``, for ``@extend_schema(parameters=...)``."""
    return [
        OpenApiParameter(name, _schema_of(flt), description=str(flt.label or ""))
        for name, flt in filterset_class.base_filters.items()
    ]


def cleaned_filters(filterset_class: type[django_filters.FilterSet], params: Any) -> dict[str, Any]:
    """The validated values of the filters in ``params`` (absent ones empty); 400 with messages if invalid."""
    form = filterset_class(data=params).form
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    return dict(form.cleaned_data)
