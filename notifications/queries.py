"""Reads of the notifications app, and the access helpers of its entry points."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from core import cache as shared_cache
from jurisdictions import scope
from jurisdictions.perms import ADMINISTER

from .models import Delivery, DeliveryStatus, Notification


def my_notifications(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# The bell's count on every page: kept in the shared cache for a short while, dropped when the
# user reads a notification or receives one (core.cache).
BADGE_SECONDS = 30


def _badge_key(user_id: Any) -> str:
    return f"nav:unread:{user_id}"


def unread_badge(user: Any) -> int:
    """:func:`unread_count` for the navigation bell, from the shared cache when it is warm."""
    if not getattr(user, "is_authenticated", False):
        return 0
    count = shared_cache.get_plain(_badge_key(user.pk))
    if count is None:
        count = unread_count(user)
        shared_cache.set_plain(_badge_key(user.pk), count, BADGE_SECONDS)
    return int(count)


def forget_badge(user_id: Any) -> None:
    shared_cache.forget_plain(_badge_key(user_id))


def access_notification(user: Any, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's is a 404."""
    found = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if found is None:
        raise Http404(_("Not found."))
    return found


def _administered_q(user: Any) -> Q:
    """Deliveries belonging to a division the user administers (a grant covers the subtree)."""
    q = Q(pk__in=[])
    for code in scope.codes_with(user, ADMINISTER):
        if code == "CN":
            return Q()
        q |= Q(division_code__startswith=code)
    return q


def is_administrator(user: Any) -> bool:
    return bool(scope.codes_with(user, ADMINISTER))


def failed_deliveries(user: Any) -> QuerySet[Delivery]:
    """Failed and dead deliveries of the administrator's jurisdictions, newest first."""
    return Delivery.objects.filter(
        _administered_q(user), status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD]
    ).order_by("-created_at", "-id")


def access_delivery(user: Any, delivery_id: int) -> Delivery:
    """A delivery of a jurisdiction the user administers: 404 outside their jurisdiction, 403 without
    the administer permission there. Deliveries without a division belong to nation-wide administrators."""
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404(_("Not found."))
    code = delivery.division_code or "CN"
    if code == "CN":
        if "CN" not in scope.codes_with(user, ADMINISTER):
            raise Http404(_("Not found."))
        return delivery
    scope.require_perm(user, ADMINISTER, code)
    return delivery
