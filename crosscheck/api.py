"""``POST /api/v1/feeds/<department>/``: a department system pushes one batch (a file).

Body: multipart with the file in ``file`` (optional ``layout``), or the raw file with its
name in the ``X-File-Name`` header. 201 with the batch summary when loaded, 200 when the same
file was already loaded, 400 when the whole file is unusable, 403 with another department's
token, 404 for an unknown department.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FileUploadParser, FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from jurisdictions.models import Department

from . import actions, queries
from . import schema as _schema  # noqa: F401  (registers the OpenAPI auth scheme)
from .auth import FeedTokenAuthentication
from .models import DatasetBatch, FeedToken, Run

MAX_FEED_BYTES = actions.MAX_UPLOAD_BYTES


class IsFeedToken(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, FeedToken)


class BatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = DatasetBatch
        fields = [
            "id",
            "department",
            "layout",
            "file_name",
            "sha256",
            "coverage_code",
            "status",
            "total_rows",
            "loaded_rows",
            "rejected_rows",
            "errors",
            "created_at",
        ]


class FeedView(APIView):
    authentication_classes = [FeedTokenAuthentication]
    permission_classes = [IsFeedToken]
    parser_classes = [MultiPartParser, FormParser, FileUploadParser]
    serializer_class = BatchSerializer

    def post(self, request: Any, department: str, filename: str = "") -> Response:
        if department not in Department.values:
            raise Http404
        token: FeedToken = request.auth
        if token.department != department:
            raise PermissionDenied(_("This token may only push its own department's feed."))
        upload = request.data.get("file")
        batch, created = actions.do_load_upload(
            upload,
            file_name=request.headers.get("X-File-Name", ""),
            department=department,
            layout=str(request.data.get("layout", "") or ""),
            actor=None,
            token=token,
        )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- staff: uploads and runs (the same action as the feed; access through crosscheck.queries) ---

NOT_ALLOWED = OpenApiResponse(description="Visible, but neither a supervisor there nor this department's liaison.")


class DatasetUploadSerializer(serializers.Serializer):
    department = serializers.ChoiceField(choices=Department.choices)
    layout = serializers.CharField(required=False, allow_blank=True, default="")
    division = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Division the file covers (default: your own)."
    )
    file = serializers.FileField()


class RunRequestSerializer(serializers.Serializer):
    department = serializers.ChoiceField(choices=Department.choices, required=False, allow_blank=True, default="")
    division = serializers.CharField(required=False, allow_blank=True, default="")


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = Run
        fields = ["id", "department", "division_code", "status", "found", "opened", "closed", "suspects", "counts"]


class DatasetUploadView(APIView):
    """``POST /api/v1/crosscheck/datasets/``: a supervisor or the department's liaison uploads a file."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": DatasetUploadSerializer},
        responses={201: BatchSerializer, 200: BatchSerializer, 403: NOT_ALLOWED},
    )
    def post(self, request: Any) -> Response:
        serializer = DatasetUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        coverage = queries.access_upload(request.user, data["department"], data["division"])
        batch, created = actions.do_load_upload(
            data["file"],
            department=data["department"],
            layout=data["layout"],
            coverage_code=coverage,
            actor=request.user,
        )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RunStartView(APIView):
    """``POST /api/v1/crosscheck/runs/``: a supervisor (or a liaison, for their department) starts a run."""

    @extend_schema(request=RunRequestSerializer, responses={201: RunSerializer, 403: NOT_ALLOWED})
    def post(self, request: Any) -> Response:
        serializer = RunRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        division = queries.access_upload(request.user, data["department"], data["division"], run=True)
        run = actions.do_run_crosscheck(actor=request.user, department=data["department"], division_code=division)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)
