"""``/api/v1/notifications/``: the caller's own notifications, newest first, and marking one read."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import actions, events, queries
from .models import Notification

PAGE_SIZE = 50


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "link", "context", "created_at", "read", "read_at"]

    def _rendered(self, obj: Notification) -> tuple[str, str]:
        return events.render(obj.event, obj.context, translation.get_language() or "zh-hans")

    def get_title(self, obj: Notification) -> str:
        return self._rendered(obj)[0]

    def get_body(self, obj: Notification) -> str:
        return self._rendered(obj)[1]

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("before", int, description="Keyset cursor: the `next_before` of a page.")],
        responses=inline_serializer(
            "NotificationPage",
            {
                "unread": serializers.IntegerField(),
                "results": NotificationSerializer(many=True),
                "next_before": serializers.IntegerField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        items = queries.my_notifications(request.user)
        before = request.query_params.get("before", "")
        if before:
            if not before.isdigit():
                raise serializers.ValidationError({"before": ["Expected a notification id."]})
            items = items.filter(id__lt=int(before))
        page = list(items[: PAGE_SIZE + 1])
        next_before = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
        data: dict[str, Any] = {
            "unread": queries.unread_count(request.user),
            "results": NotificationSerializer(page[:PAGE_SIZE], many=True).data,
            "next_before": next_before,
        }
        return Response(data)


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = queries.access_notification(request.user, pk)
        actions.do_mark_read(notification, actor=request.user)
        return Response(NotificationSerializer(notification).data)
