"""Offline collection's pages: the door in the navigation, the page and its service worker and
manifest, the session check, and the conflicts page where a caseworker keeps mine or theirs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from freezegun import freeze_time

from audit.models import AuditEvent
from subjects.actions import do_update_subject
from subjects.actions.collection import Entry, do_sync_collected
from subjects.models import CollectedEntry, CollectedStatus, Subject

from .test_collect_api import PNG, POINT, START

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def conflict(make_subject: Callable[..., Subject], caseworker: Any) -> CollectedEntry:
    """An entry collected at 五山街道 while a colleague changed the person's telephone."""
    with freeze_time(START) as clock:
        villager = make_subject(POINT, name="赵大勇", phone="13900000001")
        version = villager.updated_at
        clock.tick(dt.timedelta(hours=1))
        do_update_subject(villager, changes={"phone": "13600000000"}, provenance="caseworker_entry", actor=None)
        clock.tick(dt.timedelta(hours=1))
        entry = Entry(
            key="conflict-0001",
            point=POINT,
            collected_at=START,
            signature=PNG,
            subject_id=villager.pk,
            version=version,
            values={"phone": "13900000002"},
        )
        (outcome,) = do_sync_collected([entry], actor=caseworker)
    assert outcome.result == "conflict"
    return CollectedEntry.objects.get(key="conflict-0001")


def test_the_navigation_opens_offline_collection_for_those_who_may_collect(caseworker: Any, supervisor: Any) -> None:
    assert 'id="nav-collect"' in client_for(caseworker).get("/").content.decode()
    assert 'id="nav-collect"' not in client_for(supervisor).get("/").content.decode()


def test_the_page_offers_the_townships_of_the_jurisdiction_and_links_its_worker_and_manifest(caseworker: Any) -> None:
    response = client_for(caseworker).get("/collect/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "离线采集" in body and "五山街道" in body
    assert 'rel="manifest"' in body and 'data-sw="/collect/sw.js"' in body
    assert "<script>" not in body and "style=" not in body  # the CSP: scripts and styles from files only


def test_those_who_may_not_collect_are_refused_the_page(supervisor: Any) -> None:
    assert client_for(supervisor).get("/collect/").status_code == 403
    assert Client().get("/collect/").status_code == 302  # to the sign-in page


def test_the_service_worker_is_served_under_collect_with_its_scope_and_precache() -> None:
    response = Client().get("/collect/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/collect/"
    body = response.content.decode()
    assert '"/collect/"' in body and "subjects/collect/collect.js" in body and "signature-pad.js" in body


def test_the_manifest_names_the_page_as_its_start_and_scope() -> None:
    manifest = json.loads(Client().get("/collect/manifest.webmanifest").content)

    assert manifest["start_url"] == manifest["scope"] == "/collect/"
    assert manifest["name"].startswith("离线采集")


def test_the_session_check_says_401_when_signed_out_so_entries_wait_encrypted(caseworker: Any) -> None:
    assert Client().get("/collect/session.json").status_code == 401
    signed_in = client_for(caseworker).get("/collect/session.json").json()
    assert signed_in["signed_in"] is True and signed_in["csrf"]


def test_a_caseworker_keeps_mine_on_the_conflicts_page(
    conflict: CollectedEntry, make_user: Any, caseworker: Any
) -> None:
    client = client_for(make_user("caseworker2", "caseworker"))
    page = client.get("/collect/conflicts/").content.decode()
    assert "赵大勇" in page and "13900000002" in page and "13600000000" in page

    response = client.post(f"/collect/conflicts/{conflict.pk}/resolve/", {"keep": "mine"}, follow=True)

    assert "已将采集内容写入档案" in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.status == CollectedStatus.KEPT_MINE
    assert Subject.objects.get(pk=conflict.subject_id or 0).phone == "13900000002"
    assert AuditEvent.objects.filter(event_type="subject.collection_resolved").exists()
    assert "没有待处理的冲突" in client.get("/collect/conflicts/").content.decode()


def test_the_outsider_neither_sees_nor_resolves_another_countys_conflict(
    conflict: CollectedEntry, caseworker_b: Any
) -> None:
    client = client_for(caseworker_b)

    assert "赵大勇" not in client.get("/collect/conflicts/").content.decode()
    assert client.post(f"/collect/conflicts/{conflict.pk}/resolve/", {"keep": "theirs"}).status_code == 404
    conflict.refresh_from_db()
    assert conflict.status == CollectedStatus.CONFLICT


def test_the_persons_page_says_where_by_whom_and_when_a_value_was_collected(
    make_subject: Callable[..., Subject], caseworker: Any
) -> None:
    with freeze_time(START) as clock:
        villager = make_subject(POINT, name="赵大勇", phone="13900000001")
        clock.tick(dt.timedelta(hours=1))
        entry = Entry(
            key="collected-0001",
            point=POINT,
            collected_at=START,
            signature=PNG,
            subject_id=villager.pk,
            version=villager.updated_at,
            values={"phone": "13900000002"},
        )
        do_sync_collected([entry], actor=caseworker)

    page = client_for(caseworker).get(f"/subjects/{villager.pk}/").content.decode()

    assert "离线采集" in page and "caseworker于2026-03-02 17:00在五山街道离线采集" in page
