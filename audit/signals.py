"""Sign-in, sign-out and failed sign-in events (receivers on Django's auth signals).

Each event is scoped to the deepest division covering all of the user's memberships, so
the auditors of that jurisdiction see it. A failed sign-in stores the attempted username
for auditors; nothing here shows anything to the person signing in.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .log import common_division, record


def _client_ip(request: Any) -> str:
    # Same source as django-axes uses for lockouts (the socket address unless proxies are configured).
    if request is None:
        return ""
    try:
        from ipware import get_client_ip

        ip, _routable = get_client_ip(request)
        return ip or ""
    except Exception:  # the address is a nicety, never a reason to fail a sign-in
        return str(getattr(request, "META", {}).get("REMOTE_ADDR", ""))


def _division_of(user: Any) -> str:
    if user is None or not hasattr(user, "memberships"):
        return ""
    return common_division(user.memberships.values_list("division_id", flat=True))


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(
        event_type="auth.login",
        actor=user,
        obj=user,
        division_code=_division_of(user),
        data={"ip": _client_ip(request)},
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # the session had already expired: nobody to record
        return
    record(
        event_type="auth.logout",
        actor=user,
        obj=user,
        division_code=_division_of(user),
        data={"ip": _client_ip(request)},
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(
        event_type="auth.login_failed",
        actor=None,
        object_type=user._meta.label_lower if user is not None else "",
        object_id=str(user.pk) if user is not None else "",
        division_code=_division_of(user),
        data={"username": username, "ip": _client_ip(request), "known_user": user is not None},
    )


def allow_superuser_truncate(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Test runs only (``LAUREL_AUDIT_ALLOW_SUPERUSER_TRUNCATE``): let the test database be flushed.

    Django empties the database between transactional tests with TRUNCATE, which the audit
    trigger refuses. The trigger lets a *superuser* session that sets this option truncate;
    a superuser can disable triggers anyway, so this grants nothing new.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET laurel.audit_allow_truncate = 'on'")


def connect_test_flush() -> None:
    connection_created.connect(allow_superuser_truncate, dispatch_uid="audit_allow_superuser_truncate")
