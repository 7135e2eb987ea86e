"""``/api/v1/policy-articles/``: the policy base, readable by every signed-in member of staff."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.filters import cleaned_filters, filter_parameters

from . import queries
from .filters import PolicyArticleFilterSet
from .models import PolicyArticle, PolicyDocument


class PolicyDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyDocument
        fields = ["id", "title", "number", "issuer", "kind"]


class PolicyArticleSerializer(serializers.ModelSerializer):
    document = PolicyDocumentSerializer(read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = PolicyArticle
        fields = [
            "id",
            "document",
            "number",
            "title",
            "text",
            "is_summary",
            "summary_source",
            "effective_on",
            "repealed_on",
            "version",
            "is_current",
        ]
        extra_kwargs: dict[str, Any] = {name: {"required": True} for name in fields if name != "id"}

    @extend_schema_field(serializers.BooleanField())
    def get_is_current(self, obj: PolicyArticle) -> bool:
        return queries.is_current(obj)


class PolicyArticlePagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("id",)


class PolicyArticleListView(GenericAPIView):
    serializer_class = PolicyArticleSerializer
    queryset = PolicyArticle.objects.none()
    pagination_class = PolicyArticlePagination

    @extend_schema(parameters=filter_parameters(PolicyArticleFilterSet), responses=PolicyArticleSerializer(many=True))
    def get(self, request: Request) -> Response:
        values = cleaned_filters(PolicyArticleFilterSet, request.query_params)
        qs = queries.search(values.get("q") or "", include_repealed=bool(values.get("include_repealed")))
        paginator = PolicyArticlePagination()
        page = paginator.paginate_queryset(qs.order_by("id"), request, view=self)
        return paginator.get_paginated_response(PolicyArticleSerializer(page, many=True).data)


class PolicyArticleDetailView(GenericAPIView):
    serializer_class = PolicyArticleSerializer
    queryset = PolicyArticle.objects.none()

    def get(self, request: Request, pk: int) -> Response:
        return Response(PolicyArticleSerializer(queries.access_article(pk)).data)
