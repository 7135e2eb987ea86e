"""Pages: my notifications (mark read), my preferences, failed deliveries (administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import actions, events, queries
from .models import Channel, DeliveryStatus, Mode
from .outbox import preferences_of

PAGE_SIZE = 50


def _row(notification: Any, language: str) -> dict[str, Any]:
    title, body = events.render(notification.event, notification.context, language)
    return {"obj": notification, "title": title, "body": body}


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = queries.my_notifications(request.user)
    before = request.GET.get("before", "")
    if before.isdigit():
        items = items.filter(id__lt=int(before))
    page = list(items[: PAGE_SIZE + 1])
    next_before = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    language = request.LANGUAGE_CODE
    rows = [_row(n, language) for n in page[:PAGE_SIZE]]
    return render(
        request,
        "notifications/list.html",
        {
            "rows": rows,
            "next_before": next_before,
            "unread": queries.unread_count(request.user),
            "show_failures": queries.is_administrator(request.user),
        },
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = queries.access_notification(request.user, pk)
    actions.do_mark_read(notification, actor=request.user)
    if request.POST.get("open") and notification.link:
        return redirect(notification.link)
    return _back(request, "notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    actions.do_mark_all_read(actor=request.user)
    return _back(request, "notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    from .models import ContactDetails

    current = preferences_of(request.user)
    user: Any = request.user
    contact = ContactDetails.objects.filter(user=user).first()
    error = ""
    if request.method == "POST":
        wanted: dict[str, dict[str, Any]] = {
            str(event): {
                "in_app": request.POST.get(f"{event}-in_app") == "on",
                "email": request.POST.get(f"{event}-email") == "on",
                "sms": request.POST.get(f"{event}-sms") == "on",
                "mode": request.POST.get(f"{event}-mode", Mode.IMMEDIATE),
            }
            for event in events.preference_events()
        }
        try:
            actions.do_set_preferences(
                request.user, actor=request.user, preferences=wanted, sms_phone=request.POST.get("sms_phone", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    rows = [
        {"event": event, "label": events.label(event), "pref": current[event]} for event in events.preference_events()
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "modes": Mode.choices,
            "sms_phone": contact.sms_phone if contact else "",
            "has_email": bool(request.user.email),  # type: ignore[union-attr]
            "error": error,
            "show_failures": queries.is_administrator(request.user),
        },
    )


@login_required
def failures(request: HttpRequest) -> HttpResponse:
    """Failed and dead deliveries of the administrator's jurisdictions, with a retry button."""
    if not queries.is_administrator(request.user):
        raise PermissionDenied(_("Only administrators see failed deliveries."))
    rows = list(queries.failed_deliveries(request.user).select_related("recipient")[:200])
    return render(
        request,
        "notifications/failures.html",
        {"rows": rows, "dead": DeliveryStatus.DEAD, "channels": dict(Channel.choices)},
    )


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = queries.access_delivery(request.user, pk)
    try:
        actions.do_retry_delivery(delivery, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The message will be sent again."))
    return redirect("notifications:failures")
