"""Writes to staff accounts. Each action: one transaction, audited."""

from __future__ import annotations

from django.db import transaction

from audit.log import record

from .models import User


@transaction.atomic
def do_create_staff_user(
    username: str,
    *,
    password: str,
    full_name: str = "",
    language: str = "zh-hans",
    is_demo: bool = False,
    is_superuser: bool = False,
    actor: User | None,
) -> User:
    """Create a staff account. Roles and jurisdictions are granted separately (memberships)."""
    user = User(
        username=username,
        first_name=full_name,
        language=language,
        is_demo=is_demo,
        is_staff=is_superuser,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.save()
    record(
        event_type="user.created",
        actor=actor,
        obj=user,
        data={"username": username, "superuser": is_superuser, "demo": is_demo},
    )
    return user


@transaction.atomic
def do_set_password(user: User, *, password: str, actor: User | None) -> None:
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.set_password(password)
    locked.save(update_fields=["password"])
    user.password = locked.password
    record(event_type="user.password_set", actor=actor, obj=locked, data={"username": locked.username})
