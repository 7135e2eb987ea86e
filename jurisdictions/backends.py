"""Object permissions with hierarchy: a grant on a division covers everything below it.

Django ORs the backends: ``ModelBackend`` answers model-wide permissions and ignores
objects; this backend answers only jurisdiction permissions on objects that sit in a
division (a Division, or any model with a ``division_id``), and says no to everything
else, so guardian's generic checker is never asked about permissions it does not know.
"""

from __future__ import annotations

from typing import Any

from . import scope


class JurisdictionBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if obj is None or not perm.startswith("jurisdictions."):
            return False
        division_code = getattr(obj, "code", None) if obj.__class__.__name__ == "Division" else None
        division_code = division_code or getattr(obj, "division_id", None)
        if not division_code:
            return False
        return scope.has_perm_at(user_obj, perm.split(".", 1)[1], division_code)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False
