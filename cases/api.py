"""API: cases, their history and transitions; tasks (mine, queue), claim, release, complete.

Every endpoint authorises through ``cases.queries.access_*`` (404 outside the jurisdiction,
403 not allowed) and ``cases.policy`` (the task policy, maker-checker, recusal), then calls
one action. Errors are mapped by ``core.api.exception_handler``: field messages 400, lost
races and illegal transitions 409 with the case's current status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.fsm import TransitionNotAllowed as FlowTransitionNotAllowed
from viewflow.workflow.models import Task

from accounts.models import User
from audit import log as audit_log
from core import steps
from core.errors import Conflict, NotFound
from core.filters import cleaned_filters, filter_parameters
from core.keyset import BadCursor
from core.serializers import ReusedFieldsSerializer
from core.validators import no_invisible_characters
from jurisdictions.models import Department
from jurisdictions.perms import GRANT_ROLES, HANDLE_CASES
from policies.citations import refusals_audited

from . import actions, extensions, nodes, policy, queries
from .filters import CaseFilterSet, TaskFilterSet
from .models import (
    FREE_TRANSITIONS,
    BenefitChange,
    Case,
    Channel,
    Decision,
    IntakeDecision,
    Kind,
    MissingItem,
    Rating,
    RatingSource,
    VerificationResultChoice,
)

T = TypeVar("T")

# Length limits of free text (characters): a description or reasons, and notes, evidence or a reason.
TEXT_LIMIT = 5000
NOTE_LIMIT = 2000


def run_action(fn: Callable[[], T], *, case: Case) -> T:
    """Call an action; a viewflow refusal (which does not know the case) answers 409 with the case's status.

    Everything else is mapped by ``core.api.exception_handler``.
    """
    try:
        return fn()
    except FlowTransitionNotAllowed:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        raise Conflict(current_status=current) from None


# --- serializers ------------------------------------------------------------------------------

_datetime = serializers.DateTimeField()


class TaskCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


class TaskStepSerializer(serializers.Serializer):
    """A step that is not a case's (``core.steps``): what it is about and the page where it is worked."""

    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    division = serializers.CharField()
    due = serializers.DateField(allow_null=True)


class TaskSerializer(serializers.Serializer):
    """A task: of a case's process (``case`` set, ``step`` null) or a step (``step`` set, ``case`` null)."""

    id = serializers.IntegerField()
    node = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    department = serializers.SerializerMethodField()
    status = serializers.CharField()
    owner = serializers.SerializerMethodField()
    created = serializers.DateTimeField()
    case = serializers.SerializerMethodField()
    step = serializers.SerializerMethodField()

    def get_node(self, task: Task) -> str:
        return task.flow_task.name

    def get_label(self, task: Task) -> str:
        kind = steps.kind_of(task) if steps.is_step(task) else None
        return str(kind.label) if kind is not None else nodes.label(task.flow_task.name)

    def get_department(self, task: Task) -> str:
        return nodes.department_of(task.flow_task.name)

    def get_owner(self, task: Task) -> str | None:
        return task.owner.username if task.owner_id else None

    @extend_schema_field(TaskCaseSerializer(allow_null=True))
    def get_case(self, task: Task) -> dict[str, Any] | None:
        case = queries.case_of(task)
        if case is None:
            return None
        return {"id": case.pk, "number": case.number, "status": case.status, "due_at": case.due_at}

    @extend_schema_field(TaskStepSerializer(allow_null=True))
    def get_step(self, task: Task) -> dict[str, Any] | None:
        if not steps.is_step(task):
            return None
        due = steps.due_of(task)
        return {
            "kind": str((task.process.data or {}).get(steps.KIND_KEY, "")),
            "title": steps.title_of(task),
            "url": steps.url_of(task),
            "division": steps.division_of(task),
            "due": due.isoformat() if due is not None else None,
        }

    def to_representation(self, task: Task) -> dict[str, Any]:
        """What the fields above write, written directly (no field copies per task: the inbox and every claim)."""
        node = task.flow_task.name
        created = task.created
        return {
            "id": int(task.pk),
            "node": node,
            "label": self.get_label(task),
            "department": nodes.department_of(node),
            "status": str(task.status),
            "owner": task.owner.username if task.owner_id else None,
            "created": _datetime.to_representation(created) if created is not None else None,
            "case": self.get_case(task),
            "step": self.get_step(task),
        }


class CaseListSerializer(serializers.ModelSerializer):
    """A case list row (the list view writes the same shape from ``values()`` rows: ``_list_row``)."""

    subject = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "number", "kind", "status", "outcome", "title", "subject", "division", "created_at", "due_at"]

    def get_subject(self, case: Case) -> dict[str, Any]:
        return {"id": case.subject_id, "name": case.subject.name}


def _list_row(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the case list as :class:`CaseListSerializer` writes it, from a ``values()`` row (no instances)."""
    due = row["due_at"]
    return {
        "id": row["id"],
        "number": row["number"],
        "kind": row["kind"],
        "status": row["status"],
        "outcome": row["outcome"],
        "title": row["title"],
        "subject": {"id": row["subject_id"], "name": row["subject__name"]},
        "division": row["division_id"],
        "created_at": _datetime.to_representation(row["created_at"]),
        "due_at": _datetime.to_representation(due) if due is not None else None,
    }


class CaseDetailSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    filed_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    contested_case: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="number", read_only=True)
    related_case: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="number", read_only=True)
    open_tasks = serializers.SerializerMethodField()
    verifications = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "outcome",
            "outcome_reasons",
            "legal_basis",
            "title",
            "description",
            "channel",
            "departments",
            "subject",
            "division",
            "filed_by",
            "agent_name",
            "agent_relation",
            "agent_contact",
            "benefit_type",
            "benefit_change",
            "benefit_amount",
            "benefit_start",
            "benefit_id",
            "benefit_reason",
            "recovery_id",
            "recovery_plan",
            "recovery_amount",
            "recovery_instalments",
            "recovery_first_month",
            "recovery_reason",
            "approved_amount",
            "corrections",
            "evidence",
            "contested_case",
            "related_case",
            "county_approved_at",
            "decided_by",
            "decided_at",
            "applied_at",
            "closed_at",
            "due_at",
            "paused_at",
            "created_at",
            "open_tasks",
            "verifications",
        ]

    def get_fields(self) -> dict[str, Any]:
        # What apps above cases add to the case (``cases.extensions``: a grievance's deadlines, …).
        return {**super().get_fields(), **extensions.detail_fields()}

    def get_subject(self, case: Case) -> dict[str, Any]:
        return {
            "id": case.subject_id,
            "name": case.subject.name,
            "id_number_masked": getattr(case.subject, "id_number_masked", ""),
        }

    def get_open_tasks(self, case: Case) -> list[dict[str, Any]]:
        return [
            {
                "id": t.pk,
                "node": t.flow_task.name,
                "label": nodes.label(t.flow_task.name),
                "owner": t.owner.username if t.owner_id else None,
            }
            for t in queries.open_tasks_of(case)
        ]

    def get_verifications(self, case: Case) -> list[dict[str, Any]]:
        return [
            {
                "round": v.round,
                "department": v.department,
                "result": v.result,
                "note": v.note,
                "evidence": v.evidence,
                "verified_by": v.verified_by.username,
                "verified_at": v.verified_at,
            }
            for v in case.verifications.select_related("verified_by")
        ]


def _suspend_reasons() -> list[tuple[str, Any]]:
    from benefits.models import SuspendReason

    return list(SuspendReason.choices)


def _cancel_reasons() -> list[tuple[str, Any]]:
    from benefits.models import CancelReason

    return list(CancelReason.choices)


def _recovery_plans() -> list[tuple[str, Any]]:
    from benefits.models import RecoveryPlan

    return list(RecoveryPlan.choices)


class CaseCreateSerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200, validators=[no_invisible_characters])
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_LIMIT)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WALK_IN)
    departments = serializers.ListField(
        child=serializers.ChoiceField(choices=Department.choices), default=list, max_length=len(Department.choices)
    )
    agent_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, validators=[no_invisible_characters]
    )
    agent_relation = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    agent_contact = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    benefit_type = serializers.CharField(required=False, allow_blank=True, max_length=64)
    benefit_change = serializers.ChoiceField(choices=BenefitChange.choices, required=False)
    benefit_amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    benefit_start = serializers.DateField(required=False)
    benefit_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=(
            "The benefit (its id in /api/v1/subjects/{id}/benefits/) that a claim ends, or that a "
            "benefit_suspension, benefit_resumption or benefit_cancellation case changes."
        ),
    )
    benefit_reason = serializers.ChoiceField(
        choices=[*_suspend_reasons(), *_cancel_reasons()],
        required=False,
        help_text=(
            "A benefit_suspension's reason (confirmation_overdue, imprisonment, wanted, problem_data) or a "
            "benefit_cancellation's (severe_sentence, expelled, fraud). The Art. 59 reasons are decided by the "
            "province after the county."
        ),
    )
    recovery_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A recovery case: the overpayment it decides (its id in /api/v1/recoveries/), still undecided.",
    )
    recovery_plan = serializers.ChoiceField(
        choices=_recovery_plans(),
        required=False,
        help_text=(
            "A recovery case: full (the whole overpayment at once), instalments (recovery_instalments, 2 to 120 "
            "monthly instalments from recovery_first_month) or waiver (recovery_amount is still recovered, "
            "default 0; recovery_reason says why). Applied when an approver approves the case (Art. 58)."
        ),
    )
    recovery_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="A recovery case: the amount to recover (at most the overpayment); the rest is waived.",
    )
    recovery_instalments = serializers.IntegerField(required=False, min_value=1, max_value=120)
    recovery_first_month = serializers.DateField(
        required=False, help_text="A recovery case: the month of the first instalment (default: after the decision)."
    )
    recovery_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="A recovery case: why anything is waived."
    )
    corrections = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True, allow_null=True), required=False
    )
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_LIMIT)
    contested_case = serializers.IntegerField(required=False)
    duplicate_action = serializers.ChoiceField(choices=["", "link", "continue"], required=False, default="")


class HistoryEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    event_type = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    data = serializers.DictField()  # type: ignore[assignment]


class ReassignSerializer(serializers.Serializer):
    user = serializers.CharField(max_length=150)


class CompletedSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


class CompleteSerializer(ReusedFieldsSerializer):
    result = serializers.ChoiceField(choices=VerificationResultChoice.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)
    decision = serializers.ChoiceField(choices=Decision.choices, required=False)
    reasons = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_LIMIT)
    legal_basis = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_LIMIT,
        help_text="Free text, for older clients: new decisions cite `citations`.",
    )
    citations = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=20,
        help_text=(
            "The legal basis of a refusal or a decision: ids of article versions of the policy base "
            "(/api/v1/policy-articles/), in force today; frozen with the decision and its letter. A repealed "
            "or superseded article is a 400 naming this field and the article."
        ),
    )
    partly = serializers.BooleanField(required=False, default=False)
    approved_amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    departments = serializers.ListField(
        child=serializers.ChoiceField(choices=Department.choices),
        required=False,
        allow_null=True,
        max_length=len(Department.choices),
    )
    # Intake review: accept (the default), return for correction, or refuse to accept.
    intake_decision = serializers.ChoiceField(choices=IntakeDecision.choices, required=False)
    missing = serializers.ListField(
        child=serializers.ChoiceField(choices=MissingItem.choices),
        required=False,
        max_length=len(MissingItem.choices),
        help_text="Return for correction: what the application lacks.",
    )
    other = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=60)
    # Approval: the bureau's findings (经查明) and the effective date.
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_LIMIT)
    effective_on = serializers.DateField(required=False, allow_null=True)
    retroactive_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


# --- cases ------------------------------------------------------------------------------------


def _filters(params: Any) -> tuple[queries.CaseFilters, dict[str, str]]:
    values = cleaned_filters(CaseFilterSet, params)
    filters = queries.CaseFilters(
        status=values["status"] or "",
        kind=values["kind"] or "",
        stage=values["stage"] or "",
        overdue=bool(values["overdue"]),
        township=values["township"] or "",
        assignee=values["assignee"] or "",
        search=values["q"] or "",
    )
    paging = {
        "sort": values["sort"] or queries.DEFAULT_CASE_SORT,
        "after": values["after"] or "",
        "before": values["before"] or "",
    }
    return filters, paging


class CaseListPageSerializer(serializers.Serializer):
    results = CaseListSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Cursor for the next page (`after`), or null.")
    previous = serializers.CharField(
        allow_null=True, help_text="Cursor for the previous page (`before`), or null on the first page."
    )


class CaseListView(APIView):
    @extend_schema(
        operation_id="v1_cases_list", parameters=filter_parameters(CaseFilterSet), responses=CaseListPageSerializer
    )
    def get(self, request: Request) -> Response:
        filters, paging = _filters(request.query_params)
        qs = queries.case_rows(request.user, filters)
        try:
            page = queries.case_page(qs, sort=paging["sort"], after=paging["after"], before=paging["before"])
        except BadCursor:
            if paging["before"]:
                raise ValidationError({"before": [_("This is not a cursor of this list.")]}) from None
            page = queries.case_page(qs, sort=paging["sort"])  # as ever: a stale `after` starts again
        return Response(
            {
                "results": [_list_row(cast(dict[str, Any], row)) for row in page.rows],
                "next": page.next or None,
                "previous": page.previous or None,
            }
        )

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer})
    def post(self, request: Request) -> Response:
        from subjects.queries import access_subject

        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        subject = access_subject(request.user, data.pop("subject"), codename=HANDLE_CASES)
        contested_id = data.pop("contested_case", None)
        if contested_id is not None:
            data["contested_case"] = queries.access_case(request.user, contested_id)
        policy.require_not_own_subject(request.user, subject, action="file")
        kind = data.pop("kind")
        title = data.pop("title")
        try:
            case = actions.do_file_case(subject, kind=kind, title=title, actor=request.user, **data)
        except actions.DuplicateCase as exc:
            return Response(
                {
                    "detail": str(exc),
                    "duplicates": [{"id": c.pk, "number": c.number, "status": c.status} for c in exc.open_cases],
                    "hint": _('Send "duplicate_action": "link" or "continue" to file it anyway.'),
                },
                status=409,
            )
        case = queries.access_case(request.user, case.pk)
        return Response(CaseDetailSerializer(case).data, status=201)


class CaseDetailView(APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(CaseDetailSerializer(queries.access_case(request.user, pk)).data)


class CaseHistoryView(APIView):
    @extend_schema(responses=HistoryEventSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        case = queries.access_case(request.user, pk)
        return Response(
            [
                {
                    "id": e.pk,
                    "at": e.occurred_at,
                    "event_type": e.event_type,
                    "actor": e.actor_username or None,
                    "data": e.data,
                }
                for e in queries.timeline(case)
            ]
        )


def _transition_requests() -> list[Any]:
    return list(dict.fromkeys([TransitionSerializer, *(t.serializer for t in extensions.transitions())]))


TRANSITION_ERRORS = {
    400: OpenApiResponse(description="Field messages naming the field (and the article of a rule); nothing saved."),
    403: OpenApiResponse(description="Visible, but not this person's step."),
    404: OpenApiResponse(description="Outside the jurisdiction, hidden from this person, or no such transition."),
    409: OpenApiResponse(description="A lost race, or a transition the case's state no longer allows."),
}
# Names of the case's own status machine: not requestable here (409 rather than "no such transition").
_CASE_TRANSITIONS = {"start_verification", "finish_verification", "return_for_correction", "refuse", "resubmit"}
_CASE_TRANSITIONS |= {"resubmit_for_intake", "approve", "reject", "mark_applied", "close"}


class CaseTransitionView(APIView):
    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="CaseTransitionRequest", serializers=_transition_requests, resource_type_field_name=None
        ),
        responses={200: CaseDetailSerializer, **TRANSITION_ERRORS},
        description="withdraw (reason); the transitions other apps register (a grievance's accept, refuse, "
        "extend, approve_extension, pause_clock, resume_clock, decide, …), each with its own body.",
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        case = queries.access_case(request.user, pk)
        registered = extensions.transition(name)
        if registered is not None:
            serializer = registered.serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            case = run_action(
                lambda: registered.handler(request.user, case, dict(serializer.validated_data)), case=case
            )
            return Response(CaseDetailSerializer(queries.access_case(request.user, case.pk)).data)
        if name not in FREE_TRANSITIONS and name not in _CASE_TRANSITIONS:
            raise NotFound(_("There is no transition “%(name)s”.") % {"name": name})
        if name not in FREE_TRANSITIONS:
            raise Conflict(
                _("“%(name)s” is not a transition you can request here.") % {"name": name}, current_status=case.status
            )
        if not policy.may_handle(request.user, case):
            raise PermissionDenied(_("Only a caseworker of this jurisdiction can do this."))
        policy.require_may_act(request.user, case, action=name)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = run_action(
            lambda: actions.do_transition(case, name, actor=request.user, reason=serializer.validated_data["reason"]),
            case=case,
        )
        return Response(CaseDetailSerializer(queries.access_case(request.user, case.pk)).data)


# --- ratings (好差评) recorded by staff ----------------------------------------------------------


class RatingSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="0 rates the handling; 1 a grievance's rectification (整改).")
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=RatingSource.choices)  # type: ignore[assignment]
    rated_at = serializers.DateTimeField(source="created_at")


class RatingCreateSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="1 (very dissatisfied) to 5 (very satisfied).")
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000, validators=[no_invisible_characters]
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[(RatingSource.PHONE, RatingSource.PHONE.label), (RatingSource.SMS, RatingSource.SMS.label)],
        required=False,
        default=RatingSource.PHONE,
        help_text="How the petitioner gave the rating: a telephone call-back (default) or the SMS link's reply.",
    )


RATING_ERRORS = {
    400: OpenApiResponse(description="Field messages: the case is still open, a score outside 1–5; nothing saved."),
    403: OpenApiResponse(description="Visible, but not a caseworker of the case's jurisdiction."),
    404: OpenApiResponse(description="Outside the jurisdiction."),
    409: OpenApiResponse(description="This round was already rated."),
}


class CaseRatingsView(APIView):
    @extend_schema(responses={200: RatingSerializer(many=True), 404: RATING_ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        case = queries.access_case(request.user, pk)
        return Response(RatingSerializer(Rating.objects.filter(case=case).order_by("round"), many=True).data)

    @extend_schema(request=RatingCreateSerializer, responses={201: RatingSerializer, **RATING_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """A member of staff records the petitioner's rating given on a call-back (回访)."""
        case = queries.access_case(request.user, pk)
        if not policy.may_handle(request.user, case):
            raise PermissionDenied(_("Only a caseworker of this jurisdiction can record a rating."))
        serializer = RatingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rating = actions.do_rate_case(
            case, score=data["score"], comment=data["comment"], source=data["source"], actor=request.user
        )
        return Response(RatingSerializer(rating).data, status=201)


# --- tasks ------------------------------------------------------------------------------------


class TaskListView(APIView):
    @extend_schema(parameters=filter_parameters(TaskFilterSet), responses=TaskSerializer(many=True))
    def get(self, request: Request) -> Response:
        values = cleaned_filters(TaskFilterSet, request.query_params)
        sort = values["sort"] or "waiting"
        if values["scope"] == "queue":
            tasks = queries.queue_tasks(request.user, sort=sort, department=values["department"] or "")
        else:
            tasks = queries.my_tasks(request.user, sort=sort)
        return Response(TaskSerializer(tasks[:200], many=True).data)


def _task_response(task: Task) -> Response:
    task = Task.objects.select_related("owner", "process__case").get(pk=task.pk)
    return Response(TaskSerializer(task).data)


class TaskClaimView(APIView):
    @extend_schema(request=None, responses=TaskSerializer)
    def post(self, request: Request, pk: int) -> Response:
        access = queries.access_task(request.user, pk)
        policy.require_may_claim(request.user, access)
        task = run_action(
            lambda: actions.do_claim_task(access.task, actor=request.user, case=access.case), case=access.case
        )
        # The task as the claim left it, with the case read once (no re-read).
        task.process.case = access.case
        return Response(TaskSerializer(task).data)


class TaskReleaseView(APIView):
    @extend_schema(request=None, responses=TaskSerializer)
    def post(self, request: Request, pk: int) -> Response:
        access = queries.access_task(request.user, pk, act=False)
        policy.require_may_release(request.user, access)
        run_action(lambda: actions.do_release_task(access.task, actor=request.user), case=access.case)
        return _task_response(access.task)


class TaskReassignView(APIView):
    @extend_schema(request=ReassignSerializer, responses=TaskSerializer)
    def post(self, request: Request, pk: int) -> Response:
        access = queries.access_task(request.user, pk, act=False)
        policy.require_may_reassign(request.user, access)
        username = str(request.data.get("user", "")) if isinstance(request.data, dict) else ""
        target = User.objects.filter(username=username, is_active=True).first()
        policy.require_reassignable_to(access, target)
        assert target is not None
        run_action(lambda: actions.do_reassign_task(access.task, actor=request.user, to_user=target), case=access.case)
        return _task_response(access.task)


class TaskCompleteView(APIView):
    @extend_schema(request=CompleteSerializer, responses=CompletedSerializer)
    def post(self, request: Request, pk: int) -> Response:
        serializer = CompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)

        refused: list[policy.TaskAccess] = []
        try:
            # One transaction: the case and the task are locked and read once, here, and passed down.
            # A refused citation is audited after it rolled back (policies.citations.refusals_audited).
            with refusals_audited(request.user, object_type="viewflow.task", object_id=pk), audit_log.deferred():
                access = queries.access_task(request.user, pk, lock=True)
                if (
                    policy.refusal(
                        request.user, access.case, approving=access.approving, province_step=access.province_step
                    )
                    is None
                ):
                    policy.require_may_complete(request.user, access)
                    case = actions.do_complete_task(access.task, actor=request.user, data=data, locked=access.case)
                else:
                    refused.append(access)
        except FlowTransitionNotAllowed:
            current = Case.objects.filter(process__task__pk=pk).values_list("status", flat=True).first()
            raise Conflict(current_status=current) from None
        if refused:
            # Audited in a transaction of its own (kept), then 403.
            policy.require_may_complete(request.user, refused[0])
        return Response({"case": case.pk, "number": case.number, "status": case.status})


# --- exception grants -------------------------------------------------------------------------


class CaseGrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    user = serializers.CharField(source="user.username")
    reason = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    granted_by = serializers.CharField(source="granted_by.username", allow_null=True, default=None)
    ended_at = serializers.DateTimeField(allow_null=True)
    in_force = serializers.SerializerMethodField()

    def get_in_force(self, grant: Any) -> bool:
        from django.utils import timezone

        return bool(grant.in_force(timezone.localdate()))


class CaseGrantCreateSerializer(serializers.Serializer):
    user = serializers.CharField(help_text="Username of the member of staff.")
    reason = serializers.CharField()
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField()


class SharedCaseSerializer(serializers.Serializer):
    grant = serializers.IntegerField(source="pk")
    reason = serializers.CharField()
    ends_on = serializers.DateField()
    case = serializers.SerializerMethodField()

    def get_case(self, grant: Any) -> dict[str, Any]:
        case = grant.case
        return {
            "id": case.pk,
            "number": case.number,
            "title": case.title,
            "status": case.status,
            "division": case.division_id,
            "subject": {"id": case.subject_id, "name": case.subject.name},
        }


class CaseGrantListView(APIView):
    """``GET``: the case's exception grants; ``POST``: share the case with one user for a period
    (security administrators of the case's jurisdiction: 404 outside it, 403 for anyone else)."""

    @extend_schema(responses={200: CaseGrantSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        case = queries.access_case(request.user, pk, codename=GRANT_ROLES)
        return Response(CaseGrantSerializer(queries.grants_of(case), many=True).data)

    @extend_schema(request=CaseGrantCreateSerializer, responses={201: CaseGrantSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = queries.access_case(request.user, pk, codename=GRANT_ROLES)
        serializer = CaseGrantCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        grantee = User.objects.filter(username=data["user"].strip()).first()
        if grantee is not None and grantee.pk == request.user.pk:
            raise PermissionDenied(_("You cannot give yourself an exception; another security administrator must."))
        grant = actions.do_grant_case_access(
            case,
            user=grantee,
            reason=data["reason"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            actor=request.user,
        )
        return Response(CaseGrantSerializer(grant).data, status=201)


class CaseGrantEndView(APIView):
    """``POST``: end the exception now; access stops with the next request (409 if ended already)."""

    @extend_schema(request=None, responses={200: CaseGrantSerializer})
    def post(self, request: Request, pk: int, grant_id: int) -> Response:
        case = queries.access_case(request.user, pk, codename=GRANT_ROLES)
        grant = case.grants.filter(pk=grant_id).first()
        if grant is None:
            raise NotFound()
        return Response(CaseGrantSerializer(actions.do_end_case_grant(grant, actor=request.user)).data)


class SharedCaseListView(APIView):
    """Cases shared with the signed-in user by exception grants in force (not in ``/cases/``)."""

    @extend_schema(responses={200: SharedCaseSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(SharedCaseSerializer(queries.shared_grants(request.user), many=True).data)
