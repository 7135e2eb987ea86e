"""API: tokens (``/api/v1/me/`` with the memberships is in ``jurisdictions.api``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .actions import do_issue_api_token


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(required=False, allow_blank=True)


class TokenView(APIView):
    """``POST {username, password[, otp]}`` → ``{"token": ...}``.

    Users whose roles need two-factor must send a valid ``otp``. Failures say nothing
    about whether the username exists; repeated failures lock out (django-axes).
    """

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            return Response(
                {"detail": _("Unable to sign in with those credentials.")}, status=status.HTTP_400_BAD_REQUEST
            )
        if user.needs_two_factor():
            otp = (data.get("otp") or "").strip()
            if not otp:
                return Response({"otp": [_("A two-factor code is required for this account.")]}, status=400)
            if match_token(user, otp) is None:
                return Response({"otp": [_("That code is not valid.")]}, status=400)
        token = do_issue_api_token(user)
        return Response({"token": token.key})
