"""``/api/v1/collect/``: offline collection's worklist, sync and conflicts (README "Offline collection").

- ``GET collect/worklist/?point=`` — a township's worklist (name, masked ID number, township, the
  register row's version and the fields to confirm);
- ``POST collect/sync/`` — a batch of entries, each with an idempotency key: 200 with one result
  per entry (``applied``, ``duplicate``, ``conflict``, ``rejected``); 400 naming the entry and
  field when one cannot be taken (a missing signature), nothing written;
- ``GET collect/conflicts/`` and ``POST collect/conflicts/{id}/resolve/`` ``{"keep": "mine"|"theirs"}``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import collection
from .actions.collection import CONFIRM_FIELDS, Entry, do_resolve_collected_conflict, do_sync_collected

KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class PointSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class WorkItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    township = serializers.CharField(help_text="The township's name.")
    version = serializers.DateTimeField(help_text="The register row's updated_at: send it back with the entry.")
    phone = serializers.CharField(allow_blank=True)
    hukou_address = serializers.CharField(allow_blank=True)
    employment = serializers.CharField(allow_blank=True, help_text="Employment status code (may be empty).")


class WorklistSerializer(serializers.Serializer):
    point = PointSerializer()
    fetched_at = serializers.DateTimeField()
    people = WorkItemSerializer(many=True)


class EntrySerializer(serializers.Serializer):
    key = serializers.RegexField(KEY_PATTERN, help_text="The entry's idempotency key (made by the browser).")
    point = serializers.CharField(max_length=12, help_text="The collection point (township code).")
    collected_at = serializers.DateTimeField()
    subject = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A worklist person's id; null for a new person."
    )
    version = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="The worklist's version of that person."
    )
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    hukou_address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    employment = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    signature = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The person's signature as a data: URL of a PNG image; required by the form.",
    )


class SyncSerializer(serializers.Serializer):
    entries = EntrySerializer(many=True)


class OutcomeSerializer(serializers.Serializer):
    key = serializers.CharField()
    result = serializers.CharField(help_text="applied, duplicate, conflict or rejected")
    entry = serializers.IntegerField(allow_null=True, help_text="The collected entry's id.")
    subject = serializers.IntegerField(allow_null=True)
    message = serializers.CharField(allow_blank=True)


class SyncResultSerializer(serializers.Serializer):
    results = OutcomeSerializer(many=True)


class CollectedEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    point = serializers.CharField(source="division_id")
    subject = serializers.IntegerField(source="subject_id", allow_null=True)
    status = serializers.CharField(help_text="applied, conflict, kept_mine, kept_theirs or rejected")
    values = serializers.JSONField(help_text="What was collected (the fields to confirm, the signer's name).")
    worklist_version = serializers.DateTimeField(allow_null=True)
    collected_at = serializers.DateTimeField()
    synced_at = serializers.DateTimeField()
    message = serializers.CharField(allow_blank=True)


class ResolveSerializer(serializers.Serializer):
    keep = serializers.ChoiceField(choices=[("mine", "mine"), ("theirs", "theirs")])


def _signature(text: str) -> bytes | None:
    if not text:
        return None
    _prefix, _comma, payload = text.partition("base64,")
    try:
        return base64.b64decode(payload, validate=True) or None
    except (binascii.Error, ValueError):
        return b"?"  # present but unreadable: refused as "not a PNG image"


def _entry(data: dict[str, Any]) -> Entry:
    return Entry(
        key=data["key"],
        point=data["point"],
        collected_at=data["collected_at"],
        signature=_signature(data["signature"]),
        subject_id=data["subject"],
        version=data["version"],
        name=data["name"],
        id_number=data["id_number"],
        category=data["category"],
        values={key: data[key] for key in CONFIRM_FIELDS},
    )


class WorklistView(APIView):
    """A township's worklist for collection (only where the caller may collect)."""

    @extend_schema(
        parameters=[OpenApiParameter("point", str, required=True, description="The township code.")],
        responses={200: WorklistSerializer, 403: None, 404: None},
    )
    def get(self, request: Request) -> Response:
        point = collection.access_point(request.user, request.query_params.get("point"))
        people = [
            {
                "id": s.pk,
                "name": s.name,
                "id_number_masked": s.id_number_masked,
                "township": point.name,
                "version": s.updated_at,
                "phone": s.phone,
                "hukou_address": s.hukou_address,
                "employment": s.employment,
            }
            for s in collection.worklist(point)
        ]
        data = {"point": {"code": point.code, "name": point.name}, "fetched_at": timezone.now(), "people": people}
        return Response(WorklistSerializer(data).data, headers={"Cache-Control": "private, no-store"})


class SyncView(APIView):
    """Entries collected offline, in a batch; each applied at most once (its idempotency key)."""

    @extend_schema(request=SyncSerializer, responses={200: SyncResultSerializer, 400: None, 403: None, 404: None})
    def post(self, request: Request) -> Response:
        body = SyncSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcomes = do_sync_collected([_entry(e) for e in body.validated_data["entries"]], actor=request.user)
        return Response(SyncResultSerializer({"results": outcomes}).data)


class ConflictListView(APIView):
    """Collected entries in conflict with changes made meanwhile, in the caller's jurisdiction."""

    @extend_schema(responses={200: CollectedEntrySerializer(many=True)})
    def get(self, request: Request) -> Response:
        entries = collection.conflicts_for(request.user)[:500]
        return Response(CollectedEntrySerializer(entries, many=True).data)


class ConflictResolveView(APIView):
    """Settle a conflict: keep what was collected (mine) or the register's values (theirs)."""

    @extend_schema(
        request=ResolveSerializer, responses={200: CollectedEntrySerializer, 400: None, 403: None, 404: None, 409: None}
    )
    def post(self, request: Request, entry_id: int) -> Response:
        entry = collection.access_collected(request.user, entry_id)
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resolved = do_resolve_collected_conflict(entry, keep=body.validated_data["keep"], actor=request.user)
        return Response(CollectedEntrySerializer(resolved).data)
