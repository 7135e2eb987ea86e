"""Writes to staff accounts. Each action: one transaction, audited."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

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


@transaction.atomic
def do_start_totp_enrolment(user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator device, created on first need."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
        record(event_type="auth.totp_enrolment_started", actor=user, obj=user, data={"username": user.username})
    return device


@transaction.atomic
def do_confirm_totp_device(device: TOTPDevice, *, actor: User) -> None:
    """Confirm a device whose code the caller has just verified: two-factor is now set up."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(event_type="auth.totp_enrolled", actor=actor, obj=actor, data={"username": actor.username})


@transaction.atomic
def do_issue_api_token(user: User) -> Token:
    """The user's API token (issued once, then returned again); every issue is recorded like a sign-in."""
    token, created = Token.objects.get_or_create(user=user)
    record(event_type="auth.token_issued", actor=user, obj=user, data={"username": user.username, "new": created})
    return token
