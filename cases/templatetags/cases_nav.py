"""Navigation counts: my open tasks, my team's unclaimed ones, the cases shared with me (display only).

They are on every page, so they are kept in the shared cache for a short while
(``cases.queries.nav_counts_cached``): a page with warm caches asks the database nothing for them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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


@lru_cache(maxsize=8)
def _nav_parts(language: str) -> dict[str, str]:
    """The links' addresses and labels (escaped) in ``language``: the same on every page."""
    return {
        "list": reverse("cases:list"),
        "inbox": reverse("cases:inbox"),
        "shared": reverse("cases:shared"),
        "sla": reverse("cases:sla"),
        "cases": escape(_("Cases")),
        "mine": escape(_("My tasks")),
        "queue": escape(_("Team queue")),
        "shared_with_me": escape(_("Shared with me")),
        "time_limits": escape(_("Time limits")),
    }


def _count(n: int) -> str:
    return f' <span class="navcount">{int(n)}</span>' if n else ""


@register.simple_tag(takes_context=True)
def cases_nav_links(context: Any) -> SafeString:
    """The cases' links in the navigation, with the counts (written here: on every page, the template
    engine's tags cost more than the counts)."""
    from jurisdictions import scope
    from jurisdictions.perms import ADMINISTER

    user = getattr(context.get("request"), "user", None)
    is_admin = bool(user and user.is_authenticated and (user.is_superuser or scope.codes_with(user, ADMINISTER)))
    counts = _counts(context)
    p = _nav_parts(get_language() or "")
    html = (
        f'<a href="{p["list"]}">{p["cases"]}</a>\n'
        f'<a href="{p["inbox"]}?scope=mine" id="nav-mine">{p["mine"]}{_count(counts["mine"])}</a>\n'
        f'<a href="{p["inbox"]}?scope=queue" id="nav-queue">{p["queue"]}{_count(counts["queue"])}</a>\n'
    )
    if counts["shared"]:
        html += f'<a href="{p["shared"]}" id="nav-shared">{p["shared_with_me"]}{_count(counts["shared"])}</a>\n'
    if is_admin:
        html += f'<a href="{p["sla"]}">{p["time_limits"]}</a>\n'
    return mark_safe(html)  # noqa: S308 (escaped labels, reversed addresses, integers)
