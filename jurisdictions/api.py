"""API: the division tree, limited to what the user may look at, and the signed-in user's memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import scope
from .models import Division


class DivisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent"]


class DivisionDetailView(APIView):
    @extend_schema(responses=DivisionSerializer)
    def get(self, request: Request, code: str) -> Response:
        division = scope.access_division(request.user, code)
        return Response(DivisionSerializer(division).data)


class DivisionListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("parent", str, description="List the children of this division code.")],
        responses=DivisionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        parent_code = request.query_params.get("parent")
        if not parent_code:
            raise ValidationError({"parent": [_("Give the code of the division whose children you want.")]})
        parent = scope.access_division(request.user, parent_code)
        children = scope.visible_divisions(request.user).filter(parent=parent).order_by("code")
        return Response(DivisionSerializer(children, many=True).data)


class MembershipSerializer(serializers.Serializer):
    division = serializers.CharField(source="division_id")
    division_name = serializers.CharField(source="division.name")
    division_path = serializers.SerializerMethodField()
    level = serializers.IntegerField(source="division.level")
    role = serializers.CharField()
    department = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)

    def get_division_path(self, membership: Any) -> list[str]:
        names = self.context["ancestors"]
        return [names[c].name for c in membership.division.ancestor_codes if c in names]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")
    memberships = serializers.SerializerMethodField()

    @extend_schema(responses=MembershipSerializer(many=True))  # type: ignore[misc]
    def get_memberships(self, user: Any) -> Any:
        today = timezone.localdate()
        memberships = list(
            user.memberships.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today)).select_related("division")
        )
        ancestors = scope.ancestors_of(m.division_id for m in memberships)
        return MembershipSerializer(memberships, many=True, context={"ancestors": ancestors}).data


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)
