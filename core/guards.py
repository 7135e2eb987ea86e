"""The one guard against hostile input at every entry point (pages, API, the token endpoint).

NUL characters (which PostgreSQL refuses in text) in query parameters, form fields, JSON
strings, cookies or headers, and JSON nested deeper than any request of ours needs (which
would exhaust the parser's recursion), are answered with 400 and a message before any view,
authentication or session lookup sees them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

# Far deeper than any body the API accepts (a correction's fields are two levels deep).
MAX_JSON_DEPTH = 32

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(rb"[^\[\]{}]")
# A \u0000 escape that is not itself an escaped backslash followed by "u0000".
_ESCAPED_NUL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000", re.IGNORECASE)


def json_depth(body: bytes) -> int:
    """How deeply ``body`` nests arrays and objects (strings do not count), without parsing it."""
    brackets = _NOT_A_BRACKET.sub(b"", _JSON_STRING.sub(b'""', body))
    steps = (1 if c in b"[{" else -1 for c in brackets)
    return max(accumulate(steps), default=0)


def json_has_nul(body: bytes) -> bool:
    return b"\x00" in body or _ESCAPED_NUL.search(body) is not None


def _has_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in pairs)


def refusal(request: HttpRequest) -> str | None:
    """Why ``request`` is refused, or None."""
    nul = _("The request contains a NUL character, which is not allowed in any field.")
    if "\x00" in request.path or _has_nul(request.GET.lists()):
        return nul
    if any("\x00" in str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return nul
    if _has_nul((key, [value]) for key, value in request.COOKIES.items()):
        return nul
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if json_depth(body) > MAX_JSON_DEPTH:
            return _("The JSON in the request is nested too deeply (at most %(depth)d levels).") % {
                "depth": MAX_JSON_DEPTH
            }
        if json_has_nul(body):
            return nul
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            fields = request.POST
        except MultiPartParserError:
            return _("The form data could not be read.")
        if _has_nul(fields.lists()):
            return nul
    return None


class HostileInputMiddleware:
    """Answer 400 to requests carrying NUL characters or over-deep JSON (see the module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Before the language middleware: the language is the switcher's cookie or the default.
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if "\x00" in language or not check_for_language(language):
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            try:
                reason = refusal(request)
            except RequestDataTooBig:
                # Larger than DATA_UPLOAD_MAX_MEMORY_SIZE (file parts not counted): 413, in Chinese.
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("The request is too large.")}, status=413)
                return render(request, "413.html", status=413)
            if reason is not None and not request.path.startswith("/api/"):
                return render(request, "400.html", {"message": reason}, status=400)
        if reason is None:
            return self.get_response(request)
        return JsonResponse({"detail": reason}, status=400)
