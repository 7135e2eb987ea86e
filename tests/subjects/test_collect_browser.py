"""Offline collection in a real browser (Debian's Chromium, PostgreSQL only): the township worker
opens 离线采集 from the navigation, the page goes offline and is reloaded from its service worker,
three people are recorded with signatures drawn on the pad, IndexedDB holds no name or ID number in
clear; the session ends meanwhile, so the entries wait encrypted for the next sign-in, and then
the three arrive once (a second sync adds nothing). Screenshots of the page
online and offline go to ``var/screenshots/collect/``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from subjects import ids
from subjects.models import CollectedEntry, CollectedStatus, ImportBatch, Subject
from tests.cases.test_browser import CHROMIUM, browser, server, session_cookie  # noqa: F401 - fixtures
from tests.test_pages_in_browser import axe_violations

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "collect"
POINT = "440106001"
PIN = "246810"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser walks run on PostgreSQL only"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

# Everything IndexedDB holds, as text: every value (typed arrays as numbers), and every byte array
# also decoded as UTF-8, so a name or number stored in clear anywhere would show.
DUMP_INDEXED_DB = """async (name) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const parts = [];
  for (const store of Array.from(db.objectStoreNames)) {
    const rows = await new Promise((resolve, reject) => {
      const request = db.transaction(store, "readonly").objectStore(store).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    for (const row of rows) {
      parts.push(JSON.stringify(row, (k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
      for (const value of Object.values(row)) {
        if (value instanceof Uint8Array) parts.push(new TextDecoder("utf-8", { fatal: false }).decode(value));
      }
    }
  }
  db.close();
  return { count: parts.length, text: parts.join("\\n") };
}"""


@pytest.fixture
def township(make_user: Any) -> dict[str, Any]:
    from jurisdictions.models import Division
    from subjects.actions import do_register_subject
    from subjects.models import Category
    from tests.cases.conftest import new_id, restore_demo_divisions

    connection.close()  # another walk's server may have ended this worker's sessions
    restore_demo_divisions()
    Division.objects.get_or_create(code=POINT, defaults={"name": "五山街道", "level": 4, "parent_id": "440106"})

    def villager(name: str, phone: str) -> Subject:
        return do_register_subject(
            division=POINT,
            id_number=new_id("440106"),
            name=name,
            actor=None,
            category=Category.RETIRED_SOLDIER,
            phone=phone,
            hukou_address="五山路 1 号",
        )

    return {
        "worker": make_user("collector", "caseworker", division="440106", full_name="张采集"),
        "first": villager("赵大勇", "13900000001"),
        "second": villager("钱小红", "13900000002"),
        "newcomer_id": new_id("440106"),
    }


def shot(page: Any, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{step}.png"), full_page=True)


def poll(check: Any, what: str, seconds: float = 30) -> Any:
    """Wait for ``check()`` to be truthy, polled from the test (never by evaluating a string in the page)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited in vain for {what}")


def sign(page: Any) -> None:
    pad = page.locator("#signature")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + 30 + step * 12, y + 120 - (step % 6) * 12)
    page.mouse.up()


def record(page: Any, *, person: str | None = None, phone: str, name: str = "", id_number: str = "") -> None:
    page.select_option("#person", person or "")
    if person is None:
        page.fill("#new-name", name)
        page.fill("#new-id", id_number)
        page.select_option("#new-category", "retired_soldier")
    page.fill("#phone", phone)
    sign(page)
    if person is None:
        shot(page, "02-offline-signed")
    before = page.inner_text("#pending-count")
    page.click("#save-entry")
    poll(
        lambda: page.inner_text("#pending-count") != before,
        f"the entry to be saved ({page.inner_text('#collect-message')})",
    )
    assert "已加密保存" in page.inner_text("#collect-message")


def unlock(page: Any) -> None:
    page.fill("#pin", PIN)
    page.click("#unlock-button")
    poll(lambda: page.locator("#record").is_visible(), "the page to unlock")
    poll(lambda: "名单" in page.inner_text("#worklist-state"), "the worklist")


def test_three_people_recorded_offline_arrive_once_when_the_network_returns(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    township: dict[str, Any],
) -> None:
    base, problems = server, []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies([session_cookie(township["worker"], base)])
    page = context.new_page()
    page.on("pageerror", lambda e: problems.append(f"script: {e}"))

    # Online: the workbench, then 离线采集 by its link; the service worker caches the page.
    page.goto(f"{base}/")  # the only typed address
    page.click("#nav-collect")
    page.wait_for_url("**/collect/")
    assert page.inner_text("h1") == "离线采集"
    poll(
        lambda: page.evaluate(
            "async () => !!navigator.serviceWorker.controller && !!(await caches.match('/collect/'))"
        ),
        "the service worker to control the page and cache it",
    )
    unlock(page)
    assert "名单：2人" in page.inner_text("#worklist-state")
    assert page.inner_text("#net-state") == "在线"
    shot(page, "01-online")
    assert axe_violations(page) == []

    # Offline: the page reloads from the service worker's cache, the worklist from the page's.
    context.set_offline(True)
    reloaded = page.reload()
    assert reloaded is not None and reloaded.from_service_worker
    assert page.inner_text("h1") == "离线采集"
    poll(lambda: page.inner_text("#net-state").startswith("离线"), "the page to say it is offline")
    unlock(page)
    assert "本设备缓存的名单：2人" in page.inner_text("#worklist-state")
    first, second = township["first"], township["second"]
    record(page, person=str(first.pk), phone="13911111111")
    record(page, person=str(second.pk), phone="13922222222")
    record(page, name="孙新兵", id_number=township["newcomer_id"], phone="13733333333")
    assert page.inner_text("#pending-count") == "3"
    shot(page, "03-offline-three-recorded")

    # At rest: IndexedDB holds ciphertext only — no name, ID number or telephone in clear.
    stored = page.evaluate(DUMP_INDEXED_DB, f"laurel-collect-{township['worker'].pk}")
    assert stored["count"] >= 4  # the key's check value and three entries
    secrets = ["赵大勇", "钱小红", "孙新兵", "13911111111", "13733333333", township["newcomer_id"]]
    secrets += [ids.decrypt(s.id_number_encrypted) for s in (first, second)]
    assert [s for s in secrets if s in stored["text"]] == []
    assert not CollectedEntry.objects.exists()

    # The session ended during the day offline: back online, the sync waits for a sign-in and the
    # entries stay encrypted on the device.
    context.clear_cookies()
    context.set_offline(False)
    page.click("#sync-button")
    poll(lambda: "登录已过期" in page.inner_text("#collect-message"), "the page to ask for a sign-in")
    assert page.inner_text("#pending-count") == "3" and not CollectedEntry.objects.exists()
    assert page.locator("#sign-in-again").is_visible()
    shot(page, "04-session-ended")

    # Signed in again: the page, unlocked with the PIN, syncs; the three arrive once.
    context.add_cookies([session_cookie(township["worker"], base)])
    page.reload()
    unlock(page)
    poll(lambda: page.inner_text("#pending-count") == "0", "the entries to be synced")
    poll(lambda: CollectedEntry.objects.count() == 3, "the three entries on the server")
    assert set(CollectedEntry.objects.values_list("status", flat=True)) == {CollectedStatus.APPLIED}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.phone, second.phone) == ("13911111111", "13922222222")
    assert first.provenance["phone"]["source"] == "offline_collection"
    newcomer = Subject.objects.get(id_number_hmac=ids.blind_index(township["newcomer_id"]))
    assert (newcomer.name, newcomer.division_id, newcomer.phone) == ("孙新兵", "440106001", "13733333333")
    poll(lambda: "同步完成" in page.inner_text("#collect-message"), "the sync's summary")
    shot(page, "05-online-synced")
    batches = ImportBatch.objects.count()

    # A second sync adds nothing.
    page.click("#sync-button")
    poll(lambda: "没有待同步的记录" in page.inner_text("#collect-message"), "the second sync's answer")
    assert CollectedEntry.objects.count() == 3 and ImportBatch.objects.count() == batches
    assert Subject.objects.count() == 3
    assert problems == []
    context.close()
