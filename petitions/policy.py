"""Who may do what on a grievance, and who never sees one (the accused body of a confidential report).

A confidential report (检举、揭发, Art. 30) is hidden from everyone whose membership is in the
accused body or below it: the case answers 404 to them everywhere (``cases.extensions``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from cases import policy as case_policy
from cases.models import Kind
from core import cache as shared_cache
from jurisdictions.models import ancestor_codes
from jurisdictions.perms import HANDLE_CASES
from jurisdictions.scope import codes_with, in_force_rows

from .models import Petition


def _member_codes(user: Any) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [row[0] for row in in_force_rows(user)]


# The accused body of a case's confidential report ("" when it is none) never changes once the case
# exists: the report and its case are registered together (``do_register_petition``, which forgets
# the key anyway). Kept in the shared cache, so that opening a grievance's task costs no query.
ACCUSED_SECONDS = 24 * 3600


def _accused_key(case_id: Any) -> str:
    return f"petitions:accused:{case_id}"


def accused_of(case_id: Any) -> str:
    """The accused division of the case's confidential report, or "" (cached; see :data:`ACCUSED_SECONDS`)."""
    key = _accused_key(case_id)
    found = shared_cache.get_plain(key)
    if found is None:
        found = (
            Petition.objects.filter(case_id=case_id, confidential=True)
            .values_list("accused_division_id", flat=True)
            .first()
        ) or ""
        shared_cache.set_plain(key, found, ACCUSED_SECONDS)
    return str(found)


def accused_keys(case: Any) -> list[str]:
    """The key :func:`hides` reads for ``case`` (none for a case that is not a grievance)."""
    return [_accused_key(case.pk)] if getattr(case, "kind", Kind.GRIEVANCE) == Kind.GRIEVANCE else []


def forget_accused(case_id: Any) -> None:
    shared_cache.forget_plain(_accused_key(case_id))


def hides(user: Any, case: Any) -> bool:
    """The case is a confidential report accusing the body the user belongs to (or one above theirs).

    Only a grievance can be one: other cases cost no query, and a grievance's accused body is cached.
    """
    if getattr(case, "kind", Kind.GRIEVANCE) != Kind.GRIEVANCE:
        return False
    codes = _member_codes(user)
    if not codes:
        return False
    accused = accused_of(case.pk)
    if not accused:
        return False
    return any(accused in ancestor_codes(code) for code in codes)


def hidden_q(user: Any, prefix: str = "") -> Q | None:
    """The confidential reports that accuse one of the user's bodies (or one above), as a filter on the case."""
    codes = _member_codes(user)
    if not codes:
        return None
    bodies = {a for code in codes for a in ancestor_codes(code)}
    return Q(**{f"{prefix}petition__confidential": True, f"{prefix}petition__accused_division_id__in": sorted(bodies)})


def require_may_work(user: Any, case: Any, node: str, *, action: str) -> None:
    """403 unless the user may work on the grievance's step ``node`` here (and no recusal rule forbids it)."""
    if not case_policy.may_work_on(user, node, case):
        raise PermissionDenied(_("This step of the grievance is for another role."))
    case_policy.require_may_act(user, case, action=action)


def _open_task(case: Any, node: str) -> Any:
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from cases.nodes import flow_task_ref

    return (
        Task.objects.filter(
            process_id=case.process_id, flow_task=flow_task_ref(node), status__in=[STATUS.NEW, STATUS.ASSIGNED]
        )
        .order_by("-pk")
        .first()
    )


def works_at_body(user: Any, case: Any, node: str) -> bool:
    """The open task of ``node`` names no body, or the user holds the step's permission at that body."""
    from cases.policy import at_its_body

    task = _open_task(case, node)
    return task is None or at_its_body(user, task)


def member_of(user: Any, body: str) -> bool:
    """A caseworker of the body itself (the routing body designating once the time to sign lapsed)."""
    return bool(body) and body in codes_with(user, HANDLE_CASES)


def require_at_body(user: Any, case: Any, node: str, *, action: str) -> None:
    """403 unless the step of a forwarded matter is this user's body's (``cases.nodes.task_body``)."""
    require_may_work(user, case, node, action=action)
    if not works_at_body(user, case, node):
        raise PermissionDenied(_("This step of the grievance is for another body."))


def require_member_of(user: Any, case: Any, body: str, *, action: str) -> None:
    """403 unless the user is a caseworker of ``body`` itself."""
    if not member_of(user, body):
        raise PermissionDenied(_("This step of the grievance is for another body."))
    case_policy.require_may_act(user, case, action=action)


def require_may_record_review(user: Any, case: Any) -> None:
    """403 unless the user is a caseworker over the case (the body that answered, or a level above it)."""
    from jurisdictions.perms import HANDLE_CASES
    from jurisdictions.scope import has_perm_at

    if not has_perm_at(user, HANDLE_CASES, case.division_id):
        raise PermissionDenied(_("Only a caseworker can record a request for a review."))
    case_policy.require_may_act(user, case, action="request_review")
