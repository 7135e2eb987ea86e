"""``/api/v1/subjects/``: list (filters, cursor pages), create, retrieve, update; exact lookup and reveal.

ID numbers are masked in every response except ``reveal-id``; a full number is only ever sent
in a POST body (``lookup``, create, update), never in a URL.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from core.api import field_errors
from core.filters import cleaned_filters, filter_parameters
from jurisdictions import scope
from jurisdictions.models import Division

from . import queries, reads
from .actions import do_register_subject, do_reveal_id_number, do_update_subject
from .filters import SubjectFilterSet
from .forms import HANDLE
from .models import Benefit, Provenance, ReadVia, Subject

WRITABLE = [
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
    "hukou_address",
    "phone",
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
    "serviceman_name",
    "serviceman_status",
    "relation",
]
API_SOURCES = [Provenance.CASEWORKER_ENTRY, Provenance.SELF_DECLARED, Provenance.DEPARTMENT_VERIFICATION]


class BenefitSerializer(serializers.ModelSerializer):
    # Plain text in the schema: "status" enums of several models would collide in their names.
    status = serializers.CharField(read_only=True, help_text="active, suspended or ended")

    class Meta:
        model = Benefit
        fields = ["id", "benefit_type", "amount", "start", "end", "status", "end_reason", "provenance", "source_ref"]


class SubjectListSerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id")
    status = serializers.CharField(read_only=True, help_text="active, deceased, transferred or deregistered")

    class Meta:
        model = Subject
        fields = [
            "id",
            "name",
            "id_number_masked",
            "sex",
            "birth_date",
            "category",
            "status",
            "division",
            "county_code",
            "created_at",
            "updated_at",
        ]


class SubjectSerializer(SubjectListSerializer):
    collection_point = serializers.CharField(source="collection_point_id", allow_null=True)
    serviceman = serializers.IntegerField(source="serviceman_id", allow_null=True)
    benefits = BenefitSerializer(many=True, read_only=True)

    class Meta(SubjectListSerializer.Meta):
        fields = [
            *SubjectListSerializer.Meta.fields,
            *[f for f in WRITABLE if f not in SubjectListSerializer.Meta.fields],
            "collection_point",
            "serviceman",
            "provenance",
            "benefits",
        ]


class SubjectWriteSerializer(serializers.ModelSerializer):
    """Shapes input only; the actions validate against the ID number and write."""

    id_number = serializers.CharField(max_length=40, write_only=True, required=False)
    division = serializers.CharField(max_length=12, required=False)
    collection_point = serializers.CharField(max_length=12, required=False, allow_blank=True)
    # Validated by the action against the model's choices (a "status" enum would clash in the schema).
    status = serializers.CharField(max_length=16, required=False)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[(p.value, p.label) for p in API_SOURCES], required=False
    )

    class Meta:
        model = Subject
        fields = [*WRITABLE, "id_number", "division", "collection_point", "source"]
        extra_kwargs = {"name": {"required": False}, "category": {"required": False}}


def _raise_field_errors(exc: DjangoValidationError) -> None:
    """An action's refusal as 400 field messages (an ID number error has no field of its own)."""
    raise ValidationError(field_errors(exc, default_field="id_number")) from None


def _division(code: str, field: str) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ValidationError({field: [_("Unknown administrative division.")]})
    return division


class SubjectPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


class LookupSerializer(serializers.Serializer):
    id_number = serializers.CharField(
        max_length=40,
        error_messages={
            "required": gettext_lazy("Enter the national ID number."),
            "blank": gettext_lazy("Enter the national ID number."),
            "null": gettext_lazy("Enter the national ID number."),
        },
    )


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class SubjectViewSet(GenericViewSet):
    """Subjects in the caller's jurisdiction. Outside it: 404."""

    serializer_class = SubjectSerializer
    queryset = Subject.objects.none()  # for the schema only; every method scopes its own query
    pagination_class = SubjectPagination
    lookup_value_regex = r"\d+"

    @extend_schema(parameters=filter_parameters(SubjectFilterSet), responses=SubjectListSerializer(many=True))
    def list(self, request: Request) -> Response:
        values = cleaned_filters(SubjectFilterSet, request.query_params)
        qs = queries.search(request.user, **{name: value or "" for name, value in values.items()})
        paginator = SubjectPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(SubjectListSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        subject = queries.access_subject(request.user, pk)
        reads.note_reads(request.user, [subject.pk], via=ReadVia.API)
        return Response(SubjectSerializer(subject).data)

    @extend_schema(request=SubjectWriteSerializer, responses={201: SubjectSerializer})
    def create(self, request: Request) -> Response:
        serializer = SubjectWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        errors = {
            f: [_("This field is required.")] for f in ("id_number", "name", "category", "division") if not data.get(f)
        }
        if errors:
            raise ValidationError(errors)
        division = _division(data.pop("division"), "division")
        if not scope.has_perm_at(request.user, HANDLE, division.code):
            raise PermissionDenied(_("You are not allowed to do this here."))
        point = data.pop("collection_point", "")
        if point:
            data["collection_point"] = _division(point, "collection_point")
        source = data.pop("source", Provenance.CASEWORKER_ENTRY)
        try:
            subject = do_register_subject(
                division=division,
                id_number=data.pop("id_number"),
                name=data.pop("name"),
                actor=request.user,
                provenance=source,
                **data,
            )
        except DjangoValidationError as exc:
            _raise_field_errors(exc)
        return Response(SubjectSerializer(subject).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubjectWriteSerializer, responses=SubjectSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        return self._update(request, pk)

    @extend_schema(request=SubjectWriteSerializer, responses=SubjectSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self._update(request, pk)

    def _update(self, request: Request, pk: str | None) -> Response:
        subject = queries.access_subject(request.user, pk, codename=HANDLE)
        serializer = SubjectWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes: dict[str, Any] = dict(serializer.validated_data)
        source = changes.pop("source", Provenance.CASEWORKER_ENTRY)
        if "division" in changes:
            division = _division(changes["division"], "division")
            if not scope.has_perm_at(request.user, HANDLE, division.code):
                raise PermissionDenied(_("You are not allowed to do this here."))
            changes["division"] = division
        if "collection_point" in changes:
            point = changes.pop("collection_point")
            changes["collection_point"] = _division(point, "collection_point") if point else None
        try:
            subject = do_update_subject(subject, changes=changes, provenance=source, actor=request.user)
        except DjangoValidationError as exc:
            _raise_field_errors(exc)
        return Response(SubjectSerializer(subject).data)

    @extend_schema(
        request=LookupSerializer,
        responses=inline_serializer("SubjectLookup", {"results": SubjectListSerializer(many=True)}),
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request: Request) -> Response:
        """Subjects in scope whose full ID number is exactly ``id_number`` (POST: never in a URL)."""
        serializer = LookupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subjects = queries.lookup(request.user, serializer.validated_data["id_number"]).select_related("division")[:10]
        return Response({"results": SubjectListSerializer(subjects, many=True).data})

    @extend_schema(
        request=RevealSerializer,
        responses=inline_serializer("RevealedIdNumber", {"id_number": serializers.CharField()}),
    )
    @action(detail=True, methods=["post"], url_path="reveal-id")
    def reveal_id(self, request: Request, pk: str | None = None) -> Response:
        subject = queries.access_subject(request.user, pk, codename=queries.REVEAL)
        serializer = RevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        try:
            number = do_reveal_id_number(subject, actor=request.user, reason=reason)
        except DjangoValidationError as exc:
            _raise_field_errors(exc)
        response = Response({"id_number": number})
        response["Cache-Control"] = "no-store"
        return response
