"""Navigation counts: my open tasks and my team's unclaimed ones (display only)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def case_task_counts(context: Any) -> dict[str, int]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"mine": 0, "queue": 0}
    cached = getattr(request, "_laurel_task_counts", None)
    if cached is None:
        from cases.queries import nav_counts

        cached = nav_counts(user)
        request._laurel_task_counts = cached  # type: ignore[union-attr]
    return cached


@register.inclusion_tag("cases/_nav.html", takes_context=True)
def cases_nav_links(context: Any) -> dict[str, Any]:
    from jurisdictions import scope
    from jurisdictions.perms import ADMINISTER

    user = getattr(context.get("request"), "user", None)
    is_admin = bool(user and user.is_authenticated and (user.is_superuser or scope.codes_with(user, ADMINISTER)))
    from cases.queries import shared_count

    shared = shared_count(user) if user is not None and user.is_authenticated else 0
    return {"task_counts": case_task_counts(context), "is_admin": is_admin, "shared_count": shared}
