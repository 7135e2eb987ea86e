"""The public door's API: ``/api/v1/public/…`` (no staff sign-in) and ``/api/v1/exists/`` (department token).

Same rules as the pages: the same 202 whether or not a case exists, one-time codes, locks after
five failures (429), every opening and every question recorded.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from benefits import notices
from benefits.models import NoticeEntry, PublicNotice
from cases.models import Case
from core.errors import Forbidden, NotFound, TooManyTries
from crosscheck.auth import FeedClient, FeedTokenAuthentication

from . import actions, queries, throttle, tokens
from .exists import answer_exists

IP_RATE = "30/h"


def _limit(request: Request, group: str, rate: str = IP_RATE, key: Any = throttle.client_address) -> None:
    if is_ratelimited(request._request, group=group, key=key, rate=rate, method="POST", increment=True):
        raise TooManyTries


class PublicLookupSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=32, help_text="Case number or 查询码.")
    id_last6 = serializers.CharField(max_length=6, help_text="Last six characters of the ID number.")


class PublicCodeSerializer(serializers.Serializer):
    """Either a case (``case`` + ``id_last6``: tracking) or a person (``id_number``: access log, declarations)."""

    case = serializers.CharField(max_length=32, required=False, help_text="Case number or 查询码.")
    id_last6 = serializers.CharField(max_length=6, required=False, help_text="Last six characters of the ID number.")
    id_number = serializers.CharField(max_length=32, required=False, help_text="The full ID number (for a person).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("id_number"):
            return attrs
        missing = {name: [_("This field is required.")] for name in ("case", "id_last6") if not attrs.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class PublicOpenSerializer(PublicLookupSerializer):
    sms_code = serializers.CharField(max_length=6, help_text="The six-digit code texted to the phone on file.")


class StepSerializer(serializers.Serializer):
    on = serializers.DateField()
    what = serializers.CharField()


class NoticeSerializer(serializers.Serializer):
    title = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    download = serializers.CharField(help_text="Link to the PDF, valid while the pass is.")


class PublicCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="The status in plain words.")
    steps = StepSerializer(many=True)
    notices = NoticeSerializer(many=True)
    handled_by = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    can_rate = serializers.BooleanField()
    rating = serializers.IntegerField(allow_null=True)
    pass_token = serializers.CharField(help_text="Opens the notices and the rating for 30 minutes.")


class PublicRatingSerializer(serializers.Serializer):
    pass_token = serializers.CharField()
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)


def _field_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class PublicView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class TrackCodeView(PublicView):
    @extend_schema(
        request=PublicCodeSerializer,
        responses={202: inline_serializer("TrackCodeSent", {"detail": serializers.CharField()})},
        summary="Text a one-time code to the phone on file (the same answer whether or not the case exists)",
    )
    def post(self, request: Request) -> Response:
        _limit(request, "portal.code")
        serializer = PublicCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            if data.get("id_number"):
                actions.do_send_person_code(id_number=data["id_number"])
            else:
                actions.do_send_tracking_code(ref=data["case"], id_last6=data["id_last6"])
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return Response(
            {"detail": _("If the details match a case, a six-digit code has been sent to the phone number on file.")},
            status=202,
        )


def public_payload(request: Request, case: Case) -> dict[str, Any]:
    view = queries.public_view(case)
    token = tokens.issue(case.pk)
    return {
        "number": case.number,
        "kind": str(case.get_kind_display()),
        "status": view.status,
        "steps": [{"on": step.on, "what": step.what} for step in view.steps],
        "notices": [
            {
                "title": notice.title,
                "number": notice.number,
                "issued_on": notice.issued_on,
                "download": request.build_absolute_uri(reverse("portal:download", args=[token, notice.pk])),
            }
            for notice in view.notices
        ],
        "handled_by": view.body,
        "due_on": view.due_on,
        "can_rate": view.can_rate,
        "rating": view.rating.score if view.rating else None,
        "pass_token": token,
    }


class TrackView(PublicView):
    @extend_schema(request=PublicOpenSerializer, responses={200: PublicCaseSerializer}, summary="A case's public view")
    def post(self, request: Request) -> Response:
        _limit(request, "portal.open")
        serializer = PublicOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            case = actions.do_open_tracking(
                ref=data["case"], id_last6=data["id_last6"], sms_code=data["sms_code"], via="api"
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        response = Response(PublicCaseSerializer(public_payload(request, case)).data)
        response["Cache-Control"] = "no-store"
        return response


class PublicRatingView(PublicView):
    @extend_schema(
        request=PublicRatingSerializer,
        responses={
            201: inline_serializer("PublicRatingRecorded", {"score": serializers.IntegerField()}),
            404: OpenApiResponse(description="The pass expired: look the case up again."),
            409: OpenApiResponse(description="The case was already rated."),
        },
        summary="Rate the handling of a closed case (好差评, 1–5)",
    )
    def post(self, request: Request) -> Response:
        _limit(request, "portal.rate")
        serializer = PublicRatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = Case.objects.select_related("subject").filter(pk=tokens.case_id_of(data["pass_token"])).first()
        if case is None:
            raise NotFound(_("This page has expired. Look up your case again."))
        try:
            rating = actions.do_rate_from_public_page(case, score=data["score"], comment=data.get("comment", ""))
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return Response({"score": rating.score}, status=201)


class ExistsRequestSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32, help_text="The full national ID number.")
    purpose = serializers.CharField(max_length=200, help_text="Why the department asks (recorded).")


class IsFeedClient(IsAuthenticated):
    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.user, FeedClient)


class ExistsView(APIView):
    """Minimal disclosure (PIPL Art. 34): is this person registered, and which benefit types — nothing else."""

    authentication_classes = [FeedTokenAuthentication]
    permission_classes = [IsFeedClient]

    @extend_schema(
        request=ExistsRequestSerializer,
        responses={
            200: inline_serializer(
                "ExistsAnswer",
                {
                    "registered": serializers.BooleanField(),
                    "receives": serializers.ListField(
                        child=serializers.CharField(),
                        required=False,
                        help_text="Benefit type codes; present only when the department's agreement allows it.",
                    ),
                },
            ),
            403: OpenApiResponse(description="The department has no agreement for this question."),
            429: OpenApiResponse(description="Too many questions from this token."),
        },
        summary="Yes/no check for another department",
    )
    def post(self, request: Request) -> Response:
        client = request.user
        assert isinstance(client, FeedClient)  # IsFeedClient: a department system, not a member of staff
        token = client.token
        if is_ratelimited(
            request._request,
            group="portal.exists",
            key=lambda group, req: f"token:{token.pk}",
            rate=settings.LAUREL_EXISTS_RATE,
            method="POST",
            increment=True,
        ):
            raise TooManyTries(_("Too many questions from this department. Slow down and try again later."))
        serializer = ExistsRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            answer = answer_exists(
                department=token.department,
                id_number=serializer.validated_data["id_number"],
                purpose=serializer.validated_data["purpose"],
                token_prefix=token.key_prefix,
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        except Forbidden:
            raise
        return Response(answer)


class PersonCheckSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32)
    sms_code = serializers.CharField(max_length=6)


class AccessLogRequestSerializer(PersonCheckSerializer):
    since = serializers.DateField(required=False, help_text="First day (default: a year ago).")
    until = serializers.DateField(required=False, help_text="Last day (default: today).")


class AccessLineSerializer(serializers.Serializer):
    on = serializers.DateField()
    body = serializers.CharField(help_text="The body (a division's bureau, or another department).")
    role = serializers.CharField()
    what = serializers.CharField()


def _period(data: dict[str, Any]) -> tuple[datetime.date, datetime.date]:
    until = data.get("until") or timezone.localdate()
    since = data.get("since") or until - datetime.timedelta(days=365)
    if since > until:
        raise serializers.ValidationError({"since": [_("The first day must not be after the last day.")]})
    return since, until


class AccessLogView(PublicView):
    @extend_schema(
        request=AccessLogRequestSerializer,
        responses={200: AccessLineSerializer(many=True)},
        summary="Who read or changed my record (bodies and roles, never staff names)",
    )
    def post(self, request: Request) -> Response:
        _limit(request, "portal.person")
        serializer = AccessLogRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        since, until = _period(data)
        try:
            subject = actions.do_check_person(
                id_number=data["id_number"], sms_code=data["sms_code"], purpose="access_log"
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        lines = queries.access_log(subject, since=since, until=until)
        response = Response(AccessLineSerializer([vars(line) for line in lines], many=True).data)
        response["Cache-Control"] = "no-store"
        return response


class DeclarationSerializer(PersonCheckSerializer):
    change = serializers.ChoiceField(choices=["phone", "address", "death", "error"])
    field = serializers.ChoiceField(choices=list(actions.ERROR_FIELDS), required=False, allow_blank=True)
    value = serializers.CharField(max_length=255, required=False, allow_blank=True)
    details = serializers.CharField(max_length=2000)
    declarant = serializers.CharField(max_length=64, required=False, allow_blank=True)
    relation = serializers.CharField(max_length=64, required=False, allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


class DeclarationView(PublicView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": DeclarationSerializer},
        responses={
            201: inline_serializer(
                "DeclarationFiled", {"case": serializers.CharField(), "query_code": serializers.CharField()}
            )
        },
        summary="Declare a change: it arrives as a data-correction case in the county's queue",
    )
    def post(self, request: Request) -> Response:
        _limit(request, "portal.person")
        serializer = DeclarationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            subject = actions.do_check_person(
                id_number=data["id_number"], sms_code=data["sms_code"], purpose="declaration"
            )
            case = actions.do_declare_change(
                subject,
                change=data["change"],
                value=data.get("value", ""),
                details=data["details"],
                declarant=data.get("declarant", ""),
                relation=data.get("relation", ""),
                field=data.get("field", ""),
                files=data.get("files", []),
            )
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return Response({"case": case.number, "query_code": case.query_code}, status=201)


# --- 公示: the published lists (masked) and objections ---------------------------------------------


class PublicNoticeEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeEntry
        fields = ["row", "masked_name", "masked_id", "township", "benefit", "amount", "note"]
        read_only_fields = fields
        extra_kwargs = {name: {"required": True} for name in fields}


class PublicNoticeSerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)
    county = serializers.CharField(source="division.name", read_only=True)
    open = serializers.SerializerMethodField(help_text="Whether objections are accepted today.")

    class Meta:
        model = PublicNotice
        fields = [
            "id",
            "title",
            "kind",
            "division",
            "county",
            "places",
            "window_days",
            "published_on",
            "ends_on",
            "open",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"required": True} for name in fields}

    def get_open(self, notice: PublicNotice) -> bool:
        return notices.in_window(notice)


class PublicNoticeDetailSerializer(PublicNoticeSerializer):
    entries = PublicNoticeEntrySerializer(many=True, read_only=True)

    class Meta(PublicNoticeSerializer.Meta):
        fields = [*PublicNoticeSerializer.Meta.fields, "entries"]
        read_only_fields = fields
        extra_kwargs = {name: {"required": True} for name in fields}


class ObjectionSerializer(serializers.Serializer):
    row = serializers.IntegerField(min_value=1, max_value=10**7, help_text="The notice's row objected to (序号).")
    objector = serializers.CharField(max_length=64, help_text="Name of the person objecting.")
    contact = serializers.CharField(max_length=32, help_text="Telephone to call back.")
    text = serializers.CharField(max_length=2000, help_text="What is wrong.")


class ObjectionReceivedSerializer(serializers.Serializer):
    notice = serializers.IntegerField()
    row = serializers.IntegerField()
    case = serializers.CharField(help_text="Number of the case the objection became.")
    raised_at = serializers.DateTimeField()


class PublicNoticeListView(PublicView):
    @extend_schema(
        responses={200: PublicNoticeSerializer(many=True)},
        summary="Public notices (公示) published and open for objections",
        operation_id="public_notice_board_list",
    )
    def get(self, request: Request) -> Response:
        return Response(PublicNoticeSerializer(notices.public_notices()[:200], many=True).data)


class PublicNoticeDetailView(PublicView):
    @extend_schema(
        responses={200: PublicNoticeDetailSerializer, 404: OpenApiResponse(description="No such published notice.")},
        summary="One public notice with its entries (names and ID numbers masked)",
        operation_id="public_notice_board_retrieve",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(PublicNoticeDetailSerializer(notices.public_notice(pk)).data)


class PublicObjectionView(PublicView):
    @extend_schema(
        request=ObjectionSerializer,
        responses={
            201: ObjectionReceivedSerializer,
            400: OpenApiResponse(description="A field is wrong, or the notice's window is over (field notice)."),
            404: OpenApiResponse(description="No such published notice."),
            429: OpenApiResponse(description="Too many objections from this address."),
        },
        summary="Object to one row of a public notice during its window: the objection becomes a case",
    )
    def post(self, request: Request, pk: int) -> Response:
        _limit(request, "portal.objection")
        notice = notices.public_notice(pk)
        serializer = ObjectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            objection = notices.do_raise_objection(notice, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        return Response(
            {
                "notice": notice.pk,
                "row": objection.entry.row,
                "case": objection.case_number,
                "raised_at": objection.raised_at,
            },
            status=201,
        )
