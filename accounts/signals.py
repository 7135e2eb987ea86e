"""Receivers for Django's authentication signals and the changes that end a user's API tokens."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from .middleware import AUTH_AT_KEY, SEEN_AT_KEY
from .models import Actor, User


@receiver(user_logged_in)
def start_absolute_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[AUTH_AT_KEY] = request.session[SEEN_AT_KEY] = time.time()


def _end_tokens(user: Any, reason: str, actor: Actor = None) -> None:
    from .actions import do_end_api_tokens

    do_end_api_tokens(user, reason=reason, actor=actor)


@receiver(user_logged_out)
def end_tokens_on_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        _end_tokens(user, "signed_out", actor=user)


@receiver(pre_save, sender=User)
def note_security_changes(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    """Remember whether this save changes the password or deactivates the account (for post_save)."""
    pending = vars(instance)  # the reason travels on the instance to post_save
    pending.pop("_laurel_end_reason", None)
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    if old["is_active"] and not instance.is_active:
        pending["_laurel_end_reason"] = "deactivated"
    elif old["password"] != instance.password:
        pending["_laurel_end_reason"] = "password_changed"


@receiver(post_save, sender=User)
def end_tokens_on_security_change(sender: Any, instance: User, **kwargs: Any) -> None:
    reason = vars(instance).pop("_laurel_end_reason", None)
    if reason:
        _end_tokens(instance, reason)


@receiver(pre_save, sender=TOTPDevice)
def end_tokens_on_device_change(sender: Any, instance: TOTPDevice, update_fields: Any = None, **kwargs: Any) -> None:
    """A device confirmed, re-keyed or unconfirmed (not the counters a verification saves)."""
    if update_fields is not None and not {"confirmed", "key", "user"} & set(update_fields):
        return
    old = (
        TOTPDevice.objects.filter(pk=instance.pk).values("confirmed", "key", "user_id").first() if instance.pk else None
    )
    if old is None:
        changed = instance.confirmed
    else:
        changed = (old["confirmed"], old["key"], old["user_id"]) != (
            instance.confirmed,
            instance.key,
            instance.user_id,
        )
    if changed:
        _end_tokens(instance.user, "device_changed")


@receiver(post_delete, sender=TOTPDevice)
def end_tokens_on_device_removal(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    if instance.confirmed:
        _end_tokens(instance.user, "device_changed")


@receiver(post_save, sender="accounts.DeclaredRelative", dispatch_uid="laurel_relative_saved")
@receiver(post_delete, sender="accounts.DeclaredRelative", dispatch_uid="laurel_relative_deleted")
def forget_declared_relatives(sender: Any, instance: Any, **kwargs: Any) -> None:
    from core import cache as shared_cache

    from .models import RELATIVES_CACHE

    shared_cache.bump(RELATIVES_CACHE, instance.user_id)
