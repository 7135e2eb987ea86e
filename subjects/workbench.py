"""What the register shows in the workbench's quick search (``core.panels``): people found.

A full ID number is matched through its blind index only (never stored or logged in clear),
like the person search, and every such look-up is recorded (``subject.looked_up``).
Registered in ``SubjectsConfig.ready()``.
"""

from __future__ import annotations

import re
from typing import Any

from core import panels
from core.national_id import normalise

from . import queries
from .actions import do_record_id_lookup

LIMIT = 10
ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")


def looks_like_id_number(term: str) -> bool:
    return bool(ID_NUMBER.match(normalise(term)))


def search_people(user: Any, *, term: str) -> dict[str, Any] | None:
    """People in the user's jurisdiction: by full ID number (exact), else by name (contains)."""
    term = term.strip()
    if not term:
        return None
    by_id = looks_like_id_number(term)
    if by_id:
        found = list(queries.lookup(user, term).select_related("division")[:LIMIT])
        do_record_id_lookup(found, actor=user, where="workbench")
        return {"people": found, "by_id": True, "more": False}
    people = list(queries.search(user, name=term).order_by("name", "id")[: LIMIT + 1])
    return {"people": people[:LIMIT], "by_id": False, "more": len(people) > LIMIT}


def register() -> None:
    panels.register(
        panels.SEARCH, panels.Panel("people", "subjects/panels/search_people.html", search_people, order=10)
    )
