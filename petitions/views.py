"""Pages of grievances (filled in below)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def register(request: HttpRequest) -> HttpResponse:
    raise Http404


def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    raise Http404
