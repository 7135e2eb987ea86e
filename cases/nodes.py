"""The steps (human task nodes) of a case's process, by name, and who may work on each.

The names are the node names of the process that ``workflows`` registers (``CaseFlow``
declares one attribute per name; ``tests/workflows`` checks they agree). ``cases`` reads
viewflow's task rows by these names and never imports ``workflows``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jurisdictions.models import Department
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, VERIFY_PREFIX, verify_permission

INTAKE = "intake"
CORRECT = "correct"
APPROVE = "approve"

# Where viewflow stores a task's node: ``Task.flow_task`` is "<flow module path>.<Flow>.<node>".
FLOW_TASK_PREFIX = "workflows/flows.CaseFlow."

# The permission that lets someone work on each non-verification step (verification: per department).
NODE_PERMISSIONS = {INTAKE: HANDLE_CASES, CORRECT: HANDLE_CASES, APPROVE: APPROVE_CASES}


def verify_node(department: str) -> str:
    """The verification step of ``department`` (also the liaison's permission codename)."""
    return f"{VERIFY_PREFIX}{department}"


VERIFY_NODES = [verify_node(d) for d in Department.values]
HUMAN_NODES = [INTAKE, CORRECT, APPROVE, *VERIFY_NODES]


def department_of(node: str) -> str:
    """The department a verification step is for ("" for the other steps)."""
    return node.removeprefix(VERIFY_PREFIX) if node.startswith(VERIFY_PREFIX) else ""


def codename_for(node: str) -> str:
    """The jurisdiction permission needed to work on a task of ``node``."""
    if node in NODE_PERMISSIONS:
        return NODE_PERMISSIONS[node]
    department = department_of(node)
    if department in Department.values:
        return verify_permission(department)
    raise ValueError(node)


def flow_task_ref(node: str) -> str:
    return f"{FLOW_TASK_PREFIX}{node}"


def label(node: str) -> str:
    """The step's name on pages and in the API ("Intake review", "Verification: ...")."""
    labels = {
        INTAKE: _("Intake review"),
        CORRECT: _("Correct and resubmit"),
        APPROVE: _("Approval"),
    }
    if node in labels:
        return str(labels[node])
    department = department_of(node)
    if department in Department.values:
        return _("Verification: %(department)s") % {"department": Department(department).label}
    return node
