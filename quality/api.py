"""``GET /api/v1/quality-reviews/`` (the drawn decisions the user supervises, newest first; ``?waiting=1``
only those without a finding) and ``POST /api/v1/quality-reviews/{id}/findings/`` (a reviewer's finding)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import actions, queries
from .models import Finding

LIST_LIMIT = 500


class QualityReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.DateField(source="sample.month", format="%Y-%m")
    division = serializers.CharField(source="division_id")
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    case_kind = serializers.CharField(source="case.kind")
    outcome = serializers.CharField(source="case.outcome")
    decided_by = serializers.CharField(source="case.decided_by.username", allow_null=True, default=None)
    finding = serializers.ChoiceField(choices=Finding.choices, allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True, default=None)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reconsideration = serializers.IntegerField(source="reconsideration_id", allow_null=True)


class FindingSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=Finding.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class QualityReviewListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("waiting", bool, description="Only reviews without a finding.")],
        responses=QualityReviewSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        reviews = queries.reviews_for(request.user)
        if request.query_params.get("waiting") in ("1", "true"):
            reviews = reviews.filter(finding="")
        return Response(QualityReviewSerializer(reviews[:LIST_LIMIT], many=True).data)


class FindingView(APIView):
    @extend_schema(
        request=FindingSerializer,
        responses={
            200: QualityReviewSerializer,
            400: OpenApiResponse(
                description="Field messages (a reviewer who took part, a wrong decision without a note)."
            ),
            403: OpenApiResponse(description="Not a supervisor at the level above the decision."),
            404: OpenApiResponse(description="Outside the jurisdiction."),
            409: OpenApiResponse(description="Reviewed already."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        review = queries.access_review(request.user, pk)
        serializer = FindingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        review = actions.do_record_finding(review, finding=data["finding"], note=data["note"], actor=request.user)
        return Response(QualityReviewSerializer(queries.reviews_for(request.user).get(pk=review.pk)).data)
