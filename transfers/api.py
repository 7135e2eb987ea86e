"""Transfers between jurisdictions under ``/api/v1/``.

``POST /api/v1/subjects/{id}/transfers/`` (the sending county proposes), ``GET /api/v1/transfers/``
(``?direction=in|out``), ``GET /api/v1/transfers/{id}/``, ``POST /api/v1/transfers/{id}/release/``
(the sending county's approver), ``POST /api/v1/transfers/{id}/accept/`` and ``/refuse/``
(``{"reasons": …}``; the side whose turn it is).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from subjects.queries import access_subject

from . import actions, nodes, queries
from .models import CaseChoice, Side, Status, Transfer

LIST_LIMIT = 500

ERRORS: dict[int | str, Any] = {
    400: OpenApiResponse(description="Field messages in Chinese naming the field; nothing changed."),
    403: OpenApiResponse(description="Visible, but this step is for another county's or role's approver."),
    404: OpenApiResponse(description="Outside both counties' jurisdictions."),
    409: OpenApiResponse(description="Not the transfer's current step (with its current status)."),
}


class BenefitSummarySerializer(serializers.Serializer):
    benefit_type = serializers.CharField()
    benefit_label = serializers.CharField()
    monthly_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    status = serializers.CharField()
    status_label = serializers.CharField()


class CaseSummarySerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    choice = serializers.ChoiceField(choices=CaseChoice.choices)
    choice_label = serializers.CharField()


class PersonSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    sex = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    category_label = serializers.CharField()
    benefits = BenefitSummarySerializer(many=True)
    cases = CaseSummarySerializer(many=True)


class TransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    subject = serializers.IntegerField(source="subject_id")
    person = serializers.SerializerMethodField()
    from_division = serializers.CharField(source="division_id")
    from_name = serializers.CharField(source="division.name")
    to = serializers.CharField(source="to_division_id")
    to_name = serializers.CharField(source="to_division.name")
    reason = serializers.CharField()
    effective_month = serializers.DateField(format="%Y-%m")
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    escalated_at = serializers.DateTimeField(
        allow_null=True, help_text="when the current side's overdue step was escalated"
    )
    proposed_by = serializers.CharField(source="proposed_by.username")
    proposed_at = serializers.DateTimeField(source="created_at")
    released_by = serializers.CharField(source="released_by.username", allow_null=True, default=None)
    released_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    refused_by_side = serializers.ChoiceField(choices=Side.choices, allow_blank=True)
    refusal_reasons = serializers.CharField(allow_blank=True)

    @extend_schema_field(PersonSummarySerializer)
    def get_person(self, transfer: Transfer) -> dict[str, Any]:
        return queries.person_summary(transfer)


class ProposeSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="The destination's division code (a county or a township).")
    reason = serializers.CharField()
    effective_month = serializers.CharField(help_text="YYYY-MM: the first month the new county pays.")
    cases = serializers.DictField(
        child=serializers.ChoiceField(choices=CaseChoice.choices),
        required=False,
        help_text="Per open case (by number): stay (finishes where it is) or move (moves with the file).",
    )


class ReleaseSerializer(serializers.Serializer):
    cases = serializers.DictField(child=serializers.ChoiceField(choices=CaseChoice.choices), required=False)


class RefuseSerializer(serializers.Serializer):
    reasons = serializers.CharField()


def _payload(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The body as given (blank values reach the action, whose Chinese messages name the field)."""
    data = request.data if hasattr(request.data, "get") else {}
    return {name: data.get(name) for name in list(serializer_class().fields.keys())}


def _one(request: Request, transfer: Transfer) -> Response:
    return Response(TransferSerializer(queries.access_transfer(request.user, transfer.pk)).data)


class SubjectTransfersView(APIView):
    @extend_schema(request=ProposeSerializer, responses={201: TransferSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        subject = access_subject(request.user, pk, codename=nodes.PROPOSE_PERMISSION)
        data = _payload(request, ProposeSerializer)
        cases = data.get("cases")
        transfer = actions.do_propose_transfer(
            subject,
            to=data.get("to"),
            reason=data.get("reason"),
            effective_month=data.get("effective_month"),
            cases=cases if isinstance(cases, dict) else None,
            actor=request.user,
        )
        response = _one(request, transfer)
        response.status_code = 201
        return response


class TransferListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=["in", "out"], description="in: to my jurisdiction; out: from it."),
            OpenApiParameter("waiting", bool, description="Only the transfers whose current step is mine."),
        ],
        responses=TransferSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        direction = request.query_params.get("direction", "")
        if request.query_params.get("waiting") in ("1", "true"):
            transfers = queries.waiting_for(request.user)
        else:
            transfers = queries.transfers_for(request.user, direction=direction)
        return Response(TransferSerializer(transfers[:LIST_LIMIT], many=True).data)


class TransferDetailView(APIView):
    @extend_schema(responses={200: TransferSerializer, 404: ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        return Response(TransferSerializer(queries.access_transfer(request.user, pk)).data)


class ReleaseView(APIView):
    @extend_schema(request=ReleaseSerializer, responses={200: TransferSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        transfer = queries.access_transfer(request.user, pk)
        queries.require_step(request.user, transfer, nodes.RELEASE)
        cases = _payload(request, ReleaseSerializer).get("cases")
        transfer = actions.do_release_transfer(
            transfer, actor=request.user, cases=cases if isinstance(cases, dict) else None
        )
        return _one(request, transfer)


class AcceptView(APIView):
    @extend_schema(request=None, responses={200: TransferSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        transfer = queries.access_transfer(request.user, pk)
        queries.require_step(request.user, transfer, nodes.ACCEPT)
        return _one(request, actions.do_accept_transfer(transfer, actor=request.user))


class RefuseView(APIView):
    @extend_schema(request=RefuseSerializer, responses={200: TransferSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        transfer = queries.access_transfer(request.user, pk)
        queries.require_step(request.user, transfer)
        reasons = _payload(request, RefuseSerializer).get("reasons")
        return _one(request, actions.do_refuse_transfer(transfer, actor=request.user, reasons=reasons))
