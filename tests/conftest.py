"""Shared fixtures: the division tree, demo-like users and API clients."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.actions import do_create_staff_user
from accounts.models import User
from jurisdictions.actions import do_grant_membership
from jurisdictions.models import Division

# The demo's real geography: 广东省 › 广州市 › 天河区 (A) / 越秀区 (B); 北京市 for "another province".
COUNTY_A, COUNTY_B, CITY, PROVINCE, OTHER_PROVINCE = "440106", "440104", "4401", "44", "11"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 is deliberately slow; tests that are not about hashing do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load the real division tree once per test database."""
    with django_db_blocker.unblock():
        call_command("load_divisions", verbosity=0)


@pytest.fixture(autouse=True, scope="session")
def _verify_kept_statements() -> Any:
    """A list statement kept per shape (core.planned.kept_rows) is compiled again on each run in
    the tests and must be the same: a shape that misses something its list depends on fails here."""
    from core import planned

    planned.VERIFY_KEPT = True
    yield
    planned.VERIFY_KEPT = False


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Every test starts in the default language: Django's LocaleMiddleware leaves the last request's
    language active in the thread, so an English request would otherwise make the next test's
    set-up (demo data, letters) write English text."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_shared_cache() -> None:
    """Every test starts with an empty shared cache (core.cache): primary keys repeat between tests."""
    from django.core.cache import cache

    cache.clear()


# Memberships of the fixtures start long ago, so that tests that travel in time (freezegun) find them in force.
MEMBERSHIPS_SINCE = datetime.date(2000, 1, 1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(username: str, role: str | None = None, division: str = COUNTY_A, department: str = "", **kw: Any) -> User:
        user = do_create_staff_user(username, password="correct-horse-battery", actor=None, **kw)
        if role:
            do_grant_membership(
                user,
                division=Division.objects.get(code=division),
                role=role,
                department=department,
                starts_on=MEMBERSHIPS_SINCE,
                actor=None,
            )
        return user

    return make


@pytest.fixture
def caseworker(make_user: Callable[..., User]) -> User:
    return make_user("caseworker", "caseworker", COUNTY_A)


@pytest.fixture
def caseworker_b(make_user: Callable[..., User]) -> User:
    return make_user("caseworker_b", "caseworker", COUNTY_B)


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user("supervisor", "supervisor", CITY)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as() -> Callable[[User], APIClient]:
    """An API client authenticated by token for ``user`` (the token path, not the session).

    The token is issued as after a sign-in with a valid two-factor code.
    """
    from accounts.actions import do_issue_api_token

    def client_for(user: User) -> APIClient:
        client = APIClient()
        _, secret = do_issue_api_token(user, two_factor=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return client_for
