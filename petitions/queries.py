"""Reading grievances (the case itself is found through ``cases.queries.access_case``)."""

from __future__ import annotations

from typing import Any

from .models import Petition


def petition_of(case: Any) -> Petition | None:
    """The grievance of ``case`` (``None`` for a case of another kind, or filed before grievances)."""
    try:
        return case.petition
    except Petition.DoesNotExist:
        return None
