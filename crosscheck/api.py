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
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FileUploadParser, FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from jurisdictions.models import Department

from . import actions, loader
from . import schema as _schema  # noqa: F401  (registers the OpenAPI auth scheme)
from .auth import FeedTokenAuthentication
from .models import DatasetBatch, FeedToken

MAX_FEED_BYTES = 512 * 1024 * 1024


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
        if upload is None:
            raise ValidationError({"file": [_("Attach the file in the field 'file'.")]})
        if upload.size > MAX_FEED_BYTES:
            raise ValidationError({"file": [_("The file is too large.")]})
        name = request.headers.get("X-File-Name") or getattr(upload, "name", "") or "feed.csv"
        try:
            batch, created = actions.do_load_dataset(
                upload.read(),
                file_name=name,
                department=department,
                layout=str(request.data.get("layout", "") or ""),
                actor=None,
                token=token,
            )
        except loader.DatasetFileError as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
