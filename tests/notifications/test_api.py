"""GET /api/v1/notifications/ (mine, newest first, unread count) and POST .../{id}/read/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from accounts.models import User
from cases.notify import CaseEvent
from notifications.models import Notification
from notifications.outbox import notify


def _notify(user: User, n: int) -> None:
    notify(
        event=CaseEvent.CASE_DECIDED,
        recipients=[user],
        context={"case": f"440106-2026-00000{n}", "outcome": "approved"},
        dedupe_key=f"case.decided:{n}",
        division_code="440106",
    )


def test_list_is_mine_newest_first_with_the_unread_count(
    api_as: Callable[[User], APIClient], alice: User, bob: User
) -> None:
    _notify(alice, 1)
    _notify(alice, 2)
    _notify(bob, 3)
    response = api_as(alice).get("/api/v1/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert body["unread"] == 2
    assert [r["context"]["case"] for r in body["results"]] == ["440106-2026-000002", "440106-2026-000001"]
    assert body["results"][0]["read"] is False and body["results"][0]["title"]


def test_mark_read(api_as: Callable[[User], APIClient], alice: User) -> None:
    _notify(alice, 1)
    item = Notification.objects.get()
    response = api_as(alice).post(f"/api/v1/notifications/{item.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert api_as(alice).get("/api/v1/notifications/").json()["unread"] == 0


def test_someone_elses_notification_is_404(api_as: Callable[[User], APIClient], alice: User, bob: User) -> None:
    _notify(alice, 1)
    item = Notification.objects.get()
    assert api_as(bob).post(f"/api/v1/notifications/{item.pk}/read/").status_code == 404


def test_keyset_pages(api_as: Callable[[User], APIClient], alice: User, monkeypatch: Any) -> None:
    from notifications import api

    monkeypatch.setattr(api, "PAGE_SIZE", 1)
    _notify(alice, 1)
    _notify(alice, 2)
    first = api_as(alice).get("/api/v1/notifications/").json()
    second = api_as(alice).get(f"/api/v1/notifications/?before={first['next_before']}").json()
    assert second["results"][0]["context"]["case"] == "440106-2026-000001"
    assert api_as(alice).get("/api/v1/notifications/?before=x").status_code == 400


def test_anonymous_is_refused(api_client: APIClient, db: Any) -> None:
    assert api_client.get("/api/v1/notifications/").status_code in (401, 403)
