"""The case process: who works on a case next, and when.

Intake review by a caseworker (accept; return for correction, back to the caseworker and
then to intake review again; refuse to accept, closed) → one verification task per department the case needs
(parallel; one View node per department with a ``case=`` condition, since viewflow 2.4
has no ``Split(data_source=...)``) → join → the verification is concluded (all confirmed:
approval; any dispute: back to the caseworker) → approval by a county approver
(then, for the cases the province decides — Art. 59 of the 军人抚恤优待条例 — approval by an approver
of the province) → database update → close. A returned case goes back to the caseworker and, once corrected,
through verification again.

The flow is thin on purpose: human tasks are completed headlessly by ``cases.actions``
(which lock the case, check the status machine and audit), and the automatic nodes are
one-line calls to actions. The case's FSM status is authoritative; the gateways only read it.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.timezone import now
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.join import JoinActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import task_finished
from viewflow.workflow.status import STATUS

from cases import actions, nodes
from cases.models import Case, Status
from core.planned import planned_cursor
from core.rows import Columns
from jurisdictions.models import Department


def not_served(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """viewflow's own task pages are not mounted: tasks are worked through Laurel's pages and API."""
    raise Http404


def case_of(activation: Activation) -> Case:
    """The process's case: the instance the running action locked (read once per request), else read."""
    return actions.case_of_process(activation.process.pk)


def _needs(department: str) -> Any:
    def condition(activation: Activation) -> bool:
        return department in case_of(activation).departments

    return condition


class VerifyActivation(ViewActivation):
    """A verification's activation: on PostgreSQL, its task's "done" is written by the join's statement.

    A verification always goes to the join next (:class:`VerifyView`), whose one statement reads the
    process's tasks and links the arriving one (:func:`_process_tasks`): the arriving task's own
    UPDATE (done, with its owner and times) joins that statement instead of being a statement of its
    own. The task is marked ``done_at_join`` until then; ``cases.actions.run_task`` saves any task
    still so marked after the flow moved on (nothing is ever left unwritten).
    """

    @Activation.status.transition(source=STATUS.STARTED, target=STATUS.DONE)
    def complete(self) -> None:
        if connection.vendor != "postgresql" or not isinstance(getattr(self.flow_task, "_next", None), CaseJoin):
            super().complete.original()
            return
        self.task.finished = now()
        self.task.done_at_join = True
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class VerifyView(flow.View):
    """A department's verification (a human task whose next node is the join)."""

    activation_class = VerifyActivation


class CaseJoinActivation(JoinActivation):
    """viewflow's join activation, reading less per verification that reaches it.

    viewflow reads, for every arrival: the join task, its process again, the incoming tasks
    (for their split prefix) and whether a task of the split is still open — the last two up to
    three times (the check before completing, the transition's own condition, the integrity
    check inside). Here (PostgreSQL) one statement reads the process's tasks with the tasks each
    leads to; the join task, its incoming tasks and the open ones are taken from those rows, and
    the answers are kept for the activation. Same rules, same answers (``tests/workflows``).
    """

    # The activation last made for each join task: a second arrival at the same join within
    # one pass of the flow makes its earlier activation (which viewflow keeps) ask again.
    _latest: weakref.WeakValueDictionary[int, CaseJoinActivation] = weakref.WeakValueDictionary()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._prefixes: set[Any] | None = None
        self._done: bool | None = None
        super().__init__(*args, **kwargs)

    @classmethod
    def create(
        cls, flow_task: Any, prev_activation: Activation, token: Any, data: Any = None, seed: Any = None
    ) -> JoinActivation:
        process, arriving = prev_activation.process, prev_activation.task
        task_class = flow_task.flow_class.task_class
        tasks: list[Any] | None = None
        linked = False
        if connection.vendor == "postgresql":
            tasks, linked = _process_tasks(task_class, process.pk, flow_task, arriving)
            found = [t for t in tasks if t.flow_task == flow_task and t.status in (STATUS.NEW, STATUS.STARTED)]
        else:
            found = list(
                task_class._default_manager.filter(
                    flow_task=flow_task, process=process, status__in=[STATUS.NEW, STATUS.STARTED]
                )[:2]
            )
        if len(found) > 1:
            raise FlowRuntimeError("More than one join instance for process found")
        if found:
            task = found[0]
            task.process = process
        else:
            if token.is_split_token():
                token = token.get_base_split_token()
            task = task_class(process=process, flow_task=flow_task, token=token)
            task.data = data if data is not None else {}
            task.seed = seed
            task.save()
        if not linked:
            task.previous.add(arriving)
        activation = cls(task)
        earlier = cls._latest.get(task.pk)
        if earlier is not None:
            earlier._prefixes = earlier._done = None
        cls._latest[task.pk] = activation
        if tasks is not None:
            activation._answer_from(tasks, arriving)
        return activation

    def _answer_from(self, tasks: list[Any], arriving: Any) -> None:
        """The incoming prefixes and "done" from the process's tasks as read (``arriving`` just joined)."""
        finished = (STATUS.CANCELED, STATUS.REVIVED)
        incoming = [t for t in tasks if self.task.pk in t.leads_to and t.pk != arriving.pk] + [arriving]
        self._prefixes = {
            t.token.get_common_split_prefix(self.task.token, t.pk) for t in incoming if t.status not in finished
        }
        if len(self._prefixes) != 1:
            self._done = len(self._prefixes) > 1
        elif not self.flow_task._continue_on_condition:
            prefix = str(next(iter(self._prefixes)))
            still_open = [
                t
                for t in tasks
                if t.pk != arriving.pk and t.status not in (STATUS.DONE, *finished) and t.token.token.startswith(prefix)
            ]
            self._done = not still_open

    def _join_token_prefixes(self) -> set[Any]:
        if self._prefixes is None:
            self._prefixes = super()._join_token_prefixes()
        return self._prefixes

    def is_done(self) -> bool:
        if self._done is None:
            self._done = bool(super().is_done())
        return self._done


_TASK_COLUMNS: list[Columns] = []


def _process_tasks(task_class: Any, process_id: int, join: Any, arriving: Any) -> tuple[list[Any], bool]:
    """PostgreSQL, one statement: the process's tasks, each with the ids of the tasks it leads to
    (``leads_to``), and, when exactly one open join task is there, ``arriving`` linked to it as
    viewflow's ``task.previous.add`` would (``True``: linked). The rows are read as they were before
    the link (the caller counts ``arriving`` in itself). An arriving verification marked
    ``done_at_join`` (:class:`VerifyActivation`) is written done in the same statement."""
    if not _TASK_COLUMNS:
        _TASK_COLUMNS.append(Columns(task_class, "t"))
    columns = _TASK_COLUMNS[0]
    quote = connection.ops.quote_name
    table = quote(task_class._meta.db_table)
    links = quote(task_class.previous.through._meta.db_table)
    done, done_params = "", []
    if getattr(arriving, "done_at_join", False):
        done = (
            f"done AS (UPDATE {table} SET status = %s, owner_id = %s, assigned = %s, started = %s, "  # noqa: S608 (quoted names)
            "finished = %s WHERE id = %s RETURNING 1), "
        )
        stamp = task_class._meta.get_field("finished")
        done_params = [
            arriving.status,
            arriving.owner_id,
            *(stamp.get_db_prep_save(v, connection) for v in (arriving.assigned, arriving.started, arriving.finished)),
            arriving.pk,
        ]
    sql = (
        f"WITH {done}j AS (SELECT id FROM {table} WHERE process_id = %s AND flow_task = %s "  # noqa: S608 (quoted names)
        "AND status IN (%s, %s)), "
        f"link AS (INSERT INTO {links} (from_task_id, to_task_id) SELECT j.id, %s FROM j "
        "WHERE (SELECT count(*) FROM j) = 1 ON CONFLICT DO NOTHING RETURNING 1) "
        f"SELECT {columns.sql}, ARRAY(SELECT l.from_task_id FROM {links} l WHERE l.to_task_id = t.id), "
        "(SELECT count(*) FROM j) "
        f"FROM {table} t WHERE t.process_id = %s"
    )
    reference = task_class._meta.get_field("flow_task").get_db_prep_value(join, connection)
    with planned_cursor() as cursor:
        cursor.execute(sql, [*done_params, process_id, reference, STATUS.NEW, STATUS.STARTED, arriving.pk, process_id])
        rows = cursor.fetchall()
    arriving.done_at_join = False
    tasks = []
    for row in rows:
        task = columns.instance(row)
        task.leads_to = row[columns.width]
        tasks.append(task)
    return tasks, bool(rows) and rows[0][columns.width + 1] == 1


class CaseJoin(flow.Join):
    """The join of the verifications (:class:`CaseJoinActivation`)."""

    activation_class = CaseJoinActivation


class CaseFlow(flow.Flow):
    # The human nodes are named as ``cases.nodes`` names the steps (INTAKE, CORRECT, APPROVE,
    # verify_node(department)): cases finds its tasks by these names.
    # Cases are serialised on their own row first (cases.actions); the process lock then
    # never waits long, so block instead of viewflow's NOWAIT-and-sleep retries.
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_case).Next(this.intake)
    intake = flow.View(not_served).Next(this.after_intake)
    # Accepted: verification; returned for correction (补正): the caseworker; refused (不予受理): closed.
    after_intake = (
        flow.Switch()
        .Case(this.needs_verification, lambda a: case_of(a).status == Status.VERIFYING)
        .Case(this.correct, lambda a: case_of(a).status == Status.RETURNED)
        .Default(this.close)
    )
    needs_verification = flow.If(lambda a: bool(case_of(a).departments)).Then(this.split).Else(this.conclude)
    split = (
        flow.Split()
        .Next(this.verify_public_security, case=_needs(Department.PUBLIC_SECURITY))
        .Next(this.verify_civil_affairs, case=_needs(Department.CIVIL_AFFAIRS))
        .Next(this.verify_hr_social_security, case=_needs(Department.HR_SOCIAL_SECURITY))
        .Next(this.verify_natural_resources, case=_needs(Department.NATURAL_RESOURCES))
        .Next(this.verify_housing, case=_needs(Department.HOUSING))
        .Next(this.verify_medical_insurance, case=_needs(Department.MEDICAL_INSURANCE))
        .Next(this.verify_petitions, case=_needs(Department.PETITIONS))
        .Next(this.verify_military, case=_needs(Department.MILITARY))
    )
    verify_public_security = VerifyView(not_served).Next(this.join)
    verify_civil_affairs = VerifyView(not_served).Next(this.join)
    verify_hr_social_security = VerifyView(not_served).Next(this.join)
    verify_natural_resources = VerifyView(not_served).Next(this.join)
    verify_housing = VerifyView(not_served).Next(this.join)
    verify_medical_insurance = VerifyView(not_served).Next(this.join)
    verify_petitions = VerifyView(not_served).Next(this.join)
    verify_military = VerifyView(not_served).Next(this.join)
    join = CaseJoin().Next(this.conclude)
    conclude = flow.Function(this.conclude_verification).Next(this.after_verification)
    after_verification = (
        flow.Switch().Case(this.approve, lambda a: case_of(a).status == Status.PENDING_APPROVAL).Default(this.correct)
    )
    correct = flow.View(not_served).Next(this.after_correction)
    # Corrected after intake review: intake review again; after a verification or the approver: verify again.
    after_correction = (
        flow.Switch()
        .Case(this.intake, lambda a: case_of(a).status == Status.SUBMITTED)
        .Default(this.needs_verification)
    )
    approve = flow.View(not_served).Next(this.after_decision)
    # Approved at the county, a case the province decides stays pending approval: the province's turn.
    after_decision = (
        flow.Switch()
        .Case(this.province_approve, lambda a: case_of(a).status == Status.PENDING_APPROVAL)
        .Case(this.apply, lambda a: case_of(a).status == Status.APPROVED)
        .Case(this.correct, lambda a: case_of(a).status == Status.RETURNED)
        .Default(this.close)
    )
    province_approve = flow.View(not_served).Next(this.after_province)
    after_province = (
        flow.Switch()
        .Case(this.apply, lambda a: case_of(a).status == Status.APPROVED)
        .Case(this.correct, lambda a: case_of(a).status == Status.RETURNED)
        .Default(this.close)
    )
    apply = flow.Function(this.apply_decision).Next(this.close)
    close = flow.Function(this.close_case).Next(this.end)
    end = flow.End()

    def start_case(self, activation: Activation, case: Case) -> Any:
        activation.process.data = {"case_number": case.number}
        return activation.process

    def conclude_verification(self, activation: Activation) -> None:
        actions.do_conclude_verification(case_of(activation))

    def apply_decision(self, activation: Activation) -> None:
        case = case_of(activation)
        actions.do_apply_decision(case, actor=case.decided_by)

    def close_case(self, activation: Activation) -> None:
        case = case_of(activation)
        actions.do_close_case(case, actor=case.decided_by)


def start_case_process(case: Case) -> Any:
    """The process starter ``cases`` calls when a case is filed (registered in ``WorkflowsConfig.ready``)."""
    return CaseFlow.start.run(case=case)


def human_node_names() -> set[str]:
    """The names of the flow's human (View) nodes, to check them against ``cases.nodes``."""
    return {name for name in nodes.HUMAN_NODES if isinstance(getattr(CaseFlow, name, None), flow.View)}
