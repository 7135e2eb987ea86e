"""``POST /api/v1/entitlements/{id}/reveal-account/``: the full bank account for a stated reason (audited);
``GET /api/v1/rosters/by-county/``: each county's rosters and reconciliation (a province or city view)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from jurisdictions import scope
from jurisdictions.perms import HANDLE_CASES

from . import queries, rosters
from .api import _require_staff
from .models import Entitlement


class RevealAccountSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why the full account number is needed (recorded).")


class RevealedAccountSerializer(serializers.Serializer):
    entitlement = serializers.IntegerField()
    account = serializers.CharField(help_text="The full account number.")
    masked = serializers.CharField()


class RevealAccountView(GenericAPIView):
    """The full account number a benefit is paid into, for a reason (a caseworker of the county; audited)."""

    serializer_class = RevealAccountSerializer
    queryset = Entitlement.objects.none()

    @extend_schema(
        request=RevealAccountSerializer, responses={200: RevealedAccountSerializer, 400: None, 403: None, 404: None}
    )
    def post(self, request: Request, pk: int) -> Response:
        entitlement = Entitlement.objects.filter(pk=pk).first()
        scope.access_located(request.user, entitlement, codename=HANDLE_CASES)
        assert entitlement is not None
        body = RevealAccountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = rosters.do_reveal_account(entitlement, actor=request.user, reason=body.validated_data["reason"])
        response = Response({"entitlement": entitlement.pk, "account": account, "masked": entitlement.account_masked})
        response["Cache-Control"] = "no-store"
        return response


class CountyRostersSerializer(serializers.Serializer):
    division = serializers.CharField()
    name = serializers.CharField()
    rosters = serializers.IntegerField()
    unreconciled = serializers.IntegerField(help_text="Rosters not yet closed.")
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2)
    returned = serializers.DecimalField(max_digits=16, decimal_places=2)
    pending = serializers.DecimalField(max_digits=16, decimal_places=2)
    balanced = serializers.BooleanField(help_text="Every line answered and total = paid + returned.")


class RostersByCountyView(GenericAPIView):
    """Every county of the caller's jurisdiction with its rosters and their reconciliation."""

    serializer_class = CountyRostersSerializer
    queryset = Entitlement.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("period", OpenApiTypes.STR, required=False, description="Only this cycle.")],
        responses={200: CountyRostersSerializer(many=True), 400: None, 404: None},
    )
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        period = request.query_params.get("period", "").strip()
        if period:
            rosters.period_months(period)
        rows: list[dict[str, Any]] = queries.rosters_by_county(request.user, period=period)
        return Response(CountyRostersSerializer(rows, many=True).data)
