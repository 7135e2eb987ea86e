"""Statements per request on the main pages, with warm caches (issue 17): session and user included.

A list page costs its session, its user and its page query; what changes rarely (memberships,
the two-factor requirement, the SLA calendar) and the navigation counts come from the shared
cache. Each page is requested once first to warm the caches.
"""

from __future__ import annotations

from typing import Any

import pytest

LIST_BUDGET = 5


@pytest.fixture
def busy(file_case: Any, walk: Any) -> None:
    """A few cases, one of them in verification (open tasks in the queues)."""
    walk.intake(file_case())
    file_case()
    file_case()


def _warm_then_count(client: Any, url: str, django_assert_max_num_queries: Any) -> None:
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(LIST_BUDGET):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/cases/", "/cases/inbox/?scope=mine", "/cases/inbox/?scope=queue", "/api/v1/cases/", "/api/v1/tasks/"]
)
def test_a_caseworkers_list_asks_at_most_5_statements(
    client: Any, caseworker: Any, busy: None, url: str, django_assert_max_num_queries: Any
) -> None:
    client.force_login(caseworker)
    _warm_then_count(client, url, django_assert_max_num_queries)


@pytest.mark.parametrize("url", ["/cases/inbox/?scope=queue", "/api/v1/tasks/?scope=queue", "/cases/"])
def test_a_liaisons_lists_ask_at_most_5_statements(
    client: Any, liaison_ps: Any, busy: None, url: str, django_assert_max_num_queries: Any
) -> None:
    client.force_login(liaison_ps)
    _warm_then_count(client, url, django_assert_max_num_queries)


def test_the_case_list_through_a_token_asks_at_most_5_statements(
    api_as: Any, caseworker: Any, busy: None, django_assert_max_num_queries: Any
) -> None:
    client = api_as(caseworker)
    assert client.get("/api/v1/cases/").status_code == 200
    with django_assert_max_num_queries(LIST_BUDGET):
        assert client.get("/api/v1/cases/").status_code == 200


def test_the_case_list_costs_the_same_statements_for_50_rows_as_for_3(
    client: Any, caseworker: Any, file_case: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        file_case()
    client.force_login(caseworker)
    _warm_then_count(client, "/cases/", django_assert_max_num_queries)
    for _ in range(50):
        file_case()
    _warm_then_count(client, "/cases/", django_assert_max_num_queries)


def test_a_membership_ended_today_ends_access_with_the_next_request_despite_the_cache(
    client: Any, caseworker: Any, file_case: Any
) -> None:
    from jurisdictions.actions import do_end_membership

    case = file_case()
    client.force_login(caseworker)
    assert client.get(f"/cases/{case.pk}/").status_code == 200  # grants now cached
    do_end_membership(caseworker.memberships.get(), actor=None)
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_a_new_membership_opens_access_with_the_next_request_despite_the_cache(
    client: Any, caseworker_b: Any, file_case: Any
) -> None:
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division
    from tests.conftest import COUNTY_A

    case = file_case()
    client.force_login(caseworker_b)
    assert client.get(f"/cases/{case.pk}/").status_code == 404  # grants now cached
    do_grant_membership(caseworker_b, division=Division.objects.get(code=COUNTY_A), role="caseworker", actor=None)
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_a_membership_that_starts_tomorrow_opens_access_tomorrow_despite_the_cache(
    client: Any, caseworker_b: Any, file_case: Any
) -> None:
    import datetime

    from django.utils import timezone
    from freezegun import freeze_time

    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division
    from tests.conftest import COUNTY_A

    case = file_case()
    today = timezone.localdate()
    do_grant_membership(
        caseworker_b,
        division=Division.objects.get(code=COUNTY_A),
        role="caseworker",
        starts_on=today + datetime.timedelta(days=1),
        actor=None,
    )
    client.force_login(caseworker_b)
    assert client.get(f"/cases/{case.pk}/").status_code == 404  # cached for today
    with freeze_time(timezone.now() + datetime.timedelta(days=1)):
        client.force_login(caseworker_b)
        assert client.get(f"/cases/{case.pk}/").status_code == 200
