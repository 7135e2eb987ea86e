"""The case process's shape: one verification node per department, a join, and thin automatic nodes."""

from __future__ import annotations

from viewflow.workflow import flow, lock

from cases.nodes import verify_node as verify_node_name
from jurisdictions.models import Department
from workflows.flows import CaseFlow


def test_there_is_one_verification_node_per_department_all_joining():
    for department in Department.values:
        node = getattr(CaseFlow, verify_node_name(department))
        assert isinstance(node, flow.View)
        assert [edge.dst for edge in node._outgoing()] == [CaseFlow.join]


def test_the_flow_locks_its_process_row_for_the_join():
    assert isinstance(CaseFlow.lock_impl, lock.SelectForUpdateLock)


def test_the_automatic_nodes_are_functions_that_call_actions():
    import inspect

    for name in ("conclude_verification", "apply_decision", "close_case"):
        source = inspect.getsource(getattr(CaseFlow, name))
        assert "actions.do_" in source, name
