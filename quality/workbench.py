"""The workbench panel of quality review: drawn decisions waiting for a finding from this supervisor."""

from __future__ import annotations

from typing import Any

from core import panels
from jurisdictions import scope
from jurisdictions.perms import SUPERVISE

from . import queries

LIMIT = 10


def waiting_reviews(user: Any) -> dict[str, Any] | None:
    """Reviews waiting at the level above their decision where the user supervises (two queries at most)."""
    if not user.is_authenticated or not scope.codes_with(user, SUPERVISE):
        return None
    waiting = queries.reviews_for(user).filter(finding="")[: LIMIT * 5]
    rows = [r for r in waiting if scope.has_perm_at(user, SUPERVISE, queries.review_level(r.division_id))]
    if not rows:
        return None
    return {"reviews": rows[:LIMIT], "more": len(rows) > LIMIT}


def register() -> None:
    for place in (panels.WORKBENCH, panels.INBOX):  # the workbench and the inbox's other work
        panels.register(
            place, panels.Panel("quality-reviews", "quality/panels/waiting.html", waiting_reviews, order=50)
        )
