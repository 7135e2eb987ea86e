"""Transitional: the old import path of ``notify_letter_ready`` for ``letters.actions``.

The case notifications live in ``cases.notify``. This copy (which imports no domain app) only
keeps ``letters`` working until it reaches the letter notice through its own letter-kinds
registry; delete it then.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from .outbox import notify


def notify_letter_ready(case: Any, *, letter_key: str = "") -> None:
    """Same as ``cases.notify.notify_letter_ready`` (event ``letter.ready``, registered by cases)."""
    try:
        link = reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        link = ""
    notify(
        event="letter.ready",
        recipients=[case.filed_by],
        recipient_phone=(getattr(case.subject, "phone", "") or "").strip(),
        context={"case": case.number},
        dedupe_key=f"letter.ready:{case.pk}:{letter_key}",
        division_code=case.division_id,
        link=link,
    )
