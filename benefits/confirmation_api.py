"""The annual confirmation's API: ``/api/v1/confirmation-campaigns/`` (list, open), a campaign's
items and progress, and ``/api/v1/confirmation-items/{id}/confirm/`` (and spot-check, cancel)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from jurisdictions import scope
from jurisdictions.perms import HANDLE_CASES, VIEW

from . import confirmation
from .models import ConfirmationCampaign, ConfirmationItem, ConfirmationMethod, ConfirmationStatus


def _require_staff(user: Any) -> None:
    if not scope.codes_with(user, VIEW):
        raise Http404(_("Not found."))


def _required(fields: list[str]) -> dict[str, Any]:
    return {name: {"required": True} for name in fields if name != "id"}


class ConfirmationProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    data_match = serializers.IntegerField(help_text="Confirmed silently by the department data match.")
    open = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Still open after the grace period: benefit suspended.")
    cancelled = serializers.IntegerField()
    spot_pending = serializers.IntegerField(help_text="Drawn for a spot check, not yet checked.")
    percent = serializers.FloatField(help_text="Confirmed, per cent of the items not cancelled.")


class ConfirmationDivisionProgressSerializer(ConfirmationProgressSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ConfirmationCampaignSerializer(serializers.ModelSerializer):
    deadline = serializers.DateField(read_only=True, help_text="The window's end plus the grace period.")
    progress = serializers.SerializerMethodField(help_text="The caller's part of the campaign.")
    final_figures = serializers.SerializerMethodField(
        help_text="Frozen when the campaign was closed (null while it is open): the whole campaign's figures "
        "(items, confirmed, open, overdue, cancelled, death_record, suspended, resumed, by_method, "
        "silent_by_rule, spot_check)."
    )

    class Meta:
        model = ConfirmationCampaign
        fields = [
            "id",
            "division",
            "year",
            "window_start",
            "window_end",
            "grace_days",
            "deadline",
            "spot_check_percent",
            "status",
            "item_count",
            "matched_at",
            "closed_at",
            "closed_by",
            "created_at",
            "progress",
            "final_figures",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_final_figures(self, campaign: ConfirmationCampaign) -> dict[str, Any] | None:
        return campaign.final_figures.get("total") if campaign.final_figures else None

    @extend_schema_field(ConfirmationProgressSerializer)
    def get_progress(self, campaign: ConfirmationCampaign) -> dict[str, Any]:
        return confirmation.totals(campaign, self.context["request"].user)


class ConfirmationCampaignCreateSerializer(serializers.Serializer):
    division = serializers.CharField(max_length=12, help_text="A province (2 digits) or county (6 digits).")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    window_start = serializers.DateField(required=False, help_text="Default: today (or 1 January of the year).")
    window_end = serializers.DateField(required=False, help_text="Default: 60 days after the window opens.")
    grace_days = serializers.IntegerField(required=False, default=5, min_value=0, max_value=90)
    spot_check_percent = serializers.IntegerField(required=False, default=5, min_value=0, max_value=100)


class ConfirmationItemSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="subject.name", read_only=True)
    evidence = serializers.SerializerMethodField(
        help_text="Data match: rule, rule_label, batch, date. Otherwise: performed_by, performed_on, reference, note."
    )

    class Meta:
        model = ConfirmationItem
        fields = [
            "id",
            "campaign",
            "subject",
            "name",
            "division",
            "status",
            "method",
            "evidence",
            "death_record",
            "confirmed_by",
            "confirmed_at",
            "suspended_at",
            "spot_check",
            "spot_checked_by",
            "cancel_reason",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_evidence(self, item: ConfirmationItem) -> dict[str, Any]:
        if item.method == ConfirmationMethod.DATA_MATCH:
            return {
                "rule": item.evidence_rule,
                "rule_label": confirmation.rule_label(item.evidence_rule),
                "batch": item.evidence_batch_id,
                "date": item.evidence_date.isoformat() if item.evidence_date else None,
            }
        return dict(item.evidence)


class ConfirmationRequestSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ConfirmationMethod.choices)
    evidence = serializers.JSONField(
        required=False,
        help_text="For a person's confirmation: {performed_by, performed_on (YYYY-MM-DD), reference, note}; "
        "video and face_elsewhere need a reference. No images.",
    )


class ConfirmationSpotCheckSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ConfirmationCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class CampaignPagination(CursorPagination):
    page_size = 50
    ordering = ("-year", "-id")


class ItemPagination(CursorPagination):
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = ("id",)


STATUS_FILTER = [*ConfirmationStatus.values, "spot_check"]


class CampaignListView(GenericAPIView):
    """Confirmation campaigns covering the caller's jurisdiction; POST opens one (a province's or
    a county's approver) and runs the department data match at once."""

    serializer_class = ConfirmationCampaignSerializer
    queryset = ConfirmationCampaign.objects.none()
    pagination_class = CampaignPagination

    @extend_schema(responses=ConfirmationCampaignSerializer(many=True))
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        paginator = CampaignPagination()
        page = paginator.paginate_queryset(confirmation.campaigns_for(request.user), request, view=self)
        return paginator.get_paginated_response(
            ConfirmationCampaignSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        request=ConfirmationCampaignCreateSerializer,
        responses={201: ConfirmationCampaignSerializer, 400: None, 403: None, 404: None, 409: None},
    )
    def post(self, request: Request) -> Response:
        _require_staff(request.user)
        body = ConfirmationCampaignCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        division = scope.access_division(request.user, data["division"])
        campaign = confirmation.do_open_campaign(
            division.code,
            year=data["year"],
            actor=request.user,
            window_start=data.get("window_start"),
            window_end=data.get("window_end"),
            grace_days=data["grace_days"],
            spot_check_percent=data["spot_check_percent"],
        )
        confirmation.do_data_match(campaign, actor=request.user)
        campaign.refresh_from_db()
        return Response(ConfirmationCampaignSerializer(campaign, context={"request": request}).data, status=201)


class CampaignItemsView(GenericAPIView):
    """The campaign's items in the caller's jurisdiction (``?status=open|confirmed|overdue|cancelled|spot_check``)."""

    serializer_class = ConfirmationItemSerializer
    queryset = ConfirmationItem.objects.none()
    pagination_class = ItemPagination

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, required=False, enum=STATUS_FILTER)],
        responses={200: ConfirmationItemSerializer(many=True), 404: None},
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = confirmation.access_campaign(request.user, pk)
        status = request.query_params.get("status", "")
        if status and status not in STATUS_FILTER:
            raise serializers.ValidationError({"status": [_("Unknown status.")]})
        paginator = ItemPagination()
        page = paginator.paginate_queryset(
            confirmation.items_for(request.user, campaign, status=status), request, view=self
        )
        return paginator.get_paginated_response(ConfirmationItemSerializer(page, many=True).data)


class CampaignProgressView(GenericAPIView):
    """Progress per township, county, city or province (``?level=``), in the caller's jurisdiction."""

    serializer_class = ConfirmationDivisionProgressSerializer
    queryset = ConfirmationCampaign.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, required=False, enum=list(confirmation.LEVELS)),
        ],
        responses={200: ConfirmationDivisionProgressSerializer(many=True), 404: None},
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = confirmation.access_campaign(request.user, pk)
        level = request.query_params.get("level", "county")
        if level not in confirmation.LEVELS:
            raise serializers.ValidationError({"level": [_("Use township, county, city or province.")]})
        return Response(
            ConfirmationDivisionProgressSerializer(
                confirmation.progress(campaign, request.user, level=level), many=True
            ).data
        )


class CampaignMatchView(GenericAPIView):
    """Run the department data match again (after new feeds were loaded)."""

    serializer_class = ConfirmationProgressSerializer
    queryset = ConfirmationCampaign.objects.none()

    @extend_schema(request=None, responses={200: ConfirmationProgressSerializer, 403: None, 404: None, 409: None})
    def post(self, request: Request, pk: int) -> Response:
        campaign = confirmation.access_campaign(request.user, pk)
        confirmation.require_matcher(request.user, campaign)
        confirmation.do_data_match(campaign, actor=request.user)
        return Response(ConfirmationProgressSerializer(confirmation.totals(campaign, request.user)).data)


class CampaignCloseView(GenericAPIView):
    """Close the campaign after its grace period (an approver of its division): refused while drawn
    confirmations wait for their spot check or items are still open; the figures are frozen and the
    items no longer change."""

    serializer_class = ConfirmationCampaignSerializer
    queryset = ConfirmationCampaign.objects.none()

    @extend_schema(
        request=None, responses={200: ConfirmationCampaignSerializer, 400: None, 403: None, 404: None, 409: None}
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = confirmation.access_campaign(request.user, pk)
        confirmation.require_closer(request.user, campaign)
        closed = confirmation.do_close_campaign(campaign, actor=request.user)
        return Response(ConfirmationCampaignSerializer(closed, context={"request": request}).data)


class ItemConfirmView(GenericAPIView):
    """Confirm one person: ``data_match`` (the rules for this person), ``home_visit``, ``station``,
    ``video`` or ``face_elsewhere`` (method, who, when, reference: no images). Confirming an overdue
    item resumes the benefit with the suspended months paid back."""

    serializer_class = ConfirmationRequestSerializer
    queryset = ConfirmationItem.objects.none()

    @extend_schema(
        request=ConfirmationRequestSerializer,
        responses={200: ConfirmationItemSerializer, 400: None, 403: None, 404: None, 409: None},
    )
    def post(self, request: Request, pk: int) -> Response:
        item = confirmation.access_item(request.user, pk, codename=HANDLE_CASES)
        body = ConfirmationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = confirmation.do_confirm_item(
            item, method=body.validated_data["method"], evidence=body.validated_data.get("evidence"), actor=request.user
        )
        return Response(ConfirmationItemSerializer(done).data)


class ItemSpotCheckView(GenericAPIView):
    """A second person's spot check (抽查) of a drawn confirmation; not upheld reopens the item."""

    serializer_class = ConfirmationSpotCheckSerializer
    queryset = ConfirmationItem.objects.none()

    @extend_schema(
        request=ConfirmationSpotCheckSerializer,
        responses={200: ConfirmationItemSerializer, 400: None, 403: None, 404: None, 409: None},
    )
    def post(self, request: Request, pk: int) -> Response:
        item = confirmation.access_item(request.user, pk)
        confirmation.require_spot_checker(request.user, item)
        body = ConfirmationSpotCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = confirmation.do_spot_check(
            item, upheld=body.validated_data["upheld"], note=body.validated_data["note"], actor=request.user
        )
        return Response(ConfirmationItemSerializer(done).data)


class ItemCancelView(GenericAPIView):
    """No confirmation is due for this person (with the reason)."""

    serializer_class = ConfirmationCancelSerializer
    queryset = ConfirmationItem.objects.none()

    @extend_schema(
        request=ConfirmationCancelSerializer,
        responses={200: ConfirmationItemSerializer, 400: None, 403: None, 404: None, 409: None},
    )
    def post(self, request: Request, pk: int) -> Response:
        item = confirmation.access_item(request.user, pk, codename=HANDLE_CASES)
        body = ConfirmationCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = confirmation.do_cancel_item(item, reason=body.validated_data["reason"], actor=request.user)
        return Response(ConfirmationItemSerializer(done).data)
