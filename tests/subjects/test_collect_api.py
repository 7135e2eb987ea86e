"""Offline collection's API: the worklist, a synced batch arriving as import rows once, a replay
applying nothing twice, a missing signature refused, a conflict resolved by a caseworker, and the
outsider kept out (README "Offline collection")."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time

from audit.models import AuditEvent
from subjects import ids
from subjects.actions import do_update_subject
from subjects.models import CollectedEntry, CollectedStatus, ImportBatch, Provenance, Subject

from .conftest import new_id

pytestmark = pytest.mark.django_db

POINT = "440106001"  # 五山街道, 天河区 (county A)
OTHER_POINT = "440104001"  # a township of 越秀区 (county B)
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# A 1×1 PNG: what the signature pad sends, as a data: URL.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def frozen() -> Any:
    with freeze_time(START) as clock:
        yield clock


@pytest.fixture
def villager(make_subject: Callable[..., Subject], frozen: Any) -> Subject:
    return make_subject(POINT, name="赵大勇", phone="13900000001", hukou_address="五山路 1 号")


def worklist(client: Any, point: str = POINT) -> Any:
    return client.get("/api/v1/collect/worklist/", {"point": point})


def entry(person: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": uuid.uuid4().hex,
        "point": POINT,
        "collected_at": "2026-03-02T10:00:00+08:00",
        "signature": SIGNATURE,
        "phone": "",
        "hukou_address": "",
        "employment": "",
    }
    if person is not None:
        data.update(subject=person["id"], version=person["version"])
    data.update(fields)
    return data


def sync(client: Any, *entries: dict[str, Any]) -> Any:
    return client.post("/api/v1/collect/sync/", {"entries": list(entries)}, format="json")


def test_the_worklist_holds_only_what_collection_needs(api_as: Any, caseworker: Any, villager: Subject) -> None:
    response = worklist(api_as(caseworker))

    assert response.status_code == 200
    assert response.data["point"] == {"code": POINT, "name": "五山街道"}
    (person,) = response.data["people"]
    assert set(person) == {
        "id",
        "name",
        "id_number_masked",
        "township",
        "version",
        "phone",
        "hukou_address",
        "employment",
    }
    assert person["name"] == "赵大勇" and person["township"] == "五山街道"
    assert "*" in person["id_number_masked"]
    assert ids.decrypt(villager.id_number_encrypted) not in str(response.content)


def test_the_worklist_of_another_countys_township_is_not_found_and_a_supervisor_may_not_collect(
    api_as: Any, caseworker_b: Any, supervisor: Any, villager: Subject
) -> None:
    assert worklist(api_as(caseworker_b)).status_code == 404
    assert worklist(api_as(supervisor)).status_code == 403
    assert worklist(api_as(caseworker_b), point="4401").status_code == 404  # not a township


def test_synced_entries_arrive_as_import_rows_with_their_provenance(
    api_as: Any, caseworker: Any, villager: Subject, frozen: Any
) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]
    number = new_id("440106")
    frozen.tick(dt.timedelta(hours=2))

    response = sync(
        client,
        entry(person, phone="13900000002", hukou_address="五山路 1 号", employment="retired"),
        entry(name="钱新兵", id_number=number, category="retired_soldier", phone="13700000003"),
    )

    assert response.status_code == 200, response.data
    assert [r["result"] for r in response.data["results"]] == ["applied", "applied"]
    villager.refresh_from_db()
    assert (villager.phone, villager.employment) == ("13900000002", "retired")
    assert villager.confirmed_by == "赵大勇" and villager.confirmed_at == dt.date(2026, 3, 2)
    assert villager.confirmation_method == "on_site" and villager.collection_point_id == POINT
    provenance = villager.provenance["phone"]
    assert provenance["source"] == Provenance.OFFLINE_COLLECTION
    assert provenance["point"] == POINT and provenance["by"] == "caseworker"
    assert dt.datetime.fromisoformat(provenance["at"]) == dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    newcomer = Subject.objects.get(id_number_hmac=ids.blind_index(number))
    assert (newcomer.name, newcomer.division_id, newcomer.phone) == ("钱新兵", POINT, "13700000003")
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.status, batch.created_count, batch.updated_count) == ("county", "done", 1, 1)
    assert set(CollectedEntry.objects.values_list("status", "batch_id")) == {(CollectedStatus.APPLIED, batch.pk)}
    stored = CollectedEntry.objects.get(subject=newcomer)
    assert stored.id_number_masked == ids.mask(number) and number not in str(stored.values)
    assert stored.signature.read().startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(event_type="subject.collection_synced").count() == 1


def test_a_replayed_batch_applies_nothing_twice(api_as: Any, caseworker: Any, villager: Subject, frozen: Any) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]
    batch = [
        entry(person, phone="13900000002"),
        entry(name="孙复员", id_number=new_id("440106"), category="retired_soldier"),
    ]
    frozen.tick(dt.timedelta(minutes=5))
    assert sync(client, *batch).status_code == 200
    counts = (Subject.objects.count(), ImportBatch.objects.count(), CollectedEntry.objects.count())
    frozen.tick(dt.timedelta(minutes=5))

    replay = sync(client, *batch)

    assert replay.status_code == 200
    assert [r["result"] for r in replay.data["results"]] == ["duplicate", "duplicate"]
    assert replay.data["results"][0]["message"] == "此前已收到，未重复入库。"
    assert (Subject.objects.count(), ImportBatch.objects.count(), CollectedEntry.objects.count()) == counts
    one_more = sync(client, batch[0], entry(person, phone="13900000009"))  # an entry replayed beside a new one
    assert [r["result"] for r in one_more.data["results"]] == ["duplicate", "conflict"]  # the row changed since
    villager.refresh_from_db()
    assert villager.phone == "13900000002"


def test_a_missing_signature_is_refused_in_chinese_naming_the_entry_and_nothing_changes(
    api_as: Any, caseworker: Any, villager: Subject
) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]
    unsigned = entry(person, phone="13900000002", signature="")

    response = sync(client, entry(person, phone="13900000003"), unsigned)

    assert response.status_code == 400
    (message,) = response.data["entries"]
    assert "第2条" in message and unsigned["key"] in message and "签名" in message
    assert not CollectedEntry.objects.exists() and not ImportBatch.objects.exists()
    villager.refresh_from_db()
    assert villager.phone == "13900000001"


def test_a_conflict_is_kept_and_a_caseworker_keeps_the_collected_values(
    api_as: Any, caseworker: Any, make_user: Any, villager: Subject, frozen: Any
) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]
    frozen.tick(dt.timedelta(hours=1))
    do_update_subject(villager, changes={"phone": "13600000000"}, provenance="caseworker_entry", actor=None)
    frozen.tick(dt.timedelta(hours=1))

    response = sync(client, entry(person, phone="13900000002", hukou_address="五山路 2 号"))

    assert [r["result"] for r in response.data["results"]] == ["conflict"]
    villager.refresh_from_db()
    assert villager.phone == "13600000000"  # nothing applied yet
    (waiting,) = client.get("/api/v1/collect/conflicts/").data
    assert waiting["values"]["phone"] == "13900000002" and waiting["status"] == "conflict"

    resolver = api_as(make_user("caseworker2", "caseworker"))
    resolved = resolver.post(f"/api/v1/collect/conflicts/{waiting['id']}/resolve/", {"keep": "mine"}, format="json")

    assert resolved.status_code == 200 and resolved.data["status"] == CollectedStatus.KEPT_MINE
    villager.refresh_from_db()
    assert (villager.phone, villager.hukou_address) == ("13900000002", "五山路 2 号")
    assert villager.provenance["phone"]["source"] == Provenance.OFFLINE_COLLECTION
    event = AuditEvent.objects.get(event_type="subject.collection_resolved")
    assert event.data["keep"] == "mine"
    again = resolver.post(f"/api/v1/collect/conflicts/{waiting['id']}/resolve/", {"keep": "theirs"}, format="json")
    assert again.status_code == 409
    assert client.get("/api/v1/collect/conflicts/").data == []


def test_keeping_theirs_leaves_the_register_as_it_is(
    api_as: Any, caseworker: Any, villager: Subject, frozen: Any
) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]
    frozen.tick(dt.timedelta(hours=1))
    do_update_subject(villager, changes={"phone": "13600000000"}, provenance="caseworker_entry", actor=None)
    outcome = sync(client, entry(person, phone="13900000002")).data["results"][0]

    resolved = client.post(f"/api/v1/collect/conflicts/{outcome['entry']}/resolve/", {"keep": "theirs"}, format="json")

    assert resolved.data["status"] == CollectedStatus.KEPT_THEIRS
    villager.refresh_from_db()
    assert villager.phone == "13600000000"


def test_the_outsider_can_neither_sync_at_another_countys_point_nor_see_or_resolve_its_conflicts(
    api_as: Any, caseworker: Any, caseworker_b: Any, villager: Subject, frozen: Any
) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]
    frozen.tick(dt.timedelta(hours=1))
    do_update_subject(villager, changes={"phone": "13600000000"}, provenance="caseworker_entry", actor=None)
    outcome = sync(client, entry(person, phone="13900000002")).data["results"][0]
    outsider = api_as(caseworker_b)

    assert sync(outsider, entry(person, phone="1")).status_code == 404  # the point is county A's
    assert sync(outsider, entry(person, point=OTHER_POINT, phone="1")).status_code == 404  # the person is
    assert outsider.get("/api/v1/collect/conflicts/").data == []
    resolve = outsider.post(f"/api/v1/collect/conflicts/{outcome['entry']}/resolve/", {"keep": "mine"}, format="json")
    assert resolve.status_code == 404
    assert CollectedEntry.objects.get().status == CollectedStatus.CONFLICT


def test_a_supervisor_sees_the_county_but_may_not_resolve(
    api_as: Any, caseworker: Any, supervisor: Any, villager: Subject, frozen: Any
) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]
    frozen.tick(dt.timedelta(hours=1))
    do_update_subject(villager, changes={"phone": "13600000000"}, provenance="caseworker_entry", actor=None)
    outcome = sync(client, entry(person, phone="13900000002")).data["results"][0]

    response = api_as(supervisor).post(
        f"/api/v1/collect/conflicts/{outcome['entry']}/resolve/", {"keep": "mine"}, format="json"
    )

    assert response.status_code == 403
    assert (
        sync(api_as(supervisor), entry(name="周", id_number=new_id("440106"), category="retired_soldier")).status_code
        == 403
    )


def test_an_entry_the_import_refuses_is_rejected_with_its_reason(api_as: Any, caseworker: Any, frozen: Any) -> None:
    response = sync(api_as(caseworker), entry(name="吴1号", id_number=new_id("440106"), category="retired_soldier"))

    (outcome,) = response.data["results"]
    assert outcome["result"] == "rejected" and outcome["message"]
    assert CollectedEntry.objects.get().status == CollectedStatus.REJECTED
    assert not Subject.objects.filter(name="吴1号").exists()


def test_a_worklist_entry_without_its_version_is_refused_naming_the_field(
    api_as: Any, caseworker: Any, villager: Subject
) -> None:
    client = api_as(caseworker)
    (person,) = worklist(client).data["people"]

    response = sync(client, entry(person, phone="13900000002", version=None))

    assert response.status_code == 400
    (message,) = response.data["entries"]
    assert "第1条" in message and "名单版本" in message
    assert not CollectedEntry.objects.exists()
