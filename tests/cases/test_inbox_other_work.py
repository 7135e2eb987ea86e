"""The inbox's "other work" tab: what waits for the user that is not a step of a case (core.panels.INBOX)."""

from __future__ import annotations

from typing import Any

import pytest

from core import panels

pytestmark = pytest.mark.django_db


def test_the_apps_put_their_waiting_work_in_the_inbox_as_on_the_workbench() -> None:
    names = {p.name for p in panels.panels(panels.INBOX)}

    assert "recoveries" in names
    # Roster approvals, confirmations, spot checks, transfers and quality reviews are steps
    # (core.steps) in the task lists instead.
    assert not {"rosters-to-approve", "confirmation", "transfers", "quality-reviews"} & names
    workbench = {p.name: p.content for p in panels.panels(panels.WORKBENCH)}
    assert all(workbench[p.name] is p.content for p in panels.panels(panels.INBOX))  # the same lists


def test_the_tab_is_reached_from_the_inbox_and_shows_what_waits(client: Any, caseworker: Any, monkeypatch: Any) -> None:
    seen: list[Any] = []

    def waiting(user: Any) -> dict[str, Any] | None:
        seen.append(user)
        return {"rows": ["待审核的花名册"]} if user == caseworker else None

    monkeypatch.setitem(
        panels._registry, panels.INBOX, {"probe": panels.Panel("probe", "cases/panels/test_probe.html", waiting)}
    )
    monkeypatch.setattr(
        "core.panels.render_to_string",
        lambda template, context, request=None: f"<section id='{context['panel_id']}'>{context['rows'][0]}</section>",
    )
    client.force_login(caseworker)

    inbox = client.get("/cases/inbox/").content.decode()
    assert 'href="?scope=other"' in inbox
    page = client.get("/cases/inbox/", {"scope": "other"}).content.decode()

    assert "panel-probe" in page and "待审核的花名册" in page
    assert seen == [caseworker]


def test_nothing_waiting_says_so(client: Any, caseworker_b: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(panels._registry, panels.INBOX, {})
    client.force_login(caseworker_b)

    page = client.get("/cases/inbox/", {"scope": "other"}).content.decode()

    assert 'id="inbox-other-work"' in page and "没有其他待办" in page
