"""The annual confirmation's pages: the campaigns (open one), a campaign's progress per level and
its items (confirm, spot-check, cancel). Navigation → 年度确认; the workbench shows what waits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.pages import domain_errors_as_pages
from jurisdictions import scope
from jurisdictions.models import Division
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, VIEW

from . import confirmation
from .models import CampaignStatus, ConfirmationMethod, ConfirmationStatus, SpotCheck

ITEMS_SHOWN = 100
LEVEL_LABELS = {
    "township": _("Township"),
    "county": _("County"),
    "city": _("City"),
    "province": _("Province"),
}


def _require_staff(user: Any) -> None:
    if not scope.codes_with(user, VIEW):
        raise Http404(_("Not found."))


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _date(value: str, field: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({field: _("A date, YYYY-MM-DD.")})
    return day


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    rows = list(confirmation.campaigns_for(request.user)[:101])
    for row in rows:
        row.summary = confirmation.totals(row, request.user)  # type: ignore[attr-defined]
    codes = [c for c in scope.codes_with(request.user, APPROVE_CASES) if len(c) in (2, 6)]
    divisions = list(Division.objects.filter(code__in=codes).order_by("code"))
    return render(
        request,
        "benefits/confirmation/campaign_list.html",
        {"campaigns": rows[:100], "more": len(rows) > 100, "divisions": divisions, "year": timezone.localdate().year},
    )


@login_required
@require_POST
@domain_errors_as_pages
def open_campaign(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    division = scope.access_division(request.user, request.POST.get("division", "").strip())
    try:
        start = _date(request.POST.get("window_start", ""), "window_start")
        end = _date(request.POST.get("window_end", ""), "window_end")
        campaign = confirmation.do_open_campaign(
            division.code,
            year=_int(request.POST.get("year", ""), 0),
            actor=request.user,
            window_start=start,
            window_end=end,
            grace_days=_int(request.POST.get("grace_days", ""), 5),
        )
        counts = confirmation.do_data_match(campaign, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("benefits:campaigns")
    matched = sum(
        n
        for code, n in counts.items()
        if code in confirmation.EVIDENCE_RULES and not confirmation.EVIDENCE_RULES[code].veto
    )
    messages.success(
        request,
        _("Campaign opened for %(n)d people; %(matched)d confirmed by the department data.")
        % {"n": campaign.item_count, "matched": matched},
    )
    return redirect("benefits:campaign", pk=campaign.pk)


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = confirmation.access_campaign(request.user, pk)
    level = request.GET.get("level", "township" if len(campaign.division_id) == 6 else "county")
    if level not in confirmation.LEVELS:
        level = "county"
    status = request.GET.get("status", ConfirmationStatus.OPEN)
    if status not in (*ConfirmationStatus.values, "spot_check"):
        status = ConfirmationStatus.OPEN
    items = list(confirmation.items_for(request.user, campaign, status=status)[: ITEMS_SHOWN + 1])
    statuses = [(value, label) for value, label in ConfirmationStatus.choices] + [("spot_check", _("To spot-check"))]
    return render(
        request,
        "benefits/confirmation/campaign_detail.html",
        {
            "campaign": campaign,
            "summary": confirmation.totals(campaign, request.user),
            "rows": confirmation.progress(campaign, request.user, level=level),
            "level": level,
            "levels": list(LEVEL_LABELS.items()),
            "status": status,
            "statuses": statuses,
            "items": items[:ITEMS_SHOWN],
            "more": len(items) > ITEMS_SHOWN,
            "methods": ConfirmationMethod.choices,
            "may_match": scope.has_perm_at(request.user, APPROVE_CASES, campaign.division_id),
            "may_close": confirmation.may_close(request.user, campaign),
            "closed": campaign.status == CampaignStatus.CLOSED,
            "close_from": campaign.deadline + dt.timedelta(days=1),
            "may_confirm": bool(scope.codes_with(request.user, HANDLE_CASES)),
            "rule_labels": {code: str(rule.label) for code, rule in confirmation.EVIDENCE_RULES.items()},
            "today": timezone.localdate().isoformat(),
            "spot_pending": SpotCheck.PENDING,
        },
    )


@login_required
@require_POST
@domain_errors_as_pages
def run_match(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = confirmation.access_campaign(request.user, pk)
    confirmation.require_matcher(request.user, campaign)
    counts = confirmation.do_data_match(campaign, actor=request.user)
    matched = sum(
        n
        for code, n in counts.items()
        if code in confirmation.EVIDENCE_RULES and not confirmation.EVIDENCE_RULES[code].veto
    )
    messages.success(request, _("%(n)d people confirmed by the department data.") % {"n": matched})
    return redirect("benefits:campaign", pk=campaign.pk)


@login_required
@require_POST
@domain_errors_as_pages
def close_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = confirmation.access_campaign(request.user, pk)
    confirmation.require_closer(request.user, campaign)
    try:
        closed = confirmation.do_close_campaign(campaign, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("benefits:campaign", pk=campaign.pk)
    messages.success(
        request,
        _("The campaign is closed: %(n)d people, %(confirmed)d confirmed; the figures are frozen.")
        % {"n": closed.final_figures["total"]["items"], "confirmed": closed.final_figures["total"]["confirmed"]},
    )
    return redirect("benefits:campaign", pk=campaign.pk)


def _back(item: Any, request: HttpRequest) -> HttpResponse:
    status = request.POST.get("back_status", "")
    url = redirect("benefits:campaign", pk=item.campaign_id).url
    return redirect(f"{url}?status={status}" if status in (*ConfirmationStatus.values, "spot_check") else url)


@login_required
@require_POST
@domain_errors_as_pages
def confirm_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = confirmation.access_item(request.user, pk, codename=HANDLE_CASES)
    evidence = {
        key: request.POST.get(key, "").strip()
        for key in ("performed_by", "performed_on", "reference", "note")
        if request.POST.get(key, "").strip()
    }
    try:
        done = confirmation.do_confirm_item(
            item, method=request.POST.get("method", ""), evidence=evidence, actor=request.user
        )
        messages.success(request, _("%(name)s is confirmed.") % {"name": done.subject.name})
    except ValidationError as exc:
        _refused(request, exc)
    return _back(item, request)


@login_required
@require_POST
@domain_errors_as_pages
def spot_check_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = confirmation.access_item(request.user, pk)
    confirmation.require_spot_checker(request.user, item)
    upheld = request.POST.get("upheld") == "1"
    done = confirmation.do_spot_check(item, upheld=upheld, note=request.POST.get("note", ""), actor=request.user)
    if upheld:
        messages.success(request, _("The confirmation of %(name)s is upheld.") % {"name": done.subject.name})
    else:
        messages.success(
            request, _("The confirmation of %(name)s is not upheld: to confirm again.") % {"name": done.subject.name}
        )
    return _back(item, request)


@login_required
@require_POST
@domain_errors_as_pages
def cancel_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = confirmation.access_item(request.user, pk, codename=HANDLE_CASES)
    try:
        confirmation.do_cancel_item(item, reason=request.POST.get("reason", ""), actor=request.user)
        messages.success(request, _("The item is cancelled."))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(item, request)
