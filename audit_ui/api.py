"""API: ``GET /api/v1/audit/events/`` for auditors and supervisors, scoped to their jurisdiction."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination

from audit.models import AuditEvent

from . import queries
from .forms import EventSearchForm


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "event_type",
            "actor",
            "actor_role",
            "object_type",
            "object_id",
            "division_code",
            "data",
            "chain",
            "seq",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class EventCursor(CursorPagination):
    ordering = "id"  # oldest first: a timeline reads forwards
    page_size = 100


@extend_schema(
    parameters=[
        OpenApiParameter("object_type", str, description="e.g. cases.case"),
        OpenApiParameter("object_id", str),
        OpenApiParameter("actor", str, description="Username of the actor (or of a failed sign-in)."),
        OpenApiParameter("from", str, description="First day, YYYY-MM-DD (China time)."),
        OpenApiParameter("to", str, description="Last day, YYYY-MM-DD, inclusive."),
        OpenApiParameter("event_type", str, description="Exact type, or a prefix ending in a dot."),
        OpenApiParameter("division", str, description="Division code (2, 4, 6 or 9 digits)."),
    ]
)
class AuditEventListView(ListAPIView):
    """Audit events visible to the user, oldest first (cursor-paginated). 403 for anyone
    who is neither auditor nor supervisor anywhere; 400 with field messages on bad filters."""

    serializer_class = AuditEventSerializer
    pagination_class = EventCursor

    def get_queryset(self) -> Any:
        queries.require_auditor(self.request.user)
        form = EventSearchForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
        return queries.search(self.request.user, form.filters(), ascending=True)
