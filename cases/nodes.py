"""The steps (human task nodes) of a case's process, by name, and who may work on each.

The names are the node names of the process that ``workflows`` registers (``CaseFlow``
declares one attribute per name; ``tests/workflows`` checks they agree). ``cases`` reads
viewflow's task rows by these names and never imports ``workflows``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from jurisdictions.models import Department
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, VERIFY_PREFIX, verify_permission

INTAKE = "intake"
CORRECT = "correct"
APPROVE = "approve"
# The province's approval after the county's, for the cases the province decides (Art. 59 of the
# 军人抚恤优待条例: suspending or cancelling a benefit, ``cases.kinds``).
PROVINCE_APPROVE = "province_approve"

# Where viewflow stores a task's node: ``Task.flow_task`` is "<flow module path>.<Flow>.<node>".
FLOW_TASK_PREFIX = "workflows/flows.CaseFlow."

# The permission that lets someone work on each non-verification step (verification: per department).
NODE_PERMISSIONS = {
    INTAKE: HANDLE_CASES,
    CORRECT: HANDLE_CASES,
    APPROVE: APPROVE_CASES,
    PROVINCE_APPROVE: APPROVE_CASES,
}
# Steps whose permission must be held at the province of the case (or the nation), not below it.
PROVINCE_NODES = (PROVINCE_APPROVE,)
# The approval steps (maker-checker applies to both).
APPROVAL_NODES = (APPROVE, PROVINCE_APPROVE)


@dataclass(frozen=True)
class ExtraNode:
    """A human step of another app's process (a flow above ``cases``), registered from its ``apps.py``.

    ``flow_task``: viewflow's reference of the node (``Task.flow_task``); ``codename``: the
    jurisdiction permission needed to work on it; ``label``: its name on pages and in the API.
    ``at_body``: a task of this step may name the one body that works on it (``Task.data["body"]``, a
    division code, see :func:`task_body`): then only those holding ``codename`` at that very body
    list and work on it (a forwarded grievance's 签收 is the receiving body's, not the city's above it).

    A step worked by a body other than the case's (a 复查 at the level above) names that body:
    ``division_of(case)`` its code for one case (``None``: the case's division), and
    ``division_path`` the path from the viewflow task to that code (for the queues, e.g.
    ``"process__data__division"``). The permission is then needed over that body, not the case's.
    """

    name: str
    flow_task: str
    codename: str
    label: Any
    at_body: bool = False
    division_of: Callable[[Any], str | None] | None = None
    division_path: str = ""


# The key of ``Task.data`` that names the body working on a task of an ``at_body`` step.
BODY_KEY = "body"


def task_body(task: Any) -> str:
    """The body (division code) a task is for, or "" when any holder of the step's permission may work on it."""
    node = extra_node(str(task.flow_task.name))
    if node is None or not node.at_body:
        return ""
    data = task.data if isinstance(getattr(task, "data", None), dict) else {}
    return str(data.get(BODY_KEY) or "")


_EXTRA_NODES: dict[str, ExtraNode] = {}


def register_node(node: ExtraNode) -> None:
    """Let the task lists, the inbox and the workbench show another process's step (once per name)."""
    if node.name in HUMAN_NODES:
        raise ValueError(f"{node.name!r} is a step of the case process")
    _EXTRA_NODES[node.name] = node


def extra_node(node: str) -> ExtraNode | None:
    return _EXTRA_NODES.get(node)


def working_division(node: str, case: Any) -> str:
    """The division whose holders of the step's permission work on a task of ``node`` of ``case``."""
    extra = _EXTRA_NODES.get(node)
    if extra is not None and extra.division_of is not None:
        return extra.division_of(case) or case.division_id
    return str(case.division_id)


def all_human_nodes() -> list[str]:
    """The case process's human steps and those other apps registered (:func:`register_node`)."""
    return [*HUMAN_NODES, *_EXTRA_NODES]


def verify_node(department: str) -> str:
    """The verification step of ``department`` (also the liaison's permission codename)."""
    return f"{VERIFY_PREFIX}{department}"


VERIFY_NODES = [verify_node(d) for d in Department.values]
HUMAN_NODES = [INTAKE, CORRECT, APPROVE, PROVINCE_APPROVE, *VERIFY_NODES]


def where_held(node: str, division_code: str) -> str:
    """The division over which the step's permission must be held: the province of the case for a
    province step, else the case's own division (``scope.has_perm_at`` also accepts its ancestors)."""
    return division_code[:2] if node in PROVINCE_NODES else division_code


def department_of(node: str) -> str:
    """The department a verification step is for ("" for the other steps)."""
    return node.removeprefix(VERIFY_PREFIX) if node.startswith(VERIFY_PREFIX) else ""


def codename_for(node: str) -> str:
    """The jurisdiction permission needed to work on a task of ``node``."""
    if node in NODE_PERMISSIONS:
        return NODE_PERMISSIONS[node]
    if node in _EXTRA_NODES:
        return _EXTRA_NODES[node].codename
    department = department_of(node)
    if department in Department.values:
        return verify_permission(department)
    raise ValueError(node)


def flow_task_ref(node: str) -> str:
    if node in _EXTRA_NODES:
        return _EXTRA_NODES[node].flow_task
    return f"{FLOW_TASK_PREFIX}{node}"


def label(node: str) -> str:
    """The step's name on pages and in the API ("Intake review", "Verification: ...")."""
    labels = {
        INTAKE: _("Intake review"),
        CORRECT: _("Correct and resubmit"),
        APPROVE: _("Approval"),
        PROVINCE_APPROVE: _("Approval by the province"),
    }
    if node in labels:
        return str(labels[node])
    if node in _EXTRA_NODES:
        return str(_EXTRA_NODES[node].label)
    department = department_of(node)
    if department in Department.values:
        return _("Verification: %(department)s") % {"department": Department(department).label}
    return node
