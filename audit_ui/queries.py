"""Reading the audit trail: scoped lists, search, and the rows shown on screen and exported.

Visibility: a user sees the events of the subtrees where they hold ``audit`` or
``supervise`` (``jurisdictions.scope``); events without a division only at nation level.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import common_division
from audit.masking import mask_id_numbers
from audit.models import AuditEvent
from jurisdictions import scope

from .labels import event_label, role_label

AUDIT_CODENAMES = ("audit", "supervise")
SYSTEM_ACTOR = gettext_lazy("(system)")

# Keys of ``data`` that have their own column; the rest goes to "details".
DATA_COLUMNS = ("from", "to", "reason", "evidence", "task")

COLUMNS = [
    ("id", gettext_lazy("No.")),
    ("occurred_at", gettext_lazy("Time")),
    ("event", gettext_lazy("Event")),
    ("event_type", gettext_lazy("Event type")),
    ("actor", gettext_lazy("Who")),
    ("role", gettext_lazy("Role")),
    ("object", gettext_lazy("Object")),
    ("division", gettext_lazy("Division")),
    ("from", gettext_lazy("From")),
    ("to", gettext_lazy("To")),
    ("reason", gettext_lazy("Reason")),
    ("evidence", gettext_lazy("Evidence")),
    ("task", gettext_lazy("Task")),
    ("details", gettext_lazy("Details")),
]


def audit_codes(user: Any) -> list[str]:
    """Division codes where ``user`` may read the audit trail."""
    return sorted({code for codename in AUDIT_CODENAMES for code in scope.codes_with(user, codename)})


def may_audit(user: Any) -> bool:
    return bool(audit_codes(user))


def require_auditor(user: Any) -> None:
    """403 unless the user holds ``audit`` or ``supervise`` somewhere."""
    if not may_audit(user):
        raise PermissionDenied(_("Only auditors and supervisors may read the audit trail."))


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    q = Q(pk__in=[])
    for codename in AUDIT_CODENAMES:
        q |= scope.scope_q(user, codename=codename, division_field="division_code")
    return AuditEvent.objects.filter(q)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search(user: Any, filters: dict[str, Any], *, ascending: bool = False) -> QuerySet[AuditEvent]:
    """Visible events matching ``filters`` (cleaned :class:`~audit_ui.forms.EventSearchForm` data)."""
    events = visible_events(user)
    if filters.get("from"):
        events = events.filter(occurred_at__gte=_local_midnight(filters["from"]))
    if filters.get("to"):
        events = events.filter(occurred_at__lt=_local_midnight(filters["to"] + timedelta(days=1)))
    code = filters.get("division", "")
    if code:
        column = {2: "province_code", 4: "city_code", 6: "county_code"}.get(len(code), "division_code")
        events = events.filter(**{column: code})
    if filters.get("actor"):
        name = mask_id_numbers(filters["actor"])  # stored masked when it is an ID number
        # Failed sign-ins have no actor; the attempted name is what an auditor searches for.
        events = events.filter(Q(actor_username=name) | Q(event_type="auth.login_failed", data__username=name))
    event_type = filters.get("event_type", "")
    if event_type.endswith("."):
        events = events.filter(event_type__startswith=event_type)
    elif event_type:
        events = events.filter(event_type=event_type)
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    return events.order_by("id" if ascending else "-id")


def object_events(user: Any, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    """The visible history of one object, oldest first, with the objects that refer to it.

    The audit app knows no other app's models, so "refers to" is read from the events:
    when the object's events carry a ``number`` (a case number), events whose data name it
    as ``case`` (a letter requested for the case, an overpayment found for it) join the
    timeline, and so does the rest of those objects' history (the letter issued, dispatched,
    downloaded).
    """
    visible = visible_events(user)
    own = Q(object_type=object_type, object_id=object_id)
    numbers = [
        n
        for n in visible.filter(own, data__has_key="number").values_list("data__number", flat=True)
        if isinstance(n, str | int) and n != ""
    ]
    if not numbers:
        return visible.filter(own).order_by("id")
    referring = visible.filter(data__case__in=sorted({str(n) for n in numbers})).exclude(own)
    related = own | Q(pk__in=referring.values("pk"))
    for other_type, other_id in set(referring.values_list("object_type", "object_id")):
        if other_type and other_id:
            related |= Q(object_type=other_type, object_id=other_id)
    return visible.filter(related).order_by("id")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def event_row(event: AuditEvent) -> dict[str, str]:
    """One event as the strings shown on screen and written to exports (same function for both)."""
    data = event.data if isinstance(event.data, dict) else {"value": event.data}
    details = {k: v for k, v in data.items() if k not in DATA_COLUMNS}
    return {
        "id": str(event.pk),
        "occurred_at": timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
        "event": event_label(event.event_type),
        "event_type": event.event_type,
        "actor": event.actor_username or _actorless(event),
        "role": role_label(event.actor_role),
        "object": f"{event.object_type}:{event.object_id}" if event.object_type else "",
        "division": event.division_code,
        "from": _text(data.get("from")),
        "to": _text(data.get("to")),
        "reason": _text(data.get("reason")),
        "evidence": _text(data.get("evidence")),
        "task": _text(data.get("task")),
        "details": _text(details) if details else "",
        # Not columns: links on screen (the actor's activity, the object's timeline).
        "actor_link": event.actor_username,
        "object_link": _timeline_url(event),
    }


def _actorless(event: AuditEvent) -> str:
    # No signed-in actor: the system (workflow joins, rendering jobs, commands), except for
    # failed sign-ins, whose attempted username is in the details.
    return "" if event.event_type == "auth.login_failed" else str(SYSTEM_ACTOR)


def _timeline_url(event: AuditEvent) -> str:
    if not event.object_type or not event.object_id or "/" in event.object_type + event.object_id:
        return ""
    return reverse("audit:timeline", args=[event.object_type, event.object_id])


def export_division(user: Any) -> str:
    """Where an export by ``user`` is recorded: the deepest division covering their audit scope."""
    return common_division(audit_codes(user))
