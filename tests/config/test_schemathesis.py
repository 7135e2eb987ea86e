"""The API keeps to its schema under fuzzing (schemathesis against the live ``/api/schema/``).

Every operation, as a caseworker and as an approver of county A (with cases, tasks and people
on file in counties A and B), with a bounded number of generated requests per operation: no
server errors, no response outside its declared schema, no undocumented status code.
PostgreSQL only (slow; and NUL characters and integer ranges matter there).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.actions import do_issue_api_token
from config.wsgi import application
from tests.conftest import COUNTY_A, COUNTY_B

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="slow fuzzing: runs on PostgreSQL only"),
]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("LAUREL_FUZZ_EXAMPLES", "10"))  # per operation and role
BUDGET_SECONDS = 240  # per role, on two cores


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Like Django's test client: requests must not close the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def files(make_user: Callable[..., Any]) -> None:
    """People, benefits and cases in both counties, so that ids and lookups hit something."""
    from cases import actions
    from cases.models import Kind
    from subjects.actions import do_add_benefit, do_register_subject
    from subjects.models import Category
    from tests.cases.conftest import new_id

    clerk_b = make_user("clerk_b", "caseworker", COUNTY_B)
    for county, clerk in ((COUNTY_A, None), (COUNTY_B, clerk_b)):
        person = do_register_subject(
            division=county, id_number=new_id(county), name="张三", category=Category.RETIRED_SOLDIER, actor=None
        )
        do_add_benefit(
            person,
            benefit_type="dibao",
            amount="500",
            start=dt.date(2020, 1, 1),
            actor=None,
            provenance="caseworker_entry",
        )
        if clerk is not None:
            actions.do_file_case(person, kind=Kind.GRIEVANCE, title="反映问题", actor=clerk)


def fuzz(user: Any) -> list[str]:
    _, secret = do_issue_api_token(user, two_factor=True)
    headers = {"Authorization": f"Token {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"invalid schema: {result.err()}")
            continue
        operation = result.ok()
        if time.monotonic() - started > BUDGET_SECONDS:
            failures.append(f"time budget exceeded before {operation.label}")
            break

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; failures reported together
            parts = [str(exc)] + [str(e) for e in getattr(exc, "exceptions", ())]
            failures.append(f"{operation.label}: " + "\n".join(parts)[:2000])
    return failures


def test_the_api_keeps_to_its_schema_for_a_caseworker(caseworker: Any, files: None) -> None:
    failures = fuzz(caseworker)
    assert not failures, "\n\n".join(failures)


def test_the_api_keeps_to_its_schema_for_an_approver(make_user: Callable[..., Any], files: None) -> None:
    failures = fuzz(make_user("approver", "approver", COUNTY_A))
    assert not failures, "\n\n".join(failures)
