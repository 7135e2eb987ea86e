"""``/api/v1/benefit-standards/``, ``/api/v1/subjects/{id}/benefits/``, ``/api/v1/recoveries/``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import field_errors
from jurisdictions import scope
from jurisdictions.perms import VIEW
from subjects.queries import access_subject

from . import actions, queries, recovery_cases, rosters
from .models import BenefitStandard, Entitlement, MonthlyLine, RecoveryItem, RecoveryStatus, Roster
from .rules import PERIODIC_TYPES


def _required(fields: list[str]) -> dict[str, Any]:
    return {name: {"required": True} for name in fields if name != "id"}


class StandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenefitStandard
        fields = [
            "id",
            "benefit_type",
            "category",
            "grade",
            "cause",
            "care_level",
            "region",
            "effective_from",
            "effective_to",
            "formula",
            "amount",
            "percent",
            "base",
            "article",
            "is_sample",
            "supersedes",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class StandardChangeSerializer(serializers.Serializer):
    replaces = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The standard row whose figure changes."
    )
    effective_from = serializers.DateField(help_text="First day of the month the new figure applies from.")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
    reason = serializers.CharField(max_length=255, help_text="The document that sets the figure.")


class LineSerializer(serializers.ModelSerializer):
    standard = StandardSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MonthlyLine
        fields = ["id", "month", "kind", "amount", "standard", "article", "note", "payee", "locked"]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class EntitlementSerializer(serializers.ModelSerializer):
    benefit = serializers.IntegerField(source="benefit_id", read_only=True)
    standard = StandardSerializer(read_only=True)
    lines = LineSerializer(many=True, read_only=True, source="line_list")

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "benefit",
            "benefit_type",
            "category",
            "grade",
            "cause",
            "care_level",
            "war_veteran",
            "effective_month",
            "monthly_amount",
            "status",
            "suspended_from",
            "reason",
            "last_month",
            "standard",
            "lines",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class InstalmentSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month the instalment is due.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class RecoveryCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField(help_text="The case's status (as in /api/v1/cases/).")
    status_label = serializers.CharField(help_text="The case's status, in words.")
    open = serializers.BooleanField(help_text="Not yet decided (the approval applies the decision).")


class RecoverySerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    schedule = serializers.SerializerMethodField(help_text="The decided instalments, each month and amount.")
    case = serializers.SerializerMethodField(
        help_text="The latest case (kind recovery) that decides the overpayment; null until one is filed."
    )

    @extend_schema_field(InstalmentSerializer(many=True))
    def get_schedule(self, item: RecoveryItem) -> list[dict[str, Any]]:
        return [{"month": month.isoformat(), "amount": str(amount)} for month, amount in item.schedule]

    @extend_schema_field(RecoveryCaseSerializer(allow_null=True))
    def get_case(self, item: RecoveryItem) -> dict[str, Any] | None:
        found = self.context.get("cases", {}).get(item.pk)
        if found is None:
            return None
        return {
            "id": found.pk,
            "number": found.number,
            "status": found.status,
            "status_label": found.status_label,
            "open": found.open,
        }

    class Meta:
        model = RecoveryItem
        fields = [
            "id",
            "subject",
            "entitlement",
            "division",
            "cause",
            "first_month",
            "last_month",
            "months",
            "amount",
            "to_recover",
            "waived",
            "repaid",
            "balance",
            "instalments",
            "first_due",
            "schedule",
            "status",
            "fraud_referral",
            "case",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)


class SubjectBenefitsSerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    benefits = EntitlementSerializer(many=True)


class StandardPagination(CursorPagination):
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = ("id",)


class RecoveryPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


def _require_staff(user: Any) -> None:
    if not scope.codes_with(user, VIEW):
        raise Http404(_("Not found."))


class StandardListView(GenericAPIView):
    """The standards table; POST changes a row's figure from an effective date (province approvers)."""

    serializer_class = StandardSerializer
    queryset = BenefitStandard.objects.none()
    pagination_class = StandardPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("benefit_type", OpenApiTypes.STR, required=False, enum=list(PERIODIC_TYPES)),
            OpenApiParameter("current", OpenApiTypes.BOOL, required=False, description="Only rows without an end."),
        ],
        responses=StandardSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        benefit_type = request.query_params.get("benefit_type", "")
        if benefit_type and benefit_type not in PERIODIC_TYPES:
            raise ValidationError({"benefit_type": [_("Not a benefit paid monthly by veterans' affairs.")]})
        current = request.query_params.get("current", "")
        if current not in ("", "true", "false", "1", "0"):
            raise ValidationError({"current": [_("Enter true or false.")]})
        qs = queries.standards(benefit_type=benefit_type, current_only=current in ("true", "1"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs.order_by("id"), request, view=self)
        return paginator.get_paginated_response(StandardSerializer(page, many=True).data)

    @extend_schema(request=StandardChangeSerializer, responses={201: StandardSerializer})
    def post(self, request: Request) -> Response:
        _require_staff(request.user)
        body = StandardChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        old = BenefitStandard.objects.filter(pk=data.pop("replaces")).first()
        if old is None:
            raise ValidationError({"replaces": [_("No such standard.")]})
        try:
            new = actions.do_change_standard(old, actor=request.user, **data)
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from None
        return Response(StandardSerializer(new).data, status=201)


class SubjectBenefitsView(GenericAPIView):
    """The person's benefits paid here, each with its monthly lines and the standard and article behind each."""

    serializer_class = SubjectBenefitsSerializer
    queryset = Entitlement.objects.none()

    def get(self, request: Request, pk: int) -> Response:
        subject = access_subject(request.user, pk)
        data = {
            "subject": subject.pk,
            "balance": queries.balance_of(subject),
            "benefits": queries.entitlements_of(subject),
        }
        return Response(SubjectBenefitsSerializer(data).data)


class RecoveryListView(GenericAPIView):
    """Overpayments to recover in the caller's jurisdiction."""

    serializer_class = RecoverySerializer
    queryset = RecoveryItem.objects.none()
    pagination_class = RecoveryPagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                required=False,
                enum=["open", *RecoveryStatus.values],
                description="open: not settled",
            )
        ],
        responses=RecoverySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        status = request.query_params.get("status", "")
        if status not in ("", "open", *RecoveryStatus.values):
            raise ValidationError({"status": [_("Unknown status.")]})
        paginator = RecoveryPagination()
        page = paginator.paginate_queryset(queries.recoveries_for(request.user, status=status), request, view=self)
        found = recovery_cases.cases_of(item.pk for item in page or [])
        return paginator.get_paginated_response(RecoverySerializer(page, many=True, context={"cases": found}).data)


# --- payment rosters ---------------------------------------------------------------------------------


class ReconciliationSerializer(serializers.Serializer):
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    returned = serializers.DecimalField(max_digits=14, decimal_places=2)
    pending = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_lines = serializers.IntegerField()
    returned_lines = serializers.IntegerField()
    pending_lines = serializers.IntegerField()
    balanced = serializers.BooleanField(help_text="Every line answered and roster = paid + returned.")


class RosterSerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)
    made_by = serializers.CharField(source="made_by.username", read_only=True, allow_null=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, allow_null=True, default=None)
    reconciliation = serializers.SerializerMethodField()

    class Meta:
        model = Roster
        fields = [
            "id",
            "division",
            "period",
            "status",
            "total",
            "item_count",
            "made_by",
            "approved_by",
            "approved_at",
            "closed_at",
            "created_at",
            "reconciliation",
        ]
        read_only_fields = fields
        extra_kwargs = _required(fields)

    @extend_schema_field(ReconciliationSerializer)
    def get_reconciliation(self, roster: Roster) -> dict[str, Any]:
        return ReconciliationSerializer(rosters.reconciliation(roster)).data


class RosterCreateSerializer(serializers.Serializer):
    division = serializers.CharField(max_length=12, help_text="The county's six-digit code.")
    period = serializers.CharField(max_length=7, help_text="The cycle: YYYY-MM or YYYY-Qn.")


class ReturnFileSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The bank's return file (CSV, UTF-8 or GB18030).")
    content = serializers.CharField(required=False, help_text="The return file's text, instead of an upload.")


class RosterPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-period", "-id")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": [_("The return file is neither UTF-8 nor GB18030 text.")]})


class RosterListView(GenericAPIView):
    """Payment rosters of the caller's counties; POST makes a county's roster for a cycle."""

    serializer_class = RosterSerializer
    queryset = Roster.objects.none()
    pagination_class = RosterPagination

    @extend_schema(responses=RosterSerializer(many=True))
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        paginator = RosterPagination()
        page = paginator.paginate_queryset(queries.rosters_for(request.user), request, view=self)
        return paginator.get_paginated_response(RosterSerializer(page, many=True).data)

    @extend_schema(
        request=RosterCreateSerializer, responses={201: RosterSerializer, 400: None, 403: None, 404: None, 409: None}
    )
    def post(self, request: Request) -> Response:
        _require_staff(request.user)
        body = RosterCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        division = scope.access_division(request.user, body.validated_data["division"])
        roster = rosters.do_generate_roster(division.code, body.validated_data["period"], actor=request.user)
        return Response(RosterSerializer(roster).data, status=201)


class RosterApproveView(GenericAPIView):
    """A second person (an approver, not the maker) approves the roster; its lines are locked."""

    serializer_class = RosterSerializer
    queryset = Roster.objects.none()

    @extend_schema(request=None, responses={200: RosterSerializer, 400: None, 403: None, 404: None, 409: None})
    def post(self, request: Request, pk: int) -> Response:
        roster = rosters.do_approve_roster(queries.access_roster(request.user, pk), actor=request.user)
        return Response(RosterSerializer(roster).data)


class RosterBankFileView(GenericAPIView):
    """The approved roster as the bank's CSV (documented layout) with its control total."""

    queryset = Roster.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("layout", OpenApiTypes.STR, required=False, enum=list(rosters.BANK_FORMATS))],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, 400: None, 403: None, 404: None},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        roster = queries.access_roster(request.user, pk)
        bank_file = rosters.do_export_bank_file(
            roster, actor=request.user, layout=request.query_params.get("layout", "csv")
        )
        response = HttpResponse(bank_file.content, content_type=bank_file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{bank_file.filename}"'
        return response


class RosterReturnsView(GenericAPIView):
    """The bank's return file: every line paid or returned (退票) with a reason; all or nothing."""

    serializer_class = ReturnFileSerializer
    queryset = Roster.objects.none()
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request=ReturnFileSerializer, responses={200: ReconciliationSerializer, 400: None, 403: None, 404: None}
    )
    def post(self, request: Request, pk: int) -> Response:
        roster = queries.access_roster(request.user, pk)
        body = ReturnFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data.get("file")
        content = _decode(upload.read()) if upload is not None else body.validated_data.get("content", "")
        if not content.strip():
            raise ValidationError({"file": [_("Upload the bank's return file.")]})
        result = rosters.do_import_returns(roster, content, actor=request.user)
        return Response(ReconciliationSerializer(result).data)


class RosterCloseView(GenericAPIView):
    """Close the cycle: refused until every line is paid or returned and the totals reconcile."""

    serializer_class = RosterSerializer
    queryset = Roster.objects.none()

    @extend_schema(request=None, responses={200: RosterSerializer, 400: None, 403: None, 404: None})
    def post(self, request: Request, pk: int) -> Response:
        roster = rosters.do_close_roster(queries.access_roster(request.user, pk), actor=request.user)
        return Response(RosterSerializer(roster).data)
