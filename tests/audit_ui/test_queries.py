"""``audit_ui.queries``: what an auditor's search finds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import User
from audit.log import record
from audit_ui import queries
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


def test_a_username_that_is_an_id_number_is_masked_and_still_searchable(make_user: Callable[..., User]) -> None:
    user = make_user("11010519491231002X", "auditor", COUNTY_A)
    event = record(event_type="test.by_id_user", actor=user, division_code=COUNTY_A)
    assert event.actor_username == "110105********002X"
    found = queries.search(user, {"actor": "11010519491231002X"})
    assert event in found
