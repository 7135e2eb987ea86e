"""Reading the audit trail: scoped lists, search, and the rows shown on screen and exported.

Visibility: a user sees the events of the subtrees where they hold ``audit`` or
``supervise`` (``jurisdictions.scope``); events without a division only at nation level.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from audit.log import common_division
from audit.masking import mask_id_numbers
from audit.models import AuditEvent
from cases.models import Case, Status
from cases.nodes import label as task_label
from jurisdictions import scope
from jurisdictions.models import Division
from subjects.ids import blind_index
from subjects.models import Subject

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
    ("from", pgettext_lazy("status change", "From")),
    ("to", pgettext_lazy("status change", "To")),
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
        events = events.filter(
            Q(actor_username=name)
            | Q(actor__in=_users_named(filters["actor"]))
            | Q(event_type="auth.login_failed", data__username=name)
        )
    if filters.get("case"):
        events = events.filter(case_q(filters["case"]))
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


def _users_named(name: str) -> QuerySet[Any]:
    """Staff whose full name is ``name`` ("张经办"; kept whole in ``first_name``)."""
    return get_user_model().objects.filter(first_name=name.strip()).exclude(first_name="").values("pk")


def case_q(number: str) -> Q:
    """The events of the case with this number, and those of the letters and findings naming it."""
    number = number.strip()
    ids = [str(pk) for pk in Case.objects.filter(number=number).values_list("pk", flat=True)]
    return Q(object_type="cases.case", object_id__in=ids) | Q(data__case=number)


def person_events(user: Any, id_number: str) -> QuerySet[AuditEvent]:
    """Visible events about the person with this full ID number: their record and their cases."""
    try:
        index = blind_index(id_number)
    except Exception:  # not a valid ID number: nobody has it
        return visible_events(user).none()
    subjects = [str(pk) for pk in Subject.objects.filter(id_number_hmac=index).values_list("pk", flat=True)]
    cases = [str(pk) for pk in Case.objects.filter(subject_id__in=subjects).values_list("pk", flat=True)]
    q = Q(object_type="subjects.subject", object_id__in=subjects) | Q(object_type="cases.case", object_id__in=cases)
    return visible_events(user).filter(q).order_by("-id")


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


class _Names:
    """Names for one page of events, looked up in bulk: people, divisions and the objects."""

    def __init__(self, events: list[AuditEvent]) -> None:
        actor_ids = {e.actor_id for e in events if e.actor_id}
        self.people = {
            user.pk: user.get_full_name() or user.get_username()
            for user in get_user_model().objects.filter(pk__in=actor_ids)
        }
        codes = {e.division_code for e in events if e.division_code}
        self.divisions = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
        self.objects: dict[tuple[str, str], str] = {}
        by_type: dict[str, set[str]] = {}
        for e in events:
            if e.object_type and e.object_id.isdigit():
                by_type.setdefault(e.object_type, set()).add(e.object_id)
        for object_type, ids in by_type.items():
            model = _model(object_type)
            if model is None:
                continue
            for obj in model._default_manager.filter(pk__in=ids):
                self.objects[(object_type, str(obj.pk))] = _identify(obj)

    def object(self, event: AuditEvent, data: dict[str, Any]) -> str:
        """ "案件 440106-2026-000006": the kind of object in words, then what people call it."""
        if not event.object_type:
            return ""
        model = _model(event.object_type)
        kind = str(model._meta.verbose_name) if model is not None else event.object_type
        name = self.objects.get((event.object_type, event.object_id)) or str(data.get("number") or "")
        return f"{kind} {name or '#' + event.object_id}"


def _model(object_type: str) -> Any:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _identify(obj: Any) -> str:
    number = getattr(obj, "number", "")
    if number:
        return str(number)
    if hasattr(obj, "get_full_name"):
        return str(obj.get_full_name() or obj.get_username())
    name = getattr(obj, "name", "")
    masked = getattr(obj, "id_number_masked", "")
    if name:
        return f"{name} {masked}".strip()
    return f"#{obj.pk}"


def event_rows(events: Any) -> list[dict[str, str]]:
    """Events as the rows shown on screen and written to exports (one function for both)."""
    events = list(events)
    names = _Names(events)
    return [event_row(event, names) for event in events]


def event_row(event: AuditEvent, names: _Names | None = None) -> dict[str, str]:
    """One event as the strings shown on screen and written to exports (same function for both)."""
    names = names or _Names([event])
    data = event.data if isinstance(event.data, dict) else {"value": event.data}
    details = {k: v for k, v in data.items() if k not in DATA_COLUMNS}
    actor = names.people.get(event.actor_id) if event.actor_id else None
    return {
        "id": str(event.pk),
        "occurred_at": timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
        "event": event_label(event.event_type),
        "event_type": event.event_type,
        "actor": actor or event.actor_username or _actorless(event),
        "role": role_label(event.actor_role),
        "object": names.object(event, data),
        "division": names.divisions.get(event.division_code, event.division_code),
        "from": _state(data.get("from")),
        "to": _state(data.get("to")),
        "reason": _text(data.get("reason")),
        "evidence": _text(data.get("evidence")),
        "task": _task(data.get("task")),
        "details": _text(details) if details else "",
        # Not columns: links on screen (the actor's activity, the object's timeline, the division),
        # and the raw record shown folded.
        "actor_link": event.actor_username,
        "object_link": _timeline_url(event),
        "division_code": event.division_code,
        "raw": json.dumps(
            {
                "event_type": event.event_type,
                "actor": event.actor_username,
                "object": f"{event.object_type}:{event.object_id}" if event.object_type else "",
                "division": event.division_code,
                "data": data,
            },
            ensure_ascii=False,
            sort_keys=True,
            indent=1,
        ),
    }


def _state(value: Any) -> str:
    if isinstance(value, str) and value in Status.values:
        return str(Status(value).label)
    return _text(value)


def _task(value: Any) -> str:
    if isinstance(value, str) and value:
        return str(task_label(value)) or value
    return _text(value)


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
