"""``record()``: the one way actions write the audit trail.

Call it inside the action's transaction: the event commits or rolls back with the change,
and an exception here fails the action (no unaudited change).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def record(
    *,
    event_type: str,
    actor: Any | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    division_code: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``obj`` fills object type/id (and division, for Located objects).

    ``data`` must already be masked: never pass a full ID number or other personal data.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        division_code = division_code or getattr(obj, "division_id", "") or ""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        event_type=event_type,
        actor_id=actor_id,
        actor_username=getattr(actor, "username", "") if actor_id else "",
        object_type=object_type,
        object_id=object_id,
        division_code=division_code,
        data=data or {},
    )
