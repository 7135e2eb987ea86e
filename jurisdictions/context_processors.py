"""Navigation context: the signed-in user's memberships and roles (display only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def jurisdiction(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships() -> list[Any]:
        from django.utils import timezone

        from .models import in_force_q

        return list(user.memberships.filter(in_force_q(timezone.localdate())).select_related("division"))

    def roles() -> set[str]:
        from .scope import roles_of

        return roles_of(user)  # the shared cache: no query on a warm page

    # Lazy: pages that do not show navigation pay nothing.
    from django.utils.functional import SimpleLazyObject

    return {"nav_memberships": SimpleLazyObject(memberships), "nav_roles": SimpleLazyObject(roles)}
