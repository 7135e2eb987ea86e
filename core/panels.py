"""Panels: parts of a page that higher apps contribute (the workbench, the person's page).

A page owned low in the layers (the workbench in ``config``, the person's page in ``subjects``)
shows content that belongs to apps above it (tasks, notifications, cases, letters, audit
events). Those apps register a :class:`Panel` for the page's *place* in their
``AppConfig.ready()``; the page asks :func:`render` for the panels that apply to the user.

A panel is a query function and a template. The function receives the user (and the page's
objects, e.g. ``subject=``) and returns the template's context, or ``None`` when the panel
does not apply to this user (no role for it, or nothing of theirs to show). It reads through
the jurisdiction scope like any list, with a small fixed number of queries (no query per row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

# The places that show panels.
WORKBENCH = "workbench"  # the home page (工作台), per role
WORKBENCH_ACTIONS = "workbench_actions"  # buttons beside the workbench's quick search ("新建案件")
SUBJECT = "subject"  # the person's page: their cases, letters, ...
SUBJECT_ACTIONS = "subject_actions"  # buttons at the top of the person's page ("新建案件")
SEARCH = "search"  # the workbench's quick search: one result section per source
CASE = "case"  # a case's page: what apps above cases show of it (a grievance's deadlines and steps)
# The inbox's "other work" tab (其他待办): what waits for the user that is not a step of a case's process
# (a recovery to decide, a roster to approve, a confirmation or spot check, a transfer, a quality review).
INBOX = "inbox"


@dataclass(frozen=True)
class Panel:
    name: str  # unique within the place; the section's id on the page is ``panel-<name>``
    template: str
    content: Callable[..., dict[str, Any] | None]
    order: int = 100


_registry: dict[str, dict[str, Panel]] = {}


def register(place: str, panel: Panel) -> None:
    """Add (or replace, by name) a panel of ``place``."""
    _registry.setdefault(place, {})[panel.name] = panel


def panels(place: str) -> list[Panel]:
    return sorted(_registry.get(place, {}).values(), key=lambda p: (p.order, p.name))


def collect(place: str, user: Any, **objects: Any) -> list[tuple[Panel, dict[str, Any]]]:
    """The panels of ``place`` that apply to ``user``, each with its content."""
    found = []
    for panel in panels(place):
        content = panel.content(user, **objects)
        if content is not None:
            found.append((panel, content))
    return found


def render(place: str, request: HttpRequest, **objects: Any) -> list[SafeString]:
    """The panels of ``place`` that apply to the request's user, rendered in order."""
    return [
        mark_safe(render_to_string(panel.template, {**content, "panel_id": f"panel-{panel.name}"}, request))  # noqa: S308 - a template's own output
        for panel, content in collect(place, request.user, **objects)
    ]
