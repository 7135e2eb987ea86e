"""OpenAPI description of the feed token scheme (drf-spectacular finds it when api.py imports it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class FeedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "crosscheck.auth.FeedTokenAuthentication"
    name = "feedToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Department feed token: `Feed <key>` (manage.py issue_feed_token).",
        }
