"""API of 督办 orders: ``GET/POST /api/v1/supervision-orders/`` and ``POST …/{id}/report/``.

Listing is scoped to the user's jurisdiction (the supervised body sees its own orders, supervisors
those of their subtree); issuing needs ``supervise`` strictly above the case's or body's division
(404 when the case or body is outside the jurisdiction, 403 when visible but not supervised from
above); reporting needs ``handle_cases`` at the supervised body.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.queries import access_case
from core.validators import no_invisible_characters
from jurisdictions.scope import access_division

from . import supervision
from .models import Intensity, SupervisionOrder

ERRORS = {
    400: OpenApiResponse(description="Field messages naming the field; nothing saved."),
    403: OpenApiResponse(
        description="Visible, but not supervised from above by this person / not the supervised body."
    ),
    404: OpenApiResponse(description="Outside the jurisdiction."),
    409: OpenApiResponse(description="Already reported on."),
}


class SupervisionOrderSerializer(serializers.ModelSerializer):
    case_number = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    body = serializers.CharField(source="division_id", read_only=True, help_text="The supervised body's code.")
    issued_at = serializers.CharField(source="issued_at_division_id", read_only=True)

    class Meta:
        model = SupervisionOrder
        fields = [
            "id",
            "case",
            "case_number",
            "body",
            "issued_at",
            "intensity",
            "deadline",
            "instructions",
            "issued_on",
            "issued_by",
            "report",
            "reported_on",
            "urged_on",
            "circulated_on",
            "state",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"required": True} for name in fields}

    def get_case_number(self, order: SupervisionOrder) -> str | None:
        return order.case.number if order.case_id and order.case else None

    def get_state(self, order: SupervisionOrder) -> str:
        return supervision.state_of(order)


class IssueSerializer(serializers.Serializer):
    case = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=12)
    intensity = serializers.ChoiceField(choices=Intensity.choices)
    deadline = serializers.DateField()
    instructions = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, validators=[no_invisible_characters]
    )


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField(allow_blank=True, max_length=supervision.REPORT_LIMIT)


class SupervisionOrderListView(APIView):
    @extend_schema(responses={200: SupervisionOrderSerializer(many=True)})
    def get(self, request: Request) -> Response:
        orders = supervision.orders_for(request.user)[:500]
        return Response(SupervisionOrderSerializer(orders, many=True).data)

    @extend_schema(request=IssueSerializer, responses={201: SupervisionOrderSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = IssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        case = access_case(request.user, data["case"]) if data["case"] is not None else None
        body = access_division(request.user, data["body"]) if data["body"] else None
        order = supervision.do_issue_order(
            actor=request.user,
            case=case,
            body=body,
            intensity=data["intensity"],
            deadline=data["deadline"],
            instructions=data["instructions"],
        )
        return Response(SupervisionOrderSerializer(order).data, status=201)


class SupervisionOrderReportView(APIView):
    @extend_schema(request=ReportSerializer, responses={200: SupervisionOrderSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        order = supervision.access_order(request.user, pk)
        serializer = ReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = supervision.do_report_order(order, actor=request.user, report=serializer.validated_data["report"])
        return Response(SupervisionOrderSerializer(order).data)
