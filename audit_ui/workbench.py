"""The auditor's workbench panel (``core.panels``): recent sensitive events, linking to the workspace.

Sensitive: full ID numbers revealed or looked up, exports of people, reports or audit events,
and changes of who may do what (memberships, per-case exceptions, accounts). Registered in
``AuditUiConfig.ready()``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from audit.models import AuditEvent
from core import panels
from jurisdictions import scope
from jurisdictions.perms import AUDIT

from . import queries

LIMIT = 10
SENSITIVE_EVENTS = (
    "subject.id_revealed",
    "subject.looked_up",
    "subject.exported",
    "report.exported",
    "audit.exported",
    "membership.granted",
    "membership.revoked",
    "membership.ended",
    "case.access_granted",
    "case.access_ended",
    "user.deactivated",
    "user.reactivated",
)
# The workspace's search for each kind (an event type per link).
SEARCH_LINKS = ("subject.id_revealed", "subject.exported", "membership.granted")


def recent_sensitive_events(user: Any) -> dict[str, Any] | None:
    """Auditors: the latest sensitive events of their jurisdiction, newest first."""
    if not scope.codes_with(user, AUDIT):
        return None
    events = (
        AuditEvent.objects.filter(
            scope.scope_q(user, codename=AUDIT, division_field="division_code"), event_type__in=SENSITIVE_EVENTS
        )
        .select_related("actor")
        .order_by("-id")[:LIMIT]
    )
    search = reverse("audit:search")
    return {
        "rows": queries.event_rows(events),
        "links": [
            (f"{search}?{urlencode({'event_type': event_type})}", queries.event_label(event_type))
            for event_type in SEARCH_LINKS
        ],
    }


def register() -> None:
    panels.register(
        panels.WORKBENCH,
        panels.Panel("sensitive-events", "audit_ui/panels/sensitive_events.html", recent_sensitive_events, order=15),
    )
