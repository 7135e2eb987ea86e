"""API of grievances: registration, the case's transitions (registered with ``cases.extensions``) and
what the case detail shows of a grievance (deadlines, clock, handling bodies).

The transitions are ``POST /api/v1/cases/{id}/transitions/{name}/`` (``cases.api``): each handler
here authorises (404 outside or hidden, 403 not this person's step) and calls one action.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import CaseDetailSerializer
from cases.extensions import Transition
from core.validators import no_invisible_characters
from jurisdictions.perms import HANDLE_CASES

from . import actions, deadlines, handlers
from .models import Bounce, Channel, Opinion, PetitionField, ReviewLevel, ReviewOutcome
from .queries import bounce_counts, petition_of

TEXT_LIMIT = 5000
NOTE_LIMIT = 2000

ERRORS = {
    400: OpenApiResponse(description="Field messages naming the field (and the article of a rule); nothing saved."),
    403: OpenApiResponse(description="Visible, but not this person's step."),
    404: OpenApiResponse(description="Outside the jurisdiction, or hidden from this person (Art. 30)."),
    409: OpenApiResponse(description="A lost race, or a step the grievance is no longer at."),
}


def _citations() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=50,
        help_text="Ids of articles of the policy base (/api/v1/policy-articles/), in force and not repealed.",
    )


# --- transitions -------------------------------------------------------------------------------


class AcceptRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


class RefuseRequestSerializer(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    citations = _citations()


class ExtendRequestSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text="At most 30 (Art. 34); one extension per grievance.")
    reason = serializers.CharField(allow_blank=True, max_length=NOTE_LIMIT)


class ApproveExtensionRequestSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


class ClockRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=NOTE_LIMIT)


class DecideRequestSerializer(serializers.Serializer):
    opinion = serializers.ChoiceField(choices=Opinion.choices)
    facts = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    reasons = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    citations = _citations()


class HearingRequestSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField()
    place = serializers.CharField(allow_blank=True, max_length=200)
    participants = serializers.CharField(allow_blank=True, max_length=NOTE_LIMIT)


class AgreementRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[actions.MEDIATION, actions.SETTLEMENT])
    terms = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    parties = serializers.CharField(allow_blank=True, max_length=NOTE_LIMIT)


class ForwardRequestSerializer(serializers.Serializer):
    division = serializers.CharField(
        max_length=12, help_text="The receiving (lead, 主办) body: a division below yours holding the case's division."
    )
    assisting = serializers.ListField(
        child=serializers.CharField(max_length=12),
        required=False,
        default=list,
        max_length=20,
        help_text="Assisting bodies (协办, Art. 24): divisions below yours.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


class ObjectRequestSerializer(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT, help_text="Detailed reasons (Art. 23).")
    proposed = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=12, help_text="The body held competent (optional)."
    )


class NoteRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


class DesignateRequestSerializer(serializers.Serializer):
    division = serializers.CharField(max_length=12, help_text="The designated body: it cannot object (Art. 23).")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


class RequestReviewRequestSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=ReviewLevel.choices, help_text="复查 (Art. 35) first, then 复核 (Art. 36); a 复核 is final."
    )
    grounds = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    requested_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The day the request was received (today if null)."
    )


class AnswerReviewRequestSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    facts = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    reasons = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    citations = _citations()


class RectifyRequestSerializer(serializers.Serializer):
    report = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT, help_text="What was put right (整改).")


class FollowupRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_LIMIT)


REQUESTS = {
    "accept": AcceptRequestSerializer,
    "refuse": RefuseRequestSerializer,
    "extend": ExtendRequestSerializer,
    "approve_extension": ApproveExtensionRequestSerializer,
    "pause_clock": ClockRequestSerializer,
    "resume_clock": ClockRequestSerializer,
    "decide": DecideRequestSerializer,
    "schedule_hearing": HearingRequestSerializer,
    "record_agreement": AgreementRequestSerializer,
    "forward": ForwardRequestSerializer,
    "acknowledge": AcceptRequestSerializer,
    "object": ObjectRequestSerializer,
    "agree_objection": NoteRequestSerializer,
    "refer_dispute": NoteRequestSerializer,
    "designate": DesignateRequestSerializer,
    "request_review": RequestReviewRequestSerializer,
    "answer_review": AnswerReviewRequestSerializer,
    "rectify": RectifyRequestSerializer,
    "reopen": FollowupRequestSerializer,
    "advise_review": FollowupRequestSerializer,
}
TRANSITIONS = [Transition(name, REQUESTS[name], handlers.HANDLERS[name]) for name in handlers.NAMES]


# --- what the case detail shows ------------------------------------------------------------------


class LimitSerializer(serializers.Serializer):
    date = serializers.DateField()
    provisional = serializers.BooleanField(help_text="暂按: the calendar of a year it touches is not loaded yet.")


def _limit(limit: Any) -> dict[str, Any] | None:
    return {"date": limit.date.isoformat(), "provisional": limit.provisional} if limit is not None else None


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


_datetime = serializers.DateTimeField()


class DeadlinesSerializer(serializers.Serializer):
    accept_by = LimitSerializer()
    handle_by = LimitSerializer(allow_null=True)
    extended_to = LimitSerializer(allow_null=True)
    review_request_by = LimitSerializer(allow_null=True)

    def to_representation(self, case: Any) -> Any:
        petition = petition_of(case)
        if petition is None:
            return None
        limits = deadlines.deadlines_of(petition)
        return {
            "accept_by": _limit(limits.accept_by),
            "handle_by": _limit(limits.handle_by),
            "extended_to": _limit(limits.extended_to),
            "review_request_by": _limit(limits.review_request_by),
        }


class ClockSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["waiting", "running", "paused", "stopped"])
    paused_since = serializers.DateField(allow_null=True)
    pause_reason = serializers.CharField(allow_blank=True)
    paused_days = serializers.IntegerField()
    extension_days = serializers.IntegerField()
    extension_reason = serializers.CharField(allow_blank=True)
    requested_extension_days = serializers.IntegerField()

    def to_representation(self, case: Any) -> Any:
        petition = petition_of(case)
        if petition is None:
            return None
        if petition.paused_since is not None:
            state = "paused"
        elif petition.accepted_on is None and petition.stage == "registered":
            state = "waiting"
        elif petition.stage in ("handling", "extension_requested"):
            state = "running"
        else:
            state = "stopped"
        return {
            "state": state,
            "paused_since": _day(petition.paused_since),
            "pause_reason": petition.pause_reason,
            "paused_days": petition.paused_days,
            "extension_days": petition.extension_days,
            "extension_reason": petition.extension_reason,
            "requested_extension_days": petition.requested_extension_days,
        }


class BodySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class BodiesSerializer(serializers.Serializer):
    lead = BodySerializer()
    assisting = BodySerializer(many=True)

    def to_representation(self, case: Any) -> Any:
        petition = petition_of(case)
        if petition is None:
            return None
        from jurisdictions.models import Division

        names = dict(
            Division.objects.filter(code__in=[petition.lead_division_id, *petition.assisting]).values_list(
                "code", "name"
            )
        )
        return {
            "lead": {"code": petition.lead_division_id, "name": names.get(petition.lead_division_id, "")},
            "assisting": [{"code": c, "name": names.get(c, "")} for c in petition.assisting],
        }


class BounceSerializer(serializers.Serializer):
    body = BodySerializer()
    kind = serializers.ChoiceField(choices=Bounce.Kind.choices)
    on = serializers.DateField()


class RoutingSerializer(serializers.Serializer):
    routing_body = BodySerializer(allow_null=True, help_text="The body that forwarded the matter.")
    receiving_body = BodySerializer(allow_null=True, help_text="The body it was forwarded or designated to.")
    forwarded_on = serializers.DateField(allow_null=True)
    acknowledged_on = serializers.DateField(allow_null=True, help_text="签收: the handling clock starts.")
    acknowledge_by = LimitSerializer(allow_null=True)
    object_by = LimitSerializer(allow_null=True, help_text="Objection window (Art. 23); null once designated.")
    designated = serializers.BooleanField(help_text="Designated: the body cannot object or return it.")
    objected_on = serializers.DateField(allow_null=True)
    objection_reasons = serializers.CharField(allow_blank=True)
    proposed_body = BodySerializer(allow_null=True)
    dispute_body = BodySerializer(allow_null=True, help_text="The common superior settling a dispute (Art. 24).")
    bounces = BounceSerializer(many=True, help_text="This matter's bounces, each counted against its body.")
    receiving_body_bounces = serializers.IntegerField(help_text="All bounces counted against the receiving body.")

    def to_representation(self, case: Any) -> Any:
        petition = petition_of(case)
        if petition is None:
            return None
        from jurisdictions.models import Division

        bounces = list(petition.bounces.all())
        codes = {
            petition.routing_division_id,
            petition.receiving_division_id,
            petition.proposed_division_id,
            petition.dispute_division_id,
            *(b.division_id for b in bounces),
        } - {None}
        names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))

        def body(code: str | None) -> dict[str, str] | None:
            return {"code": code, "name": names.get(code, "")} if code else None

        receiving = petition.receiving_division_id
        return {
            "routing_body": body(petition.routing_division_id),
            "receiving_body": body(receiving),
            "forwarded_on": _day(petition.forwarded_on),
            "acknowledged_on": _day(petition.acknowledged_on),
            "acknowledge_by": _limit(deadlines.acknowledge_by(petition)),
            "object_by": _limit(deadlines.object_by(petition)),
            "designated": petition.designated,
            "objected_on": _day(petition.objected_on),
            "objection_reasons": petition.objection_reasons,
            "proposed_body": body(petition.proposed_division_id),
            "dispute_body": body(petition.dispute_division_id),
            "bounces": [{"body": body(b.division_id), "kind": b.kind, "on": _day(b.on)} for b in bounces],
            "receiving_body_bounces": bounce_counts([receiving]).get(receiving, {}).get("total", 0) if receiving else 0,
        }


def routing_field() -> Any:
    return RoutingSerializer(
        source="*", read_only=True, allow_null=True, help_text="Forwarding, 签收, objection and designation."
    )


class BodyBouncesSerializer(serializers.Serializer):
    body = BodySerializer()
    returned = serializers.IntegerField(help_text="Objections agreed: the materials went back.")
    redirected = serializers.IntegerField(help_text="Objections after which another body was designated.")
    lapsed = serializers.IntegerField(help_text="Not signed for in time: another body designated.")
    total = serializers.IntegerField()


class BounceListView(APIView):
    """``GET /api/v1/petitions/bounces/``: the bodies in the user's jurisdiction with bounces counted against them."""

    @extend_schema(responses={200: BodyBouncesSerializer(many=True), 403: ERRORS[403]})
    def get(self, request: Request) -> Response:
        from .queries import bounce_table

        return Response(BodyBouncesSerializer(bounce_table(request.user), many=True).data)


class CitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document = serializers.CharField()
    number = serializers.CharField()
    version = serializers.IntegerField()
    is_summary = serializers.BooleanField()


class HearingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField()
    participants = serializers.CharField()
    record = serializers.IntegerField(allow_null=True, source="record_id")


class PetitionSerializer(serializers.Serializer):
    stage = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    reference_number = serializers.CharField(allow_blank=True)
    received_on = serializers.DateField()
    registered_on = serializers.DateField()
    request = serializers.CharField()
    facts = serializers.CharField()
    reasons = serializers.CharField()
    repeat_of = serializers.CharField(allow_null=True, help_text="The number of the matter raised again (Art. 19).")
    confidential = serializers.BooleanField()
    accused_division = serializers.CharField(allow_null=True)
    major = serializers.BooleanField()
    field = serializers.ChoiceField(choices=PetitionField.choices)
    respondent = serializers.CharField(allow_blank=True)
    accepted_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
    opinion = serializers.CharField(allow_blank=True)
    decision_facts = serializers.CharField(allow_blank=True)
    decision_reasons = serializers.CharField(allow_blank=True)
    citations = CitationSerializer(many=True)
    refusal_citations = CitationSerializer(many=True)
    hearings = HearingSerializer(many=True)
    reported_to = serializers.ListField(child=serializers.CharField(), help_text="Levels notified (Art. 25).")

    def to_representation(self, case: Any) -> Any:
        p = petition_of(case)
        if p is None:
            return None

        def cites(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            keys = ("id", "document", "number", "version", "is_summary")
            return [{k: row.get(k) for k in keys} for row in rows]

        return {
            "stage": p.stage,
            "channel": p.channel,
            "reference_number": p.reference_number,
            "received_on": _day(p.received_on),
            "registered_on": _day(p.registered_on),
            "request": p.request,
            "facts": p.facts,
            "reasons": p.reasons,
            "repeat_of": p.repeat_of.number if p.repeat_of_id and p.repeat_of else None,
            "confidential": p.confidential,
            "accused_division": p.accused_division_id,
            "field": p.field,
            "respondent": p.respondent,
            "major": p.major,
            "accepted_on": _day(p.accepted_on),
            "decided_on": _day(p.decided_on),
            "opinion": p.opinion,
            "decision_facts": p.decision_facts,
            "decision_reasons": p.decision_reasons,
            "citations": cites(p.citations),
            "refusal_citations": cites(p.refusal_citations),
            "hearings": [
                {
                    "id": h.pk,
                    "held_at": _datetime.to_representation(h.held_at),
                    "place": h.place,
                    "participants": h.participants,
                    "record": h.record_id,
                }
                for h in p.hearings.all()
            ],
            "reported_to": list(p.upward_reports.values_list("division_id", flat=True)),
        }


def petition_field() -> Any:
    return PetitionSerializer(source="*", read_only=True, allow_null=True, help_text="The grievance (null otherwise).")


def deadlines_field() -> Any:
    return DeadlinesSerializer(source="*", read_only=True, allow_null=True, help_text="A grievance's statutory limits.")


def clock_field() -> Any:
    return ClockSerializer(source="*", read_only=True, allow_null=True, help_text="A grievance's handling clock.")


def bodies_field() -> Any:
    return BodiesSerializer(source="*", read_only=True, allow_null=True, help_text="Lead (主办) and assisting (协办).")


class ReviewSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=ReviewLevel.choices)
    body = BodySerializer()
    requested_on = serializers.DateField()
    grounds = serializers.CharField()
    answer_by = LimitSerializer()
    answered_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField(allow_blank=True)
    facts = serializers.CharField(allow_blank=True)
    reasons = serializers.CharField(allow_blank=True)
    citations = CitationSerializer(many=True)


class AppealSerializer(serializers.Serializer):
    reviews = ReviewSerializer(many=True)
    next_level = serializers.CharField(allow_null=True, help_text="What may be requested now (null: nothing).")
    request_by = LimitSerializer(allow_null=True, help_text="The end of its 30-day window.")
    next_body = BodySerializer(allow_null=True)
    final = serializers.BooleanField(help_text="复核 answered: the same request is not accepted again (Art. 36).")

    def to_representation(self, case: Any) -> Any:
        from .reviews import answer_by, appeal_of

        petition = petition_of(case)
        if petition is None:
            return None
        appeal = appeal_of(petition)
        keys = ("id", "document", "number", "version", "is_summary")
        rows = [r for r in (appeal.review, appeal.re_review) if r is not None]
        return {
            "reviews": [
                {
                    "level": r.level,
                    "body": {"code": r.body_id, "name": r.body.name},
                    "requested_on": _day(r.requested_on),
                    "grounds": r.grounds,
                    "answer_by": _limit(answer_by(r)),
                    "answered_on": _day(r.answered_on),
                    "outcome": r.outcome,
                    "facts": r.facts,
                    "reasons": r.reasons,
                    "citations": [{k: c.get(k) for k in keys} for c in r.citations],
                }
                for r in rows
            ],
            "next_level": appeal.next_level,
            "request_by": _limit(appeal.request_by),
            "next_body": {"code": appeal.next_body.code, "name": appeal.next_body.name} if appeal.next_body else None,
            "final": appeal.final,
        }


class PetitionerSerializer(serializers.Serializer):
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    subject = serializers.IntegerField(allow_null=True, help_text="The person of the register, when known.")
    representative = serializers.BooleanField()

    def to_representation(self, row: Any) -> Any:
        return {
            "name": row.name,
            "id_number_masked": row.id_number_masked,
            "subject": row.subject_id,
            "representative": row.representative,
        }


class PetitionersSerializer(serializers.ListSerializer):
    child = PetitionerSerializer()

    def to_representation(self, case: Any) -> Any:
        petition = petition_of(case)
        if petition is None:
            return None
        return [self.child.to_representation(row) for row in petition.petitioners.all()]


def appeal_field() -> Any:
    return AppealSerializer(
        source="*", read_only=True, allow_null=True, help_text="复查 and 复核 of a grievance (Arts. 35–36)."
    )


def petitioners_field() -> Any:
    return PetitionersSerializer(
        source="*",
        read_only=True,
        allow_null=True,
        child=PetitionerSerializer(),
        help_text="A group petition's petitioners (empty for one person; Art. 20).",
    )


# --- registration ------------------------------------------------------------------------------


class PetitionerInputSerializer(serializers.Serializer):
    subject = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A person of the register."
    )
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    id_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=18, help_text="Checked; kept masked and indexed only."
    )
    representative = serializers.BooleanField(required=False, default=False)


class RegisterSerializer(serializers.Serializer):
    subject = serializers.IntegerField(help_text="The petitioner, a person of the register.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    reference_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    received_on = serializers.DateField(required=False, allow_null=True, default=None)
    title = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, validators=[no_invisible_characters]
    )
    request = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    facts = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    reasons = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    confidential = serializers.BooleanField(required=False, default=False)
    accused_division = serializers.CharField(required=False, allow_blank=True, default="", max_length=12)
    major = serializers.BooleanField(required=False, default=False)
    accept_now = serializers.BooleanField(
        required=False, default=False, help_text="Accept at once, within the registering body's own remit."
    )
    field = serializers.ChoiceField(
        choices=PetitionField.choices,
        required=False,
        default=PetitionField.OTHER,
        help_text="The field the matter concerns (涉及领域), counted in the annual petition report.",
    )
    respondent = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        validators=[no_invisible_characters],
        help_text="The body complained about, as the petitioner names it.",
    )
    petitioners = serializers.ListField(
        child=PetitionerInputSerializer(),
        required=False,
        default=list,
        max_length=500,
        help_text="A group petition's other petitioners (集体访); omitted for one person.",
    )
    representative = serializers.BooleanField(
        required=False, default=True, help_text="In a group: the person above is a representative (at most 5, Art. 20)."
    )


class PetitionRegisterView(APIView):
    @extend_schema(
        request=RegisterSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        from cases.policy import require_not_own_subject
        from cases.queries import access_case
        from subjects.queries import access_subject

        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        subject = access_subject(request.user, data.pop("subject"), codename=HANDLE_CASES)
        require_not_own_subject(request.user, subject, action="register")
        from .groups import Named

        data["petitioners"] = [
            Named(
                subject=access_subject(request.user, row["subject"]) if row.get("subject") else None,
                name=row.get("name", ""),
                id_number=row.get("id_number", ""),
                representative=row.get("representative", False),
            )
            for row in data.get("petitioners", [])
        ]
        case = actions.do_register_petition(subject, actor=request.user, **data)
        return Response(CaseDetailSerializer(access_case(request.user, case.pk)).data, status=201)
