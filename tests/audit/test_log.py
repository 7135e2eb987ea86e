"""``audit.log.record``: what an event holds, its chain, masking, and the transaction contract."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.db import transaction

from accounts.models import User
from audit.log import common_division, record
from audit.masking import contains_id_number
from audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent, ChainHead
from jurisdictions.models import Division, Membership
from tests.conftest import CITY, COUNTY_A, COUNTY_B

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_record_fills_type_id_and_division_from_a_located_object(caseworker: User) -> None:
    membership = Membership.objects.get(user=caseworker)
    event = record(event_type="membership.checked", actor=caseworker, obj=membership)
    assert (event.object_type, event.object_id) == ("jurisdictions.membership", str(membership.pk))
    assert event.division_code == COUNTY_A
    assert (event.province_code, event.city_code, event.county_code) == ("44", "4401", "440106")
    assert event.actor_username == "caseworker"


def test_events_of_one_province_form_one_chain_in_order(caseworker: User) -> None:
    first = record(event_type="test.one", actor=caseworker, division_code=COUNTY_A)
    second = record(event_type="test.two", actor=caseworker, division_code=COUNTY_B)
    assert first.chain == second.chain == "44"
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert ChainHead.objects.get(chain="44").hash == second.hash


def test_events_without_a_division_join_the_nation_chain() -> None:
    event = record(event_type="test.national", actor=None)
    assert event.chain == "CN"
    assert (event.province_code, event.city_code, event.county_code) == ("", "", "")


def test_each_province_starts_its_own_chain_from_the_genesis_hash() -> None:
    event = record(event_type="test.beijing", actor=None, division_code="110101")
    assert (event.chain, event.seq, event.prev_hash) == ("11", 1, GENESIS_HASH)


def test_a_rolled_back_action_leaves_no_event_and_no_head_move(caseworker: User) -> None:
    head_before = ChainHead.objects.filter(chain="44").values_list("seq", "hash").first()
    count_before = AuditEvent.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        record(event_type="test.doomed", actor=caseworker, division_code=COUNTY_A)
        raise Boom
    assert AuditEvent.objects.count() == count_before
    assert not AuditEvent.objects.filter(event_type="test.doomed").exists()
    assert ChainHead.objects.filter(chain="44").values_list("seq", "hash").first() == head_before


def test_a_failure_to_record_fails_the_action(caseworker: User) -> None:
    with pytest.raises(ValueError), transaction.atomic():
        Division.objects.filter(code=COUNTY_A).update(name="changed without audit")
        # NaN is not valid JSON: the audit write fails, so the whole action must roll back.
        record(event_type="test.bad", actor=caseworker, division_code=COUNTY_A, data={"x": float("nan")})
    assert Division.objects.get(code=COUNTY_A).name != "changed without audit"


def test_full_id_numbers_are_masked_anywhere_in_data_and_object_id(caseworker: User) -> None:
    event = record(
        event_type="subject.updated",
        actor=caseworker,
        object_type="subjects.subject",
        object_id="11010519491231002X",
        division_code=COUNTY_A,
        data={
            "field": "id_number",
            "old": "11010519491231002X",
            "new": ["note: 440106199001011234 was typed", {"old_form": "110105491231002"}],
        },
    )
    event.refresh_from_db()
    assert event.object_id == "110105********002X"
    assert event.data["old"] == "110105********002X"
    assert event.data["new"][0] == "note: 440106********1234 was typed"
    assert event.data["new"][1]["old_form"] == "110105*****1002"
    assert not contains_id_number(json.dumps(event.data))


def test_hex_hashes_and_ordinary_numbers_are_not_mistaken_for_id_numbers() -> None:
    event = record(event_type="test.numbers", actor=None, data={"phone": "13800138000", "ref": "ab110105194912310021"})
    assert event.data == {"phone": "13800138000", "ref": "ab110105194912310021"}


def test_no_stored_event_contains_a_full_id_number(caseworker: User) -> None:
    record(
        event_type="subject.id_revealed", actor=caseworker, division_code=COUNTY_A, data={"id": "11010519491231002X"}
    )
    for event in AuditEvent.objects.all():
        assert not contains_id_number([event.object_id, event.data, event.actor_username])


def test_the_actors_role_comes_from_memberships_over_the_division(supervisor: User) -> None:
    event = record(event_type="case.assigned", actor=supervisor, division_code=COUNTY_A)
    assert event.actor_role == "supervisor"
    assert record(event_type="test.x", actor=supervisor, division_code="110101").actor_role == ""
    assert record(event_type="test.y", actor=supervisor, division_code=COUNTY_A, actor_role="approver").actor_role == (
        "approver"
    )


def test_reason_and_evidence_are_stored_in_data(caseworker: User) -> None:
    event = record(
        event_type="case.transition",
        actor=caseworker,
        object_type="cases.case",
        object_id="7",
        division_code=COUNTY_A,
        data={"from": "submitted", "to": "verification", "task": "verify"},
        reason="documents complete",
        evidence=["doc:1", "doc:2"],
    )
    assert event.data == {
        "from": "submitted",
        "to": "verification",
        "task": "verify",
        "reason": "documents complete",
        "evidence": ["doc:1", "doc:2"],
    }


def test_dates_in_data_are_stored_as_iso_strings_and_hash_reproducibly(caseworker: User) -> None:
    import datetime

    from audit.chain import HASHED_FIELDS, event_hash

    event = record(event_type="test.dates", actor=caseworker, data={"due": datetime.date(2026, 12, 1)})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"due": "2026-12-01"}
    assert event_hash({name: getattr(stored, name) for name in HASHED_FIELDS}) == stored.hash


def test_events_cannot_be_changed_or_deleted_through_the_orm(caseworker: User) -> None:
    event = record(event_type="test.fixed", actor=caseworker)
    event.event_type = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(event_type="test.rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).event_type == "test.fixed"


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], ""),
        (["440106"], "440106"),
        (["440106", "440104"], "4401"),
        (["440106", "4402"], "44"),
        (["440106", "110101"], ""),
        (["440106", "CN"], ""),
        (["440106005", "440106"], "440106"),
    ],
)
def test_common_division_is_the_deepest_division_covering_all_codes(codes: list[str], expected: str) -> None:
    assert common_division(codes) == expected


def test_membership_grants_are_audited_in_the_granted_division(make_user: Callable[..., User]) -> None:
    make_user("someone", "caseworker", CITY)
    event = AuditEvent.objects.filter(event_type="membership.granted").latest("id")
    assert event.division_code == CITY
    assert event.data["user"] == "someone"
