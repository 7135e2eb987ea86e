"""API: a case's letters, one letter, and its PDF (every download audited).

Authorised through ``letters.kinds.access_case`` (the access check the cases app registers)
and ``letters.queries.access_letter``: 404 outside the user's jurisdiction.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Conflict

from . import actions, kinds, queries
from .models import Letter, Status
from .views import pdf_response


class DispatchSerializer(serializers.Serializer):
    method = serializers.CharField()
    date = serializers.DateField()
    tracking_number = serializers.CharField()


class LetterSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    supersedes = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()
    dispatches = DispatchSerializer(many=True, read_only=True)
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Letter
        fields = [
            "id",
            "case",
            "kind",
            "title",
            "number",
            "status",
            "requested_at",
            "issued_at",
            "sha256",
            "size",
            "template_version",
            "supersedes",
            "superseded_by",
            "superseded_at",
            "delivered_on",
            "dispatches",
            "pdf",
        ]

    def get_supersedes(self, letter: Letter) -> int | None:
        return letter.supersedes_id

    def get_superseded_by(self, letter: Letter) -> int | None:
        newer = getattr(letter, "superseded_by", None) if letter.superseded_at else None
        return newer.pk if newer is not None else None

    def get_pdf(self, letter: Letter) -> str | None:
        request = self.context.get("request")
        if letter.status != Status.ISSUED or request is None:
            return None
        return request.build_absolute_uri(f"/api/v1/letters/{letter.pk}/pdf")


class CaseLettersView(APIView):
    @extend_schema(responses=LetterSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        case = kinds.access_case(request.user, pk)
        letters = queries.letters_of_case(case).prefetch_related("dispatches")
        return Response(LetterSerializer(letters, many=True, context={"request": request}).data)


class LetterDetailView(APIView):
    @extend_schema(responses=LetterSerializer)
    def get(self, request: Request, pk: int) -> Response:
        letter = queries.access_letter(request.user, pk)
        return Response(LetterSerializer(letter, context={"request": request}).data)


class LetterPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> Any:
        letter = queries.access_letter(request.user, pk)
        if letter.status != Status.ISSUED:
            raise Conflict(_("This letter has not been issued yet."), current_status=letter.status)
        actions.do_record_download(letter, actor=request.user, via="api")
        return pdf_response(letter)
