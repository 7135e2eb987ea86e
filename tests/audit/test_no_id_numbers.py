"""Across apps: the register's own actions leave no full ID number anywhere in the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from accounts.models import User
from audit.masking import contains_id_number
from audit.models import AuditEvent
from subjects import ids
from subjects.actions import do_register_subject, do_reveal_id_number, do_update_subject
from subjects.models import Category
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


def test_registering_correcting_and_revealing_an_id_number_leave_it_nowhere_in_the_trail(caseworker: User) -> None:
    first = ids.build(COUNTY_A, dt.date(1958, 3, 9), 13)
    corrected = ids.build(COUNTY_A, dt.date(1958, 3, 9), 15)
    subject = do_register_subject(
        division=COUNTY_A, id_number=first, name="王建国", actor=caseworker, category=Category.RETIRED_SOLDIER
    )
    subject = do_update_subject(
        subject, changes={"id_number": corrected}, provenance="caseworker_entry", actor=caseworker
    )
    assert do_reveal_id_number(subject, actor=caseworker, reason="核对身份") == corrected
    events = list(AuditEvent.objects.filter(object_type="subjects.subject", object_id=str(subject.pk)))
    assert {"subject.registered", "subject.updated", "subject.id_revealed"} <= {e.event_type for e in events}
    for event in AuditEvent.objects.all():
        stored = json.dumps([event.object_id, event.actor_username, event.data], ensure_ascii=False)
        assert first not in stored and corrected not in stored
        assert not contains_id_number(stored)
