"""``create_staff`` and ``grant_membership``: scripted set-up through the same actions and rules."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from audit.models import AuditEvent
from jurisdictions import scope
from jurisdictions.models import Membership, StaffProfile
from tests.conftest import COUNTY_A

from .conftest import STAFF_ID

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_staff_prints_the_one_time_link_and_grant_membership_gives_the_role(settings: Any) -> None:
    settings.LAUREL_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    output = run("create_staff", "zhang", "--name", "张三", "--division", "440106", "--staff-id", STAFF_ID)
    assert "http://127.0.0.1:8000/accounts/welcome/" in output and STAFF_ID not in output
    user = User.objects.get(username="zhang")
    assert StaffProfile.objects.get(user=user).division_id == COUNTY_A
    output = run("grant_membership", "zhang", "--division", "440106", "--role", "caseworker")
    assert "caseworker" in output
    assert scope.has_perm_at(user, "handle_cases", COUNTY_A)
    granted = AuditEvent.objects.get(event_type="membership.granted", data__user="zhang")
    assert granted.actor_id is None  # the system


def test_the_commands_refuse_bad_input_with_the_field() -> None:
    with pytest.raises(CommandError, match="staff_id_number"):
        run("create_staff", "zhang", "--name", "张三", "--division", "440106", "--staff-id", "123")
    with pytest.raises(CommandError, match="unknown division"):
        run("create_staff", "zhang", "--name", "张三", "--division", "999999")
    assert not User.objects.filter(username="zhang").exists()
    run("create_staff", "li", "--name", "李四", "--division", "440106")
    run("grant_membership", "li", "--division", "440106", "--role", "admin")
    with pytest.raises(CommandError, match="role"):
        run("grant_membership", "li", "--division", "4401", "--role", "auditor")
    with pytest.raises(CommandError, match="department"):
        run("grant_membership", "li", "--division", "440106", "--role", "liaison")
    with pytest.raises(CommandError, match="no account"):
        run("grant_membership", "nobody", "--division", "440106", "--role", "caseworker")
    assert Membership.objects.filter(user__username="li").count() == 1


def test_grant_membership_takes_dates() -> None:
    run("create_staff", "wang", "--name", "王五", "--division", "440106")
    run(
        "grant_membership", "wang", "--division", "440106", "--role", "caseworker",
        "--starts-on", "2000-01-01", "--ends-on", "2001-01-01",
    )  # fmt: skip
    user = User.objects.get(username="wang")
    assert not scope.can_see(user, COUNTY_A)
    assert Membership.objects.get(user=user).ends_on == dt.date(2001, 1, 1)


def test_create_staff_links_to_the_configured_site_for_the_text_message(settings: Any) -> None:
    settings.LAUREL_PUBLIC_BASE_URL = "https://laurel.example.gov.cn/"
    output = run("create_staff", "zhang", "--name", "张三", "--division", "440106", "--phone", "13800138000")
    assert "https://laurel.example.gov.cn/accounts/welcome/" in output and "texted" in output
