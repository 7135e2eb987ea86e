"""Staff pages of 公示: draft a notice from a proposed list, publish it, close it, read its record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.pages import domain_errors_as_pages
from jurisdictions import scope
from jurisdictions.models import Division
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES

from . import notices
from .models import NoticeEntry, NoticeKind, NoticeObjection, NoticeStatus
from .views import _refused, _require_staff


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    rows = list(notices.notices_for(request.user)[:201])
    codes = [code for code in scope.codes_with(request.user, HANDLE_CASES) if len(code) == 6]
    counties = list(Division.objects.filter(code__in=codes).order_by("code"))
    return render(
        request,
        "benefits/notice_list.html",
        {
            "notices": rows[:200],
            "more": len(rows) > 200,
            "counties": counties,
            "kinds": NoticeKind.choices,
            "default_days": notices.default_window_days(),
        },
    )


@login_required
@require_POST
@domain_errors_as_pages
def draft_notice(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    division = scope.access_division(request.user, request.POST.get("division", "").strip())
    days_text = request.POST.get("window_days", "").strip()
    try:
        notice = notices.do_draft_notice(
            division.code,
            kind=request.POST.get("kind", ""),
            source=request.POST.get("source", "").strip(),
            title=request.POST.get("title", ""),
            places=request.POST.get("places", ""),
            window_days=int(days_text) if days_text.isdigit() else (None if not days_text else -1),
            actor=request.user,
        )
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("benefits:notices")
    messages.success(
        request, _("Notice drafted: %(n)d entries. Check it, then publish it.") % {"n": notice.entry_count}
    )
    return redirect("benefits:notice", notice.pk)


@login_required
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = notices.access_notice(request.user, pk)
    return render(
        request,
        "benefits/notice_detail.html",
        {
            "notice": notice,
            "entries": list(NoticeEntry.objects.filter(notice=notice).order_by("row")[:2000]),
            "objections": list(
                NoticeObjection.objects.filter(notice=notice).select_related("entry").order_by("raised_at", "id")
            ),
            "may_publish": notice.status == NoticeStatus.DRAFT
            and scope.has_perm_at(request.user, APPROVE_CASES, notice.division_id),
            "may_close": notice.status == NoticeStatus.PUBLISHED
            and not notices.in_window(notice)
            and scope.has_perm_at(request.user, HANDLE_CASES, notice.division_id),
            "is_open": notices.in_window(notice),
        },
    )


@login_required
@require_POST
@domain_errors_as_pages
def publish_notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = notices.access_notice(request.user, pk, codename=APPROVE_CASES)
    notice = notices.do_publish_notice(notice, actor=request.user)
    messages.success(
        request,
        _("The notice is published; objections are accepted until %(day)s.") % {"day": notice.ends_on},
    )
    return redirect("benefits:notice", notice.pk)


@login_required
@require_POST
@domain_errors_as_pages
def close_notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = notices.access_notice(request.user, pk, codename=HANDLE_CASES)
    try:
        notices.do_close_notice(notice, actor=request.user)
        messages.success(request, _("The notice is closed; its record is kept."))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("benefits:notice", notice.pk)
