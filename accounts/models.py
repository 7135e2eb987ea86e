"""Staff users. Roles and jurisdictions are memberships (jurisdictions.models.Membership)."""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.settings import CONSTANTS

from . import two_factor


class User(AbstractUser):
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_demo = models.BooleanField(
        _("demo user"),
        default=False,
        help_text=_("Created by seed_demo; may be exempt from two-factor login in development only."),
    )

    # Blind index (HMAC, core.national_id.blind_index) of the staff member's own national ID
    # number; the number itself is never stored. Lets the recusal rule refuse action on one's own case.
    id_number_hmac = models.CharField(_("ID number blind index"), max_length=64, blank=True, db_index=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for a new account: the person chooses their own password at first sign-in."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]  # stubs type Meta labels as str
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def needs_two_factor(self) -> bool:
        """Whether this user must pass TOTP before using the system (``accounts.two_factor``)."""
        return two_factor.needs_two_factor(self)


class ApiToken(models.Model):
    """An API token (django-rest-knox's, swapped in by ``KNOX_TOKEN_MODEL``): one per sign-in or script.

    The first five fields are knox's ``AbstractAuthToken`` (declared here so that the type
    checker sees them). Only a digest is stored. ``two_factor`` is the assurance it was issued
    with (a valid code); ``last_used`` is written at most once a minute. Ended tokens are
    deleted (the audit trail keeps their issue and end).
    """

    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, primary_key=True)
    token_key = models.CharField(
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH, db_index=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), related_name="auth_token_set", on_delete=models.CASCADE
    )  # knox's expiry clean-up follows ``auth_token_set``
    created = models.DateTimeField(_("issued at"), auto_now_add=True)
    expiry = models.DateTimeField(_("expires at"), null=True, blank=True)
    ref = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=64, blank=True)
    two_factor = models.BooleanField(_("issued with a two-factor code"), default=False)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user} ({self.name or self.ref})"


class EnrolmentCode(models.Model):
    """A one-time code a security administrator gives a user (out of band) to enrol an authenticator.

    Only a hash is stored; a new code replaces the user's unused ones; it expires.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        User, verbose_name=_("issued by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"


class InitialPasswordLink(models.Model):
    """A one-time link that lets a new member of staff sign in once and choose a password.

    Only the SHA-256 of the token is stored; the link is shown once to the administrator who
    issued it (and texted when a phone is on file). It works once, until ``expires_at``, and
    issuing a new one for the same account voids the older ones.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), related_name="initial_links", on_delete=models.CASCADE)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        User, verbose_name=_("issued by"), null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("initial password link")
        verbose_name_plural = _("initial password links")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class DeclaredRelative(models.Model):
    """A close relative a member of staff declared, kept only as the blind index of their ID number.

    The recusal rule (``cases.policy``) refuses action on a case about a declared relative as it
    does on a case about the staff member themselves.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), related_name="declared_relatives", on_delete=models.CASCADE)
    id_number_hmac = models.CharField(_("ID number blind index"), max_length=64, db_index=True)
    relation = models.CharField(_("relation"), max_length=32)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("declared close relative")
        verbose_name_plural = _("declared close relatives")
        constraints = [models.UniqueConstraint(fields=["user", "id_number_hmac"], name="declared_relative_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.relation}"


class ListPreference(models.Model):
    """The filters and order a user last chose on one list (the case list, the register, ...).

    Only structured filters are kept: free-text searches (which may hold a full ID number)
    never are. Written by ``accounts.actions.do_remember_list``.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), related_name="list_preferences", on_delete=models.CASCADE)
    list_name = models.CharField(_("list"), max_length=32)
    params = models.JSONField(_("filters"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("remembered list filters")
        verbose_name_plural = _("remembered list filters")
        constraints = [models.UniqueConstraint(fields=["user", "list_name"], name="list_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.list_name}"


# Who performs an action: a member of staff, an anonymous visitor (a public page), or nobody (the
# system: scheduled jobs, commands). Actions take ``actor: Actor`` rather than ``Any``, and store
# ``staff_or_none(actor)`` where a row remembers who did it.
Actor: TypeAlias = User | AnonymousUser | None


def staff_or_none(actor: Actor) -> User | None:
    """The signed-in member of staff behind ``actor``, or None for the system or an anonymous visitor."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def require_staff(actor: Actor) -> User:
    """The member of staff behind ``actor``, for records that must name one (refused otherwise)."""
    staff = staff_or_none(actor)
    if staff is None:
        raise PermissionDenied(_("Only a signed-in member of staff can do this."))
    return staff


RELATIVES_CACHE = "relatives"  # the shared cache's namespace (core.cache): one stamp per user


def relatives_cache_spec(user_id: int) -> list[tuple[str, Any, str]]:
    """What :func:`declared_relative_indexes` reads from the shared cache (``core.cache.prefetch``)."""
    return [(RELATIVES_CACHE, user_id, "all")]


def declared_relative_indexes(user_id: int) -> frozenset[str]:
    """Blind indexes of the relatives ``user_id`` declared (the recusal rule asks on every task action).

    Kept in the shared cache under the user's stamp, retired by every change of their declarations
    (``accounts.signals``).
    """
    from core import cache as shared_cache

    [(namespace, owner, part)] = relatives_cache_spec(user_id)  # the key prefetching reads too
    return shared_cache.versioned(
        namespace,
        owner,
        part,
        lambda: frozenset(DeclaredRelative.objects.filter(user_id=user_id).values_list("id_number_hmac", flat=True)),
    )
