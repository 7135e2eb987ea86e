"""Navigation counts: my open tasks, my team's unclaimed ones, the cases shared with me (display only).

They are on every page, so they are kept in the shared cache for a short while
(``cases.queries.nav_counts_cached``): a page with warm caches asks the database nothing for them.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

_EMPTY = {"mine": 0, "queue": 0, "shared": 0}


def _counts(context: Any) -> dict[str, int]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return _EMPTY
    cached = getattr(request, "_laurel_task_counts", None)
    if cached is None:
        from cases.queries import nav_counts_cached

        cached = nav_counts_cached(user)
        request._laurel_task_counts = cached
    return cached


@register.simple_tag(takes_context=True)
def case_task_counts(context: Any) -> dict[str, int]:
    return _counts(context)


@register.inclusion_tag("cases/_nav.html", takes_context=True)
def cases_nav_links(context: Any) -> dict[str, Any]:
    from jurisdictions import scope
    from jurisdictions.perms import ADMINISTER

    user = getattr(context.get("request"), "user", None)
    is_admin = bool(user and user.is_authenticated and (user.is_superuser or scope.codes_with(user, ADMINISTER)))
    counts = _counts(context)
    return {"task_counts": counts, "is_admin": is_admin, "shared_count": counts["shared"]}
