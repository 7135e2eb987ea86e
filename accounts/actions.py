"""Writes to staff accounts. Each action: one transaction, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from audit.log import record
from core.errors import Conflict

from .models import ApiToken, EnrolmentCode, User


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


def token_lifetime(user: User) -> dt.timedelta:
    """How long a new token lives: shorter for users whose roles need two-factor."""
    hours = settings.LAUREL_API_TOKEN_HOURS_PRIVILEGED if user.needs_two_factor() else settings.LAUREL_API_TOKEN_HOURS
    return dt.timedelta(hours=hours)


@transaction.atomic
def do_issue_api_token(user: User, *, two_factor: bool, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for ``user`` (one per sign-in or named script); returns it and its secret (shown once).

    ``two_factor``: whether the caller verified a code for this issue; users whose roles need
    two-factor can use only tokens issued with one.
    """
    digest, secret = get_digest_token()  # knox's: only the digest is stored
    token = ApiToken.objects.create(
        digest=digest,
        token_key=secret[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=user,
        expiry=timezone.now() + token_lifetime(user),
        name=name,
        two_factor=two_factor,
    )
    record(
        event_type="auth.token_issued",
        actor=user,
        obj=user,
        data={"username": user.username, "token": str(token.ref), "name": name, "two_factor": two_factor},
    )
    return token, secret


class TokenEndReason(models.TextChoices):
    REVOKED = "revoked", gettext_lazy("revoked by its owner")
    ADMIN_REVOKED = "admin_revoked", gettext_lazy("revoked by an administrator")
    ROLE_CHANGED = "role_changed", gettext_lazy("role changed")
    PASSWORD_CHANGED = "password_changed", gettext_lazy("password changed")
    DEVICE_CHANGED = "device_changed", gettext_lazy("two-factor device changed")
    SIGNED_OUT = "signed_out", gettext_lazy("signed out")
    DEACTIVATED = "deactivated", gettext_lazy("account deactivated")


@transaction.atomic
def do_revoke_api_token(token: ApiToken, *, actor: User | None) -> None:
    """End one token at once."""
    owner = token.user
    deleted, _rows = ApiToken.objects.filter(pk=token.pk).delete()
    if deleted:
        reason = TokenEndReason.REVOKED if actor is not None and actor.pk == owner.pk else TokenEndReason.ADMIN_REVOKED
        record(
            event_type="auth.token_revoked",
            actor=actor,
            obj=owner,
            data={"username": owner.username, "tokens": [str(token.ref)], "reason": reason.value},
        )


@transaction.atomic
def do_end_api_tokens(user: Any, *, reason: str, actor: Any | None) -> int:
    """End all of ``user``'s tokens at once (a change of role, password or device, sign-out, ...)."""
    reason = TokenEndReason(reason)
    refs = [str(ref) for ref in ApiToken.objects.filter(user_id=user.pk).values_list("ref", flat=True)]
    if not refs:
        return 0
    ApiToken.objects.filter(user_id=user.pk).delete()
    record(
        event_type="auth.token_revoked",
        actor=actor,
        obj=user,
        data={"username": user.username, "tokens": refs, "reason": reason.value},
    )
    return len(refs)


def _hash_code(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


# No 0/O, 1/I/L: read over the telephone or copied from paper.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@transaction.atomic
def do_issue_enrolment_code(user: User, *, actor: User | None) -> tuple[EnrolmentCode, str]:
    """A one-time code with which ``user`` may enrol an authenticator (replaces unused ones); shown once.

    The caller checked that ``actor`` administers ``user``. Issuing ends the user's current
    device (and so their tokens), so a lost phone is replaced the same way as a first enrolment.
    """
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    TOTPDevice.objects.filter(user=user).delete()  # ends the user's tokens too (accounts.signals)
    plain = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    code = EnrolmentCode.objects.create(
        user=user,
        code_hash=_hash_code(plain),
        issued_by=actor,
        expires_at=now + dt.timedelta(hours=settings.LAUREL_ENROLMENT_CODE_HOURS),
    )
    record(
        event_type="auth.enrolment_code_issued",
        actor=actor,
        obj=user,
        data={"username": user.username, "code": code.pk, "expires_at": code.expires_at.isoformat()},
    )
    return code, "-".join(plain[i : i + 4] for i in range(0, 12, 4))


def find_enrolment_code(user: User, code: str) -> EnrolmentCode | None:
    """The user's unused, unexpired enrolment code matching ``code``, or None."""
    wanted = _hash_code(code)
    for candidate in EnrolmentCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now()):
        if hmac.compare_digest(candidate.code_hash, wanted):
            return candidate
    return None


@transaction.atomic
def do_confirm_totp_device(device: TOTPDevice, *, actor: User, enrolment_code: EnrolmentCode) -> None:
    """Confirm a device whose code the caller has just verified, with the enrolment code that allowed it."""
    code = EnrolmentCode.objects.select_for_update().get(pk=enrolment_code.pk)
    if code.used_at is not None or code.expires_at <= timezone.now() or code.user_id != actor.pk:
        raise Conflict(_("This enrolment code has been used or has expired. Ask for a new one."))
    code.used_at = timezone.now()
    code.save(update_fields=["used_at"])
    TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(
        event_type="auth.totp_enrolled",
        actor=actor,
        obj=actor,
        data={"username": actor.username, "enrolment_code": code.pk},
    )
