"""``/api/v1/public-notices/``: 公示 drafted from a proposed list, published, closed; the record with its
objections. The public side (the page and ``/api/v1/public/notices/…``) is in ``portal``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from jurisdictions import scope
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES

from . import notices
from .api import _require_staff, _required
from .models import NoticeEntry, NoticeKind, NoticeObjection, PublicNotice


class NoticeEntrySerializer(serializers.ModelSerializer):
    subject = serializers.IntegerField(source="subject_id", read_only=True)

    class Meta:
        model = NoticeEntry
        fields = ["row", "subject", "masked_name", "masked_id", "township", "benefit", "amount", "note"]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class NoticeObjectionSerializer(serializers.ModelSerializer):
    row = serializers.IntegerField(source="entry.row", read_only=True)
    case = serializers.CharField(source="case_number", read_only=True)

    class Meta:
        model = NoticeObjection
        fields = ["id", "row", "objector", "contact", "text", "raised_at", "case"]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class StaffPublicNoticeSerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)
    made_by = serializers.CharField(source="made_by.username", read_only=True, allow_null=True, default=None)
    published_by = serializers.CharField(source="published_by.username", read_only=True, allow_null=True, default=None)
    objection_count = serializers.SerializerMethodField()

    class Meta:
        model = PublicNotice
        fields = [
            "id",
            "division",
            "kind",
            "source",
            "title",
            "places",
            "window_days",
            "status",
            "published_on",
            "ends_on",
            "entry_count",
            "objection_count",
            "made_by",
            "published_by",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)

    def get_objection_count(self, notice: PublicNotice) -> int:
        return NoticeObjection.objects.filter(notice=notice).count()


class NoticeDetailSerializer(StaffPublicNoticeSerializer):
    entries = NoticeEntrySerializer(many=True, read_only=True)
    objections = NoticeObjectionSerializer(many=True, read_only=True)

    class Meta(StaffPublicNoticeSerializer.Meta):
        fields = [*StaffPublicNoticeSerializer.Meta.fields, "entries", "objections"]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class NoticeCreateSerializer(serializers.Serializer):
    division = serializers.CharField(max_length=12, help_text="The county's six-digit code.")
    kind = serializers.ChoiceField(choices=NoticeKind.choices, help_text="Which proposed list is published.")
    source = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.source
        max_length=16,
        help_text="Which list: the month of the awards (YYYY-MM), the confirmation year (YYYY) or the roster's cycle.",
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    places = serializers.CharField(max_length=255, required=False, allow_blank=True, help_text="Where it is posted.")
    window_days = serializers.IntegerField(
        required=False, min_value=1, max_value=notices.MAX_WINDOW_DAYS, help_text="Working days (default 7)."
    )


class NoticePagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


class NoticeListView(GenericAPIView):
    """公示 of the caller's jurisdiction; POST drafts one from a proposed list (masked entries)."""

    serializer_class = StaffPublicNoticeSerializer
    queryset = PublicNotice.objects.none()
    pagination_class = NoticePagination

    @extend_schema(responses=StaffPublicNoticeSerializer(many=True))
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        paginator = NoticePagination()
        page = paginator.paginate_queryset(notices.notices_for(request.user), request, view=self)
        return paginator.get_paginated_response(StaffPublicNoticeSerializer(page, many=True).data)

    @extend_schema(
        request=NoticeCreateSerializer,
        responses={201: NoticeDetailSerializer, 400: None, 403: None, 404: None},
    )
    def post(self, request: Request) -> Response:
        _require_staff(request.user)
        body = NoticeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(body.validated_data)
        division = scope.access_division(request.user, data.pop("division"))
        notice = notices.do_draft_notice(division.code, actor=request.user, **data)
        return Response(NoticeDetailSerializer(notice).data, status=201)


class NoticeDetailView(GenericAPIView):
    """One 公示 with its entries (as published) and its objections (each with its case)."""

    serializer_class = NoticeDetailSerializer
    queryset = PublicNotice.objects.none()

    @extend_schema(responses={200: NoticeDetailSerializer, 404: None})
    def get(self, request: Request, pk: int) -> Response:
        return Response(NoticeDetailSerializer(notices.access_notice(request.user, pk)).data)


class NoticePublishView(GenericAPIView):
    """Publish today (an approver of the county): the window ends after its working days."""

    serializer_class = StaffPublicNoticeSerializer
    queryset = PublicNotice.objects.none()

    @extend_schema(request=None, responses={200: StaffPublicNoticeSerializer, 403: None, 404: None, 409: None})
    def post(self, request: Request, pk: int) -> Response:
        notice = notices.access_notice(request.user, pk, codename=APPROVE_CASES)
        return Response(StaffPublicNoticeSerializer(notices.do_publish_notice(notice, actor=request.user)).data)


class NoticeCloseView(GenericAPIView):
    """Close the notice once its window is over (400 before); the record stays."""

    serializer_class = StaffPublicNoticeSerializer
    queryset = PublicNotice.objects.none()

    @extend_schema(
        request=None, responses={200: StaffPublicNoticeSerializer, 400: None, 403: None, 404: None, 409: None}
    )
    def post(self, request: Request, pk: int) -> Response:
        notice = notices.access_notice(request.user, pk, codename=HANDLE_CASES)
        return Response(StaffPublicNoticeSerializer(notices.do_close_notice(notice, actor=request.user)).data)
