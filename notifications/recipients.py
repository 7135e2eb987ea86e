"""Who receives a notification: holders of a jurisdiction permission over a division, task pools.

A grant on a division covers its subtree, so the holders over ``division_code`` are the
users granted the codename on the division itself or any of its ancestors.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from jurisdictions.models import DivisionUserObjectPermission, ancestor_codes

# The permission that lets someone work on each human task of the case process.
NODE_PERMISSIONS = {"intake": "handle_cases", "correct": "handle_cases", "approve": "approve_cases"}
VERIFY_PREFIX = "verify_"


def users_with_perm_at(codename: str, division_code: str) -> list[Any]:
    """Active users holding ``codename`` at ``division_code`` or above, by id."""
    user_ids = DivisionUserObjectPermission.objects.filter(
        content_object_id__in=ancestor_codes(division_code), permission__codename=codename
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def codename_for_node(node: str) -> str | None:
    if node.startswith(VERIFY_PREFIX):
        return node  # verify_<department> is both the node name and the permission codename
    return NODE_PERMISSIONS.get(node)


def pool_for_node(node: str, division_code: str) -> list[Any]:
    """Everyone who may pick up a task of ``node`` for a case in ``division_code``."""
    codename = codename_for_node(node)
    return users_with_perm_at(codename, division_code) if codename else []


def supervisors_of(division_code: str) -> list[Any]:
    return users_with_perm_at("supervise", division_code)
