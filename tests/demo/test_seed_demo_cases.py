"""``seed_demo_cases``: cases in every resting state, and running it twice adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cases.models import Case

pytestmark = pytest.mark.django_db


def test_seed_demo_cases_covers_every_state_once(
    caseworker, liaison_ps, liaison_ca, approver, caseworker_b, make_subject
):
    for _ in range(12):
        make_subject("440106")
    make_subject("440104")
    call_command("seed_demo_cases", verbosity=0)
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"submitted", "verifying", "pending_approval", "returned", "closed", "withdrawn"}
    count = Case.objects.count()
    call_command("seed_demo_cases", verbosity=0)
    assert Case.objects.count() == count
