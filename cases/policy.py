"""Who may do what with a case and its tasks: the one task policy (API and pages alike).

Roles (jurisdiction permissions over the case's division, ``jurisdictions.scope``):

- A task of a step may be worked on (claimed, completed) by holders of the step's permission
  (``cases.nodes.codename_for``): caseworkers for intake and correction, approvers for the
  approval, each department's liaisons for its verification.
- A claimed task may be released by whoever claimed it or by a supervisor; only supervisors
  reassign, and only to someone who may work on the task and is not barred from it below.
- A document may be downloaded by whoever may see the case (``cases.queries.access_attachment``).

Maker-checker and recusal: who may not act on a case even with the right role.

- Nobody acts on a case whose subject is themselves (the staff member's ID blind index
  ``accounts.User.id_number_hmac``, recorded when the account is created, equals the subject's
  ``id_number_hmac``) or a close relative they declared (``accounts.DeclaredRelative``).
- Whoever filed or verified a case cannot approve it.

Per-case exception grants (``cases.models.CaseGrant``): a user outside the case's jurisdiction
with a grant in force may open the case, its tasks and documents, and work on a task of a step
whose permission they hold somewhere (the grant extends their role to this one case). Nothing
else: the case stays out of their scoped lists and queues.

Entry points call :func:`require_may_act`, which audits the refusal (``case.refused``, in
its own transaction so that the refusal is kept) and raises 403 with a clear message.
Actions re-check with :func:`refusal` as a last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from accounts.models import declared_relative_indexes
from audit.log import record
from core.errors import Conflict
from jurisdictions import scope
from jurisdictions.perms import HANDLE_CASES, SUPERVISE

from . import nodes
from .models import Case, CaseGrant, VerificationResult

SELF = "recusal_self"
RELATIVE = "recusal_relative"
FILER_APPROVES = "maker_checker_filer"
VERIFIER_APPROVES = "maker_checker_verifier"
COUNTY_APPROVER_APPROVES = "maker_checker_county_approver"


def refusal(user: Any, case: Case, *, approving: bool = False, province_step: bool = False) -> tuple[str, str] | None:
    """``(code, message)`` when ``user`` must not act on ``case``, else None."""
    own = getattr(user, "id_number_hmac", "")
    if own and own == getattr(case.subject, "id_number_hmac", None):
        return SELF, _("You cannot act on a case about yourself; another member of staff must handle it.")
    if _is_declared_relative(user, case.subject):
        return RELATIVE, _("The case is about a close relative you declared; another member of staff must handle it.")
    if approving:
        if case.filed_by_id == user.pk:
            return FILER_APPROVES, _("You filed this case, so you cannot approve it (maker-checker).")
        if VerificationResult.objects.filter(case=case, verified_by=user).exists():
            return VERIFIER_APPROVES, _("You verified this case, so you cannot approve it (maker-checker).")
        if province_step and case.county_approved_by_id == user.pk:
            return COUNTY_APPROVER_APPROVES, _(
                "You approved this case at the county, so you cannot also approve it for the province (maker-checker)."
            )
    return None


def require_may_act(
    user: Any, case: Case, *, action: str, approving: bool = False, province_step: bool = False
) -> None:
    """Raise 403 (and audit the refusal) when a maker-checker or recusal rule forbids ``action``."""
    found = refusal(user, case, approving=approving, province_step=province_step)
    if found is None:
        return
    code, message = found
    with transaction.atomic():
        record(event_type="case.refused", actor=user, obj=case, data={"action": action, "rule": code})
    raise PermissionDenied(message)


def _is_declared_relative(user: Any, subject: Any) -> bool:
    index = getattr(subject, "id_number_hmac", "")
    if not index or not getattr(user, "pk", None):
        return False
    return index in declared_relative_indexes(user.pk)


def require_not_own_subject(user: Any, subject: Any, *, action: str) -> None:
    """Raise 403 (and audit the refusal) when ``user`` is the subject or a relative they declared (filing)."""
    own = getattr(user, "id_number_hmac", "")
    rule = ""
    if own and own == getattr(subject, "id_number_hmac", None):
        rule, message = SELF, _("You cannot file a case about yourself; another member of staff must do it.")
    elif _is_declared_relative(user, subject):
        rule = RELATIVE
        message = _("You cannot file a case about a close relative you declared; another member of staff must do it.")
    if not rule:
        return
    with transaction.atomic():
        record(event_type="case.refused", actor=user, obj=subject, data={"action": action, "rule": rule})
    raise PermissionDenied(message)


# --- tasks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskAccess:
    """A case task someone reached through ``cases.queries.access_task``, with its case."""

    task: Task
    case: Case

    @property
    def node(self) -> str:
        return str(self.task.flow_task.name)

    @property
    def approving(self) -> bool:
        return self.node in nodes.APPROVAL_NODES

    @property
    def province_step(self) -> bool:
        return self.node in nodes.PROVINCE_NODES


def shared_with(user: Any, case: Case) -> bool:
    """Whether an exception grant in force today opens ``case`` to ``user`` (read at request time)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    today = timezone.localdate()
    return CaseGrant.objects.filter(
        case_id=case.pk, user_id=user.pk, ended_at__isnull=True, starts_on__lte=today, ends_on__gt=today
    ).exists()


def may_see(user: Any, case: Case) -> bool:
    """In the user's jurisdiction, or shared with them by a grant in force (never when a rule hides it)."""
    from .extensions import hidden_from

    if hidden_from(user, case):
        return False
    return scope.can_see(user, case.division_id) or shared_with(user, case)


def may_work_on(user: Any, node: str, case: Case) -> bool:
    """Whether ``user`` holds the permission of the step ``node`` over the case's division (or the body
    the step is worked at, ``cases.nodes.working_division``), or holds it somewhere and the case is
    shared with them."""
    codename = nodes.codename_for(node)
    if scope.has_perm_at(user, codename, nodes.where_held(node, nodes.working_division(node, case))):
        return True
    codes = scope.codes_with(user, codename)
    if node in nodes.PROVINCE_NODES:
        codes = [code for code in codes if len(code) <= 2]  # held at a province or the nation
    return bool(codes) and shared_with(user, case)


def may_handle(user: Any, case: Case) -> bool:
    """A caseworker of the case's jurisdiction (withdraw, attach documents)."""
    return scope.has_perm_at(user, HANDLE_CASES, case.division_id)


def may_supervise(user: Any, case: Case) -> bool:
    return scope.has_perm_at(user, SUPERVISE, case.division_id)


def at_its_body(user: Any, task: Task) -> bool:
    """A task naming its body (``cases.nodes.task_body``) is worked only by holders of its step's
    permission at that very body; any other task by every holder over the case."""
    body = nodes.task_body(task)
    return not body or body in scope.codes_with(user, nodes.codename_for(str(task.flow_task.name)))


def _may_work(user: Any, access: TaskAccess) -> bool:
    return (
        may_work_on(user, access.node, access.case)
        and at_its_body(user, access.task)
        and refusal(user, access.case, approving=access.approving, province_step=access.province_step) is None
    )


def may_claim(user: Any, access: TaskAccess) -> bool:
    return access.task.owner_id is None and _may_work(user, access)


def may_complete(user: Any, access: TaskAccess) -> bool:
    return access.task.owner_id in (None, user.pk) and _may_work(user, access)


def may_release(user: Any, access: TaskAccess) -> bool:
    owner = access.task.owner_id
    return owner is not None and (owner == user.pk or may_supervise(user, access.case))


def may_reassign(user: Any, access: TaskAccess) -> bool:
    return may_supervise(user, access.case)


def task_permissions(user: Any, access: TaskAccess) -> dict[str, bool]:
    """What ``user`` may do with the task (the buttons a page shows)."""
    return {
        "may_claim": may_claim(user, access),
        "may_complete": may_complete(user, access),
        "may_release": may_release(user, access),
        "may_reassign": may_reassign(user, access),
    }


def require_may_claim(user: Any, access: TaskAccess) -> None:
    """403 (audited) when a maker-checker or recusal rule forbids claiming (the step's role was checked)."""
    require_may_act(user, access.case, action="claim", approving=access.approving, province_step=access.province_step)


def require_may_complete(user: Any, access: TaskAccess, *, action: str = "complete") -> None:
    """403 (audited) when a rule forbids working on the task; 409 when someone else holds it."""
    require_may_act(
        user,
        access.case,
        action=f"{action}:{access.node}",
        approving=access.approving,
        province_step=access.province_step,
    )
    if access.task.owner_id not in (None, user.pk):
        raise Conflict(_("Someone else has claimed this task."), current_status=access.case.status)


def require_may_release(user: Any, access: TaskAccess) -> None:
    if access.task.owner_id == user.pk or may_supervise(user, access.case):
        return
    if not may_work_on(user, access.node, access.case):
        raise PermissionDenied(_("This task is for another role or department."))
    raise PermissionDenied(_("Only the person who claimed the task or a supervisor can release it."))


def require_may_reassign(user: Any, access: TaskAccess) -> None:
    if not may_reassign(user, access):
        raise PermissionDenied(_("Only a supervisor can reassign tasks."))


def reassign_refusal(access: TaskAccess, target: Any | None) -> str | None:
    """Why the task cannot be given to ``target`` (None when it can)."""
    if target is None or not may_work_on(target, access.node, access.case) or not at_its_body(target, access.task):
        return _("This person cannot work on this task here.")
    found = refusal(target, access.case, approving=access.approving, province_step=access.province_step)
    return found[1] if found else None


def require_reassignable_to(access: TaskAccess, target: Any | None) -> None:
    """400 on the ``user`` field when the task cannot be given to ``target``."""
    message = reassign_refusal(access, target)
    if message:
        raise ValidationError({"user": message})
