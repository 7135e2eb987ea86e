"""``/api/v1/benefit-standards/``, ``/api/v1/subjects/{id}/benefits/``, ``/api/v1/recoveries/``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import field_errors
from jurisdictions import scope
from jurisdictions.perms import VIEW
from subjects.queries import access_subject

from . import actions, queries
from .models import BenefitStandard, Entitlement, MonthlyLine, RecoveryItem, RecoveryStatus
from .rules import PERIODIC_TYPES


def _required(fields: list[str]) -> dict[str, Any]:
    return {name: {"required": True} for name in fields if name != "id"}


class StandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenefitStandard
        fields = [
            "id",
            "benefit_type",
            "category",
            "grade",
            "cause",
            "care_level",
            "region",
            "effective_from",
            "effective_to",
            "formula",
            "amount",
            "percent",
            "base",
            "article",
            "is_sample",
            "supersedes",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class StandardChangeSerializer(serializers.Serializer):
    replaces = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The standard row whose figure changes."
    )
    effective_from = serializers.DateField(help_text="First day of the month the new figure applies from.")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
    reason = serializers.CharField(max_length=255, help_text="The document that sets the figure.")


class LineSerializer(serializers.ModelSerializer):
    standard = StandardSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MonthlyLine
        fields = ["id", "month", "kind", "amount", "standard", "article", "note", "payee", "locked"]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class EntitlementSerializer(serializers.ModelSerializer):
    benefit = serializers.IntegerField(source="benefit_id", read_only=True)
    standard = StandardSerializer(read_only=True)
    lines = LineSerializer(many=True, read_only=True, source="line_list")

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "benefit",
            "benefit_type",
            "category",
            "grade",
            "cause",
            "care_level",
            "war_veteran",
            "effective_month",
            "monthly_amount",
            "status",
            "suspended_from",
            "reason",
            "last_month",
            "standard",
            "lines",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class RecoverySerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = RecoveryItem
        fields = [
            "id",
            "subject",
            "entitlement",
            "division",
            "cause",
            "first_month",
            "last_month",
            "months",
            "amount",
            "to_recover",
            "waived",
            "repaid",
            "balance",
            "instalments",
            "status",
            "fraud_referral",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class SubjectBenefitsSerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    benefits = EntitlementSerializer(many=True)


class StandardPagination(CursorPagination):
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = ("id",)


class RecoveryPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


def _require_staff(user: Any) -> None:
    if not scope.codes_with(user, VIEW):
        raise Http404(_("Not found."))


class StandardListView(GenericAPIView):
    """The standards table; POST changes a row's figure from an effective date (province approvers)."""

    serializer_class = StandardSerializer
    queryset = BenefitStandard.objects.none()
    pagination_class = StandardPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("benefit_type", OpenApiTypes.STR, required=False, enum=list(PERIODIC_TYPES)),
            OpenApiParameter("current", OpenApiTypes.BOOL, required=False, description="Only rows without an end."),
        ],
        responses=StandardSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        benefit_type = request.query_params.get("benefit_type", "")
        if benefit_type and benefit_type not in PERIODIC_TYPES:
            raise ValidationError({"benefit_type": [_("Not a benefit paid monthly by veterans' affairs.")]})
        current = request.query_params.get("current", "")
        if current not in ("", "true", "false", "1", "0"):
            raise ValidationError({"current": [_("Enter true or false.")]})
        qs = queries.standards(benefit_type=benefit_type, current_only=current in ("true", "1"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs.order_by("id"), request, view=self)
        return paginator.get_paginated_response(StandardSerializer(page, many=True).data)

    @extend_schema(request=StandardChangeSerializer, responses={201: StandardSerializer})
    def post(self, request: Request) -> Response:
        _require_staff(request.user)
        body = StandardChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        old = BenefitStandard.objects.filter(pk=data.pop("replaces")).first()
        if old is None:
            raise ValidationError({"replaces": [_("No such standard.")]})
        try:
            new = actions.do_change_standard(old, actor=request.user, **data)
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from None
        return Response(StandardSerializer(new).data, status=201)


class SubjectBenefitsView(GenericAPIView):
    """The person's benefits paid here, each with its monthly lines and the standard and article behind each."""

    serializer_class = SubjectBenefitsSerializer
    queryset = Entitlement.objects.none()

    def get(self, request: Request, pk: int) -> Response:
        subject = access_subject(request.user, pk)
        data = {
            "subject": subject.pk,
            "balance": queries.balance_of(subject),
            "benefits": queries.entitlements_of(subject),
        }
        return Response(SubjectBenefitsSerializer(data).data)


class RecoveryListView(GenericAPIView):
    """Overpayments to recover in the caller's jurisdiction."""

    serializer_class = RecoverySerializer
    queryset = RecoveryItem.objects.none()
    pagination_class = RecoveryPagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                required=False,
                enum=["open", *RecoveryStatus.values],
                description="open: not settled",
            )
        ],
        responses=RecoverySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        status = request.query_params.get("status", "")
        if status not in ("", "open", *RecoveryStatus.values):
            raise ValidationError({"status": [_("Unknown status.")]})
        paginator = RecoveryPagination()
        page = paginator.paginate_queryset(queries.recoveries_for(request.user, status=status), request, view=self)
        return paginator.get_paginated_response(RecoverySerializer(page, many=True).data)
