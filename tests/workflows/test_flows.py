"""The case process's shape: one verification node per department, a join, and thin automatic nodes."""

from __future__ import annotations

from viewflow.workflow import flow, lock

from cases.nodes import verify_node as verify_node_name
from jurisdictions.models import Department
from tests.cases.conftest import file_case, make_subject, subject  # noqa: F401
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


def test_the_steps_cases_names_are_the_flows_human_nodes():
    from cases import nodes
    from workflows.flows import human_node_names

    assert human_node_names() == set(nodes.HUMAN_NODES)
    declared = {name for name in dir(CaseFlow) if isinstance(getattr(CaseFlow, name, None), flow.View)}
    assert declared == set(nodes.HUMAN_NODES)
    from viewflow.workflow.fields import get_task_ref

    assert {get_task_ref(getattr(CaseFlow, name)) for name in nodes.HUMAN_NODES} == {
        nodes.flow_task_ref(name) for name in nodes.HUMAN_NODES
    }


def test_workflows_registers_the_process_starter_with_cases(file_case):  # noqa: F811
    from cases import processes
    from workflows.flows import start_case_process

    assert processes.starter_for("grievance") is start_case_process
    case = file_case()
    assert case.process is not None and case.process.flow_class is CaseFlow
