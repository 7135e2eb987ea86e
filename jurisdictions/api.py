"""API: the division tree (public reference data: any signed-in user reads any division), the
signed-in user's memberships, and staff administration for the system and security administrators.

Staff: ``GET/POST /api/v1/staff/``, ``GET/PATCH /api/v1/staff/{id}/`` (edit, deactivate,
reactivate, unlock, a new sign-in link), ``GET/POST /api/v1/staff/{id}/memberships/``,
``POST /api/v1/memberships/{id}/end/``, and the close relatives a member of staff declared (the
recusal rule): ``GET/POST /api/v1/staff/{id}/relatives/``, ``DELETE /api/v1/staff/{id}/relatives/{rid}/``.
Every object goes through ``jurisdictions.queries``
(404 outside the administrator's subtree, 403 for the other administrator's work) and every
change is one audited action.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import actions as account_actions
from accounts.models import DeclaredRelative
from core.errors import Forbidden

from . import actions, queries, scope
from .models import Department, Division, Membership, Role
from .perms import GRANT_ROLES, MANAGE_STAFF


class DivisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent"]


class DivisionDetailView(APIView):
    @extend_schema(
        responses={
            200: DivisionSerializer,
            404: OpenApiResponse(description="No such division code (any signed-in user reads any division)."),
        }
    )
    def get(self, request: Request, code: str) -> Response:
        division = scope.read_division(request.user, code)
        return Response(DivisionSerializer(division).data)


class DivisionListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("parent", str, description="List the children of this division code.")],
        responses={
            200: DivisionSerializer(many=True),
            400: OpenApiResponse(description="parent is missing."),
            404: OpenApiResponse(description="No such division code."),
        },
    )
    def get(self, request: Request) -> Response:
        parent_code = request.query_params.get("parent")
        if not parent_code:
            raise ValidationError({"parent": [_("Give the code of the division whose children you want.")]})
        parent = scope.read_division(request.user, parent_code)
        children = Division.objects.filter(parent=parent).order_by("code")
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

    @extend_schema(responses=MembershipSerializer(many=True))
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


# --- staff administration ---------------------------------------------------------------------


ERRORS = {
    400: OpenApiResponse(description="Field messages: what is wrong with which field; nothing was saved."),
    403: OpenApiResponse(description="Visible, but this is the other administrator's work."),
    404: OpenApiResponse(description="Outside the administrator's jurisdiction (or unknown)."),
}
CONFLICT = {409: OpenApiResponse(description="Refused: already ended, or the last security administrator.")}


def link_builder(request: Request) -> Any:
    def build(token: str) -> str:
        return request.build_absolute_uri(reverse("accounts:welcome", args=[token]))

    return build


class StaffMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    division = serializers.CharField(source="division_id")
    division_name = serializers.CharField(source="division.name")
    role = serializers.CharField()
    department = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    in_force = serializers.SerializerMethodField()

    def get_in_force(self, membership: Membership) -> bool:
        return membership.in_force()


class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField(source="first_name")
    phone = serializers.CharField()
    staff_id_recorded = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    must_change_password = serializers.BooleanField()
    division = serializers.CharField(source="staff_profile.division_id")
    division_name = serializers.CharField(source="staff_profile.division.name")
    memberships = StaffMembershipSerializer(many=True, source="memberships.all")

    def get_staff_id_recorded(self, user: Any) -> bool:
        return bool(user.id_number_hmac)


class StaffDetailSerializer(StaffSerializer):
    locked_out = serializers.SerializerMethodField()

    def get_locked_out(self, user: Any) -> bool:
        return account_actions.is_locked_out(user)


class StaffCreateSerializer(serializers.Serializer):
    division = serializers.CharField(help_text="Home division code (the administrator's subtree).")
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    staff_id_number = serializers.CharField(
        max_length=24, help_text="National ID number; only its blind index is stored (recusal rule)."
    )


class StaffCreatedSerializer(StaffSerializer):
    initial_link = serializers.CharField(help_text="One-time sign-in link; shown only in this response.")
    texted = serializers.BooleanField(help_text="Whether the link was also texted to the phone on file.")


class StaffPatchSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    staff_id_number = serializers.CharField(max_length=24, required=False)
    is_active = serializers.BooleanField(required=False, help_text="false deactivates, true reactivates.")
    unlock = serializers.BooleanField(required=False, help_text="true lifts a sign-in lockout.")
    new_link = serializers.BooleanField(required=False, help_text="true issues a new one-time sign-in link.")


class StaffPatchedSerializer(StaffDetailSerializer):
    initial_link = serializers.CharField(required=False, help_text="Present when a new link was asked for.")


class MembershipCreateSerializer(serializers.Serializer):
    division = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    department = serializers.ChoiceField(choices=Department.choices, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class MembershipEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class StaffListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Part of a username or name."),
            OpenApiParameter("division", str, description="Only staff at home in this subtree."),
            OpenApiParameter("active", str, enum=["yes", "no"]),
        ],
        responses={200: StaffSerializer(many=True), 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        if not queries.is_staff_administrator(request.user):
            raise Forbidden()
        params = request.query_params
        staff = queries.staff_for(
            request.user,
            search=params.get("q", ""),
            division=params.get("division", ""),
            active=params.get("active", ""),
        )[:500]
        return Response(StaffSerializer(staff, many=True).data)

    @extend_schema(request=StaffCreateSerializer, responses={201: StaffCreatedSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        if not scope.codes_with(request.user, MANAGE_STAFF):
            raise Forbidden()
        serializer = StaffCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        division = queries.division_to_staff(request.user, data["division"])
        user, url, texted = actions.do_create_staff(
            division=division,
            username=data["username"],
            full_name=data["full_name"],
            phone=data["phone"],
            staff_id_number=data["staff_id_number"],
            actor=request.user,
            link_for=link_builder(request),
        )
        body = dict(StaffSerializer(user).data)
        body.update(initial_link=url, texted=texted)
        return Response(body, status=status.HTTP_201_CREATED)


class StaffDetailView(APIView):
    @extend_schema(responses={200: StaffDetailSerializer, 404: ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        staff = queries.access_staff(request.user, pk)
        return Response(StaffDetailSerializer(staff).data)

    @extend_schema(request=StaffPatchSerializer, responses={200: StaffPatchedSerializer, **ERRORS, **CONFLICT})
    def patch(self, request: Request, pk: int) -> Response:
        staff = queries.access_staff(request.user, pk, codename=MANAGE_STAFF)
        serializer = StaffPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = request.user
        if staff.pk == actor.pk and data.get("is_active") is False:
            raise Forbidden()
        staff = account_actions.do_update_staff_user(
            staff,
            actor=actor,
            full_name=data.get("full_name"),
            phone=data.get("phone"),
            staff_id_number=data.get("staff_id_number"),
        )
        if data.get("is_active") is False:
            staff = actions.do_deactivate_staff(staff, actor=actor)
        elif data.get("is_active") is True:
            staff = account_actions.do_reactivate_user(staff, actor=actor)
        if data.get("unlock"):
            account_actions.do_unlock_user(staff, actor=actor)
        link = None
        if data.get("new_link"):
            link, _texted = account_actions.do_issue_initial_link(staff, actor=actor, link_for=link_builder(request))
        staff = queries.access_staff(request.user, pk)
        body = dict(StaffDetailSerializer(staff).data)
        if link:
            body["initial_link"] = link
        return Response(body)


class StaffMembershipsView(APIView):
    @extend_schema(responses={200: StaffMembershipSerializer(many=True), 404: ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        staff = queries.access_staff(request.user, pk)
        return Response(StaffMembershipSerializer(queries.memberships_of(staff), many=True).data)

    @extend_schema(request=MembershipCreateSerializer, responses={201: StaffMembershipSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        staff = queries.access_staff(request.user, pk, codename=GRANT_ROLES)
        queries.require_not_self(request.user, staff)
        serializer = MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        division = queries.division_to_grant(request.user, data["division"])
        membership = actions.do_grant_membership(
            staff,
            division=division,
            role=data["role"],
            department=data["department"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            actor=request.user,
        )
        return Response(StaffMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipEndView(APIView):
    @extend_schema(request=MembershipEndSerializer, responses={200: StaffMembershipSerializer, **ERRORS, **CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        membership = queries.access_membership(request.user, pk)
        queries.require_not_self(request.user, membership.user)
        serializer = MembershipEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ended = actions.do_end_membership(membership, actor=request.user, ends_on=serializer.validated_data["ends_on"])
        return Response(StaffMembershipSerializer(ended).data)


# --- declared close relatives (the recusal rule) ------------------------------------------------


class RelativeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    relation = serializers.CharField()
    declared_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True, default=None)


class RelativeCreateSerializer(serializers.Serializer):
    relation = serializers.CharField(max_length=32, help_text="How the person is related, e.g. 配偶, 父亲.")
    id_number = serializers.CharField(
        max_length=24, help_text="The relative's national ID number; only its blind index is kept (recusal rule)."
    )


class StaffRelativesView(APIView):
    """The close relatives a member of staff declared: never their ID numbers, only how they are related."""

    @extend_schema(responses={200: RelativeSerializer(many=True), 404: ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        staff = queries.access_staff(request.user, pk)
        relatives = staff.declared_relatives.select_related("recorded_by").order_by("declared_at", "pk")
        return Response(RelativeSerializer(relatives, many=True).data)

    @extend_schema(request=RelativeCreateSerializer, responses={201: RelativeSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        staff = queries.access_staff(request.user, pk, codename=MANAGE_STAFF)
        serializer = RelativeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        relative = account_actions.do_declare_relative(
            staff,
            id_number=serializer.validated_data["id_number"],
            relation=serializer.validated_data["relation"],
            actor=request.user,
        )
        return Response(RelativeSerializer(relative).data, status=status.HTTP_201_CREATED)


class StaffRelativeDetailView(APIView):
    @extend_schema(responses={204: None, 403: ERRORS[403], 404: ERRORS[404]})
    def delete(self, request: Request, pk: int, relative_id: int) -> Response:
        staff = queries.access_staff(request.user, pk, codename=MANAGE_STAFF)
        relative: DeclaredRelative | None = staff.declared_relatives.filter(pk=relative_id).first()
        if relative is None:
            raise Http404(_("Not found."))
        account_actions.do_remove_relative(relative, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
