"""The OpenAPI schema's error responses, declared once for every operation.

A drf-spectacular post-processing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``):
what ``core.api.exception_handler`` and ``core.guards`` can answer, added to each operation
unless the view declared it itself — 400 (field messages, or the hostile-input guard), 401
and 403 (authentication, two-factor, permission), 404 (outside the jurisdiction, or gone),
409 (a lost race or a state that no longer allows the change) on writes, 429 on sign-in.
"""

from __future__ import annotations

from typing import Any

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "status": {"type": "string", "description": "The object's current status, when known."},
    },
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Messages per field (`detail` for the request as a whole).",
    "additionalProperties": {"oneOf": [{"type": "array", "items": {}}, {"type": "string"}, {"type": "object"}]},
}
ERROR_SCHEMAS = {"ErrorDetail": _DETAIL, "ConflictError": _CONFLICT, "FieldErrors": _FIELD_ERRORS}

_DESCRIPTIONS = {
    "400": ("FieldErrors", "Invalid input: messages per field, or a refused request (NUL characters, deep JSON)."),
    "401": ("ErrorDetail", "Not signed in, or the token has expired or was revoked: sign in again."),
    "403": ("ErrorDetail", "Not allowed (role, two-factor, or a rule of the case)."),
    "404": ("ErrorDetail", "Not found, or outside your jurisdiction."),
    "409": ("ConflictError", "Someone else changed this first, or its state no longer allows the change."),
    "429": ("ErrorDetail", "Too many failed sign-ins: try again later."),
}
_WRITES = {"post", "put", "patch", "delete"}


def _response(code: str) -> dict[str, Any]:
    name, description = _DESCRIPTIONS[code]
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def declare_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            authenticated = any(requirement for requirement in operation.get("security", [{}]))
            codes = ["400"]
            if authenticated:
                codes += ["401", "403", "404"]
                if method in _WRITES:
                    codes.append("409")
            else:
                codes.append("429")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _response(code))
    return result
