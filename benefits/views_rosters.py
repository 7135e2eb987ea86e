"""Roster pages beyond the list: the full bank account, revealed for a stated reason (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.pages import domain_errors_as_pages

from . import rosters
from .views import _entitlement


@login_required
@require_POST
@never_cache
@domain_errors_as_pages
def reveal_account(request: HttpRequest, pk: int) -> HttpResponse:
    """The full account number on a page of its own (never in a URL), for the reason given."""
    entitlement = _entitlement(request, pk)
    reason = request.POST.get("reason", "").strip()[:255]
    try:
        account = rosters.do_reveal_account(entitlement, actor=request.user, reason=reason)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("benefits:subject", entitlement.subject_id)
    return render(
        request, "benefits/account_revealed.html", {"entitlement": entitlement, "account": account, "reason": reason}
    )
