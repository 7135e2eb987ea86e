"""API: tokens and enrolment codes (``/api/v1/me/`` with the memberships is in ``jurisdictions.api``)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import schema as _schema  # noqa: F401  (registers the OpenAPI auth scheme)
from . import security
from .actions import do_issue_api_token, do_issue_enrolment_code, do_revoke_api_token
from .models import ApiToken, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, max_length=256)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=16)
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="What the token is for (a script's name)."
    )


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The secret, shown once: send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="ref", read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created", "expiry", "last_used", "two_factor", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        """Whether this is the token of the request."""
        return bool(getattr(self.context.get("request"), "auth", None) == token)


class TokenView(APIView):
    """``POST {username, password[, otp][, name]}`` → ``{"token": ..., "expiry": ...}``.

    Each sign-in gets a new token that expires (sooner for roles that need two-factor). Users
    whose roles need two-factor must send a valid ``otp``. Failures say nothing about whether
    the username exists; repeated failures lock out (django-axes).
    """

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenIssuedSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        found = authenticate(request._request, username=data["username"], password=data["password"])
        if found is None:
            return Response(
                {"detail": _("Unable to sign in with those credentials.")}, status=status.HTTP_400_BAD_REQUEST
            )
        user = cast(User, found)
        otp = (data.get("otp") or "").strip()
        verified = False
        if user.needs_two_factor():
            if not otp:
                return Response({"otp": [_("A two-factor code is required for this account.")]}, status=400)
            if match_token(user, otp) is None:
                return Response({"otp": [_("That code is not valid.")]}, status=400)
            verified = True
        token, secret = do_issue_api_token(user, two_factor=verified, name=data.get("name", ""))
        return Response({"token": secret, "expiry": token.expiry})


class TokenListView(APIView):
    """``GET``: the caller's own tokens (newest first) with creation, expiry and last use."""

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.filter(user=cast(User, request.user)).order_by("-created")
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


class TokenDetailView(APIView):
    """``DELETE``: revoke one of the caller's tokens at once (another's: 404)."""

    @extend_schema(responses={204: None})
    def delete(self, request: Request, ref: str) -> Response:
        token = get_object_or_404(ApiToken, ref=ref, user=cast(User, request.user))
        do_revoke_api_token(token, actor=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EnrolmentCodeRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class EnrolmentCodeSerializer(serializers.Serializer):
    username = serializers.CharField()
    code = serializers.CharField(help_text="Shown once; give it to the user out of band.")
    expires_at = serializers.DateTimeField()


class EnrolmentCodeView(APIView):
    """``POST {username}``: a one-time code with which the user enrols an authenticator.

    For security administrators (``grant_roles`` over one of the user's divisions); anyone
    else, and a user outside the caller's jurisdiction, gets 404.
    """

    @extend_schema(
        request=EnrolmentCodeRequestSerializer,
        responses={201: EnrolmentCodeSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = EnrolmentCodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = User.objects.filter(username=serializer.validated_data["username"]).first()
        if user is None or not security.administers(request.user, user):
            raise NotFound(_("No such user in your jurisdiction."))
        code, plain = do_issue_enrolment_code(user, actor=cast(User, request.user))
        return Response(
            {"username": user.username, "code": plain, "expires_at": code.expires_at}, status=status.HTTP_201_CREATED
        )
