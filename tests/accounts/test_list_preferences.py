"""Remembered list filters: kept per user and list, empty values dropped, only the user sets their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.actions import do_remember_list, remembered_list
from accounts.models import ListPreference, User
from core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_filters_are_kept_per_user_and_list(make_user: Callable[..., User]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    assert do_remember_list(alice, "cases", {"status": "submitted", "kind": ""}, actor=alice) is True
    assert remembered_list(alice, "cases") == {"status": "submitted"}
    assert remembered_list(alice, "subjects") == {} and remembered_list(bob, "cases") == {}
    assert do_remember_list(alice, "cases", {"status": "submitted"}, actor=alice) is False  # unchanged: no write


def test_clearing_removes_the_row(make_user: Callable[..., User]) -> None:
    alice = make_user("alice")
    do_remember_list(alice, "cases", {"sort": "due"}, actor=alice)
    assert do_remember_list(alice, "cases", {}, actor=alice) is True
    assert not ListPreference.objects.exists()


def test_nobody_sets_another_users_filters(make_user: Callable[..., User]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with pytest.raises(NotFound):
        do_remember_list(alice, "cases", {"sort": "due"}, actor=bob)
    assert remembered_list(alice, "cases") == {}


def test_an_anonymous_visitor_has_none(rf: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert remembered_list(AnonymousUser(), "cases") == {}
