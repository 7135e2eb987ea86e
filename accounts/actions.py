"""Writes to staff accounts. Each action: one transaction, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from audit.log import record
from core.errors import Conflict, NotFound
from core.national_id import blind_index, checked

from . import couriers
from .homes import home_division
from .models import (
    Actor,
    ApiToken,
    DeclaredRelative,
    EnrolmentCode,
    InitialPasswordLink,
    ListPreference,
    User,
    staff_or_none,
)

INITIAL_LINK_LIFETIME = dt.timedelta(days=3)


def staff_id_index(raw: str) -> str:
    """The blind index of a staff member's national ID number (400 on the ``staff_id_number`` field if invalid)."""
    try:
        number, _birth = checked(raw, today=timezone.localdate())
    except ValidationError as exc:
        raise ValidationError({"staff_id_number": exc.messages}) from None
    return blind_index(number)


_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")


def clean_phone(raw: str) -> str:
    """A mainland mobile number as 11 digits ("" for none); 400 on the ``phone`` field otherwise."""
    phone = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw or ""))
    if not phone:
        return ""
    match = _MOBILE.match(phone)
    if match is None:
        raise ValidationError({"phone": _("Enter an 11-digit mobile number, such as 13800138000.")})
    return match.group(1)


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Enter a username.")})
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    return username


@transaction.atomic
def do_create_staff_user(
    username: str,
    *,
    password: str | None,
    full_name: str = "",
    phone: str = "",
    staff_id_number: str = "",
    language: str = "zh-hans",
    is_demo: bool = False,
    is_superuser: bool = False,
    division_code: str = "",
    actor: Actor,
) -> User:
    """Create a staff account. Roles and jurisdictions are granted separately (memberships).

    With ``password=None`` the account has no usable password yet: the person signs in once
    through an initial link (:func:`do_issue_initial_link`) and must choose one. The staff ID
    number is kept only as its blind index (for the recusal rule). Invalid input raises
    ``ValidationError`` on the field, and nothing is saved.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    checks = {
        "username": lambda: _clean_username(username),
        "phone": lambda: clean_phone(phone),
        "staff_id_number": lambda: staff_id_index(staff_id_number) if staff_id_number.strip() else "",
    }
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    username = cleaned["username"]
    user = User(
        username=username,
        first_name=full_name.strip(),
        phone=cleaned["phone"],
        language=language,
        is_demo=is_demo,
        is_staff=is_superuser,
        is_superuser=is_superuser,
        id_number_hmac=cleaned["staff_id_number"],
    )
    if password is None:
        user.set_unusable_password()
        user.must_change_password = True
    else:
        user.set_password(password)
    user.save()
    record(
        event_type="user.created",
        actor=actor,
        obj=user,
        division_code=division_code,
        data={
            "username": username,
            "superuser": is_superuser,
            "demo": is_demo,
            "staff_id_recorded": bool(user.id_number_hmac),
            "phone_recorded": bool(user.phone),
        },
    )
    return user


def _lock(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _record_account_event(user: User, *, event_type: str, actor: Actor, **data: Any) -> None:
    """An account event, recorded under the account's home division with its username."""
    record(
        event_type=event_type,
        actor=actor,
        obj=user,
        division_code=home_division(user),
        data={"username": user.username, **data},
    )


@transaction.atomic
def do_update_staff_user(
    user: User,
    *,
    actor: Actor,
    full_name: str | None = None,
    phone: str | None = None,
    staff_id_number: str | None = None,
) -> User:
    """Change an account's name, phone or staff ID number (``None``: unchanged); audited with what changed."""
    locked = _lock(user)
    changed: list[str] = []
    if full_name is not None and full_name.strip() != locked.first_name:
        locked.first_name = full_name.strip()
        changed.append("full_name")
    if phone is not None and clean_phone(phone) != locked.phone:
        locked.phone = clean_phone(phone)
        changed.append("phone")
    if staff_id_number is not None and staff_id_number.strip():
        index = staff_id_index(staff_id_number)
        if index != locked.id_number_hmac:
            locked.id_number_hmac = index
            changed.append("staff_id_number")
    if changed:
        locked.save(update_fields=["first_name", "phone", "id_number_hmac"])
        record(
            event_type="user.updated",
            actor=actor,
            obj=locked,
            division_code=home_division(locked),
            data={"username": locked.username, "changed": changed},
        )
    return locked


@transaction.atomic
def do_deactivate_user(user: User, *, actor: Actor) -> User:
    """Switch an account off (never deleted: its history stays); its sessions and links stop working."""
    locked = _lock(user)
    if not locked.is_active:
        return locked
    # Its API tokens end at once (recorded with the administrator as actor; the accounts.signals
    # receiver would otherwise end them on save, without one).
    do_end_api_tokens(locked, reason=TokenEndReason.DEACTIVATED, actor=actor)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    InitialPasswordLink.objects.filter(user=locked, used_at__isnull=True).update(expires_at=timezone.now())
    _record_account_event(locked, event_type="user.deactivated", actor=actor)
    return locked


@transaction.atomic
def do_reactivate_user(user: User, *, actor: Actor) -> User:
    locked = _lock(user)
    if locked.is_active:
        return locked
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    _record_account_event(locked, event_type="user.reactivated", actor=actor)
    return locked


@transaction.atomic
def do_drop_superuser(user: User, *, actor: Actor) -> User:
    """Take Django's superuser and admin-site flags from an account (they bypass every role check)."""
    locked = _lock(user)
    if not (locked.is_superuser or locked.is_staff):
        return locked
    locked.is_superuser = locked.is_staff = False
    locked.save(update_fields=["is_superuser", "is_staff"])
    _record_account_event(locked, event_type="user.superuser_dropped", actor=actor)
    return locked


def is_locked_out(user: User) -> bool:
    """Whether django-axes currently refuses this username's sign-ins (from some address)."""
    from axes.models import AccessAttempt
    from django.conf import settings

    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=user.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=cutoff
    ).exists()


@transaction.atomic
def do_unlock_user(user: User, *, actor: Actor) -> int:
    """Lift a sign-in lockout (django-axes) of the account; returns the number of lockout records cleared."""
    from axes.utils import reset

    locked = _lock(user)
    cleared = int(reset(username=locked.username) or 0)
    _record_account_event(locked, event_type="user.unlocked", actor=actor, cleared=cleared)
    return cleared


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def do_issue_initial_link(user: User, *, actor: Actor, link_for: couriers.LinkBuilder) -> tuple[str, bool]:
    """A new one-time sign-in link for ``user``: ``(url, texted)``.

    Earlier unused links of the account stop working; the password becomes unusable and must be
    chosen at first sign-in. ``link_for(token)`` makes the absolute URL (the entry point knows the
    host). The URL is returned once to show to the administrator, and handed to the registered
    couriers (``notifications`` texts it when a phone is on file, sealed in its outbox row only
    until sent: ``notifications.sealing``); it is never stored in clear or audited.
    """
    locked = _lock(user)
    if not locked.is_active:
        raise Conflict(_("This account is deactivated; reactivate it first."))
    now = timezone.now()
    InitialPasswordLink.objects.filter(user=locked, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    InitialPasswordLink.objects.create(
        user=locked,
        token_hash=_token_hash(token),
        expires_at=now + INITIAL_LINK_LIFETIME,
        issued_by=staff_or_none(actor),
    )
    locked.set_unusable_password()
    locked.must_change_password = True
    locked.save(update_fields=["password", "must_change_password"])
    url = link_for(token)
    texted = couriers.deliver_initial_link(locked, url)
    _record_account_event(
        locked,
        event_type="user.initial_link_issued",
        actor=actor,
        texted=texted,
        expires_at=(now + INITIAL_LINK_LIFETIME).isoformat(),
    )
    return url, texted


def initial_link_user(token: str) -> User:
    """The account a valid, unused, unexpired link belongs to; 404 otherwise (all failures look alike)."""
    link = (
        InitialPasswordLink.objects.select_related("user")
        .filter(token_hash=_token_hash(token or ""), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None or not link.user.is_active:
        raise NotFound(_("This link is not valid: it was used already, has expired or was replaced by a newer one."))
    return link.user


@transaction.atomic
def do_use_initial_link(token: str, *, password: str) -> User:
    """Spend the link: the person's own password is set (validated), and the link never works again."""
    user = initial_link_user(token)
    link = InitialPasswordLink.objects.select_for_update().get(token_hash=_token_hash(token))
    if link.used_at is not None:
        raise NotFound(_("This link is not valid: it was used already, has expired or was replaced by a newer one."))
    locked = _lock(user)
    try:
        validate_password(password, locked)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from None
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    locked.set_password(password)
    locked.must_change_password = False
    locked.save(update_fields=["password", "must_change_password"])
    _record_account_event(locked, event_type="user.initial_link_used", actor=locked)
    return locked


@transaction.atomic
def do_change_own_password(user: Any, *, password: str) -> User:
    """The signed-in person chooses a new password (validated); a required change is then done."""
    locked = _lock(user)
    try:
        validate_password(password, locked)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from None
    locked.set_password(password)
    locked.must_change_password = False
    locked.save(update_fields=["password", "must_change_password"])
    user.password, user.must_change_password = locked.password, False
    _record_account_event(locked, event_type="user.password_changed", actor=locked)
    return locked


@transaction.atomic
def do_set_password(user: User, *, password: str, actor: User | None) -> None:
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.set_password(password)
    locked.save(update_fields=["password"])
    user.password = locked.password
    _record_account_event(locked, event_type="user.password_set", actor=actor)


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
def do_end_api_tokens(user: Any, *, reason: str, actor: Actor) -> int:
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


@transaction.atomic
def do_declare_relative(user: User, *, id_number: str, relation: str, actor: Actor) -> DeclaredRelative:
    """Record a close relative of ``user`` (kept as a blind index) for the recusal rule; 400 on bad input."""
    errors: dict[str, list[str]] = {}
    relation = (relation or "").strip()
    if not relation:
        errors["relation"] = [_("Say how the person is related (for example: spouse, father).")]
    index = ""
    try:
        index = staff_id_index(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.message_dict["staff_id_number"]
    if errors:
        raise ValidationError(errors)
    locked = _lock(user)
    if index == locked.id_number_hmac or DeclaredRelative.objects.filter(user=locked, id_number_hmac=index).exists():
        raise ValidationError({"id_number": _("This ID number is already recorded for this account.")})
    relative = DeclaredRelative.objects.create(
        user=locked, id_number_hmac=index, relation=relation, recorded_by=staff_or_none(actor)
    )
    _record_account_event(locked, event_type="user.relative_declared", actor=actor, relation=relation)
    return relative


@transaction.atomic
def do_remove_relative(relative: DeclaredRelative, *, actor: Actor) -> None:
    user, relation = relative.user, relative.relation
    relative.delete()
    _record_account_event(user, event_type="user.relative_removed", actor=actor, relation=relation)


# --- remembered list filters ------------------------------------------------------------------

LIST_PREFERENCES_CACHE = "list-preferences"  # the shared cache's namespace (core.cache): one stamp per user


def remembered_list(user: Any, list_name: str) -> dict[str, str]:
    """The filters ``user`` last chose on ``list_name`` (empty when none)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    from core import cache as shared_cache

    def read() -> dict[str, str]:
        row = ListPreference.objects.filter(user=user, list_name=list_name).values_list("params", flat=True).first()
        return dict(row) if isinstance(row, dict) else {}

    # Read on every request of the list: kept in the shared cache under the user's stamp, retired by
    # every change (do_remember_list).
    return dict(shared_cache.versioned(LIST_PREFERENCES_CACHE, user.pk, list_name, read))


@transaction.atomic
def do_remember_list(user: User, list_name: str, params: dict[str, str], *, actor: Actor) -> bool:
    """Keep ``params`` as ``user``'s filters for ``list_name`` (empty values dropped); True if they changed.

    A convenience of the user's own screen, not a change to anyone's data or rights: like
    marking notifications read, it is not an audit event. Only the user themselves sets it.
    """
    if staff_or_none(actor) != user:
        raise NotFound(_("Not found."))
    wanted = {str(k): str(v) for k, v in sorted(params.items()) if v not in ("", None)}
    row = ListPreference.objects.select_for_update().filter(user=user, list_name=list_name).first()
    if row is not None and row.params == wanted:
        return False
    from core import cache as shared_cache

    shared_cache.bump(LIST_PREFERENCES_CACHE, user.pk)
    if not wanted:
        ListPreference.objects.filter(user=user, list_name=list_name).delete()
        return row is not None
    ListPreference.objects.update_or_create(user=user, list_name=list_name, defaults={"params": wanted})
    return True
