"""The person's letters on their page (``core.panels``), registered in ``LettersConfig.ready()``."""

from __future__ import annotations

from typing import Any

from core import panels
from jurisdictions import scope

from .models import Letter


def subject_letters(user: Any, *, subject: Any) -> dict[str, Any] | None:
    """Letters about the person's cases in the user's jurisdiction, newest first (superseded ones marked)."""
    letters = list(
        scope.scoped(Letter.objects.filter(case__subject=subject), user)
        .select_related("case")
        .order_by("-requested_at", "-id")[:100]
    )
    return {"letters": letters}


def register() -> None:
    panels.register(
        panels.SUBJECT, panels.Panel("letters", "letters/panels/subject_letters.html", subject_letters, order=30)
    )
