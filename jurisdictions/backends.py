"""Object permissions with hierarchy: a grant on a division covers everything below it.

Django ORs the backends; ``ModelBackend`` answers model-wide permissions and ignores
objects. This backend answers object checks in two ways:

- ``jurisdictions.<codename>`` on anything that sits in a division (a Division, or any
  model with a ``division_id``): granted on the division or any ancestor (the rule).
- ``<app>.<codename>`` on an object of that same app: guardian's own per-object grant
  (a generic escape hatch). The per-case exception of the product — a liaison of another
  county asked to verify one case — is ``cases.CaseGrant``, honoured by the ``access_*``
  helpers of ``cases.queries``.

Everything else is a no, so guardian is never asked about a permission of another app
(it raises in that case: STACK-NOTES.md).
"""

from __future__ import annotations

from typing import Any

from guardian.core import ObjectPermissionChecker

from . import scope
from .models import Division


class JurisdictionBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if obj is None or "." not in perm or not getattr(user_obj, "is_active", False):
            return False
        app_label, codename = perm.split(".", 1)
        if app_label == "jurisdictions" and codename in _jurisdiction_codenames():
            division_code = obj.code if isinstance(obj, Division) else getattr(obj, "division_id", None)
            return isinstance(division_code, str) and scope.has_perm_at(user_obj, codename, division_code)
        if app_label == obj._meta.app_label and not isinstance(obj, Division):
            return ObjectPermissionChecker(user_obj).has_perm(codename, obj)
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False


def _jurisdiction_codenames() -> frozenset[str]:
    return frozenset(codename for codename, _label in Division._meta.permissions)
