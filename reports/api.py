"""Reports API: the summary of a division's subtree."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import dashboard, queries


class SummaryView(APIView):
    """``GET /api/v1/reports/summary/?division=<code>``: counts by category, status and case stage.

    404 when the division is unknown or outside the caller's jurisdiction (an ancestor that
    only names the caller's subtree is not enough: its totals would include other places).
    """

    @extend_schema(
        parameters=[OpenApiParameter("division", OpenApiTypes.STR, required=False, description="Division code")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        code = request.query_params.get("division") or queries.home_division(request.user) or ""
        division = queries.access_subtree(request.user, code)
        return Response(dashboard.summary(request.user, division))
