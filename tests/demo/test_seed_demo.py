"""The demo seed: every documented login works, and running it twice duplicates nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_USERS
from jurisdictions import scope
from jurisdictions.models import Membership

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, verbosity=0)
    return out.getvalue()


def test_every_demo_login_works_with_the_demo_password(settings: Any) -> None:
    seed()
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
    for username, *_ in DEMO_USERS:
        assert authenticate(request, username=username, password=settings.LAUREL_DEMO_PASSWORD) is not None, username


def test_seeding_twice_duplicates_nothing() -> None:
    seed()
    users, memberships = User.objects.count(), Membership.objects.count()
    seed()
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    assert memberships == len(DEMO_USERS)


def test_the_demo_prints_every_login() -> None:
    output = seed()
    for username, *_ in DEMO_USERS:
        assert username in output


def test_the_demo_geography_is_one_city_two_counties() -> None:
    seed()
    supervisor = User.objects.get(username="supervisor")
    caseworker_b = User.objects.get(username="caseworker_b")
    assert scope.can_see(supervisor, "440106") and scope.can_see(supervisor, "440104")
    assert not scope.can_see(caseworker_b, "440106")


def test_the_demo_has_a_system_administrator_apart_from_the_security_administrator() -> None:
    seed()
    sysadmin, admin = User.objects.get(username="sysadmin"), User.objects.get(username="admin")
    assert scope.has_perm_at(sysadmin, "manage_staff", "440106")
    assert not scope.has_perm_at(sysadmin, "grant_roles", "440106")
    assert scope.has_perm_at(admin, "grant_roles", "440106")
    assert not scope.has_perm_at(admin, "manage_staff", "440106")
    # Every demo login appears on the staff page of its county's administrators.
    from jurisdictions.queries import staff_for

    listed = {u.username for u in staff_for(sysadmin)}
    assert {"caseworker", "approver", "admin", "sysadmin"} <= listed and "caseworker_b" not in listed


def test_no_demo_login_is_a_django_superuser_so_none_bypasses_the_three_administrators() -> None:
    from django.contrib import admin as admin_site

    seed()
    User.objects.filter(username="admin").update(is_superuser=True, is_staff=True)  # as an older demo made it
    seed()
    assert not User.objects.filter(is_superuser=True).exists() and not User.objects.filter(is_staff=True).exists()
    admin = User.objects.get(username="admin")
    assert scope.has_perm_at(admin, "grant_roles", "440106") and not scope.has_perm_at(admin, "manage_staff", "440106")
    request = RequestFactory().get("/admin/")
    request.user = admin
    assert not admin_site.site.has_permission(request)  # the Django admin site stays shut to every demo login
