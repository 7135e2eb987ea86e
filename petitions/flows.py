"""A grievance's process: acceptance (受理) → handling (办理) ⇄ the head's approval of an extension → end;
or, from acceptance, forwarding (转送、交办) → the receiving body's 签收 (handling) or objection →
the routing body agrees (back to acceptance), designates a body (签收 again, no objection) or
refers a dispute to the bodies' common superior, which designates. A second start (``redo``) opens the
handling again when a 复查 or 复核 changed or revoked the opinion (``petitions.reviews``).

Thin on purpose, as ``workflows.flows.CaseFlow``: the human tasks are completed headlessly by
``petitions.actions`` (which lock the case, check the petition's stage and audit); the gateways
only read the petition's stage.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation

from cases.models import Case

from .models import Petition, Stage


def not_served(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """viewflow's own task pages are not mounted: tasks are worked through Laurel's pages and API."""
    raise Http404


def stage_of(activation: Activation) -> str:
    return Petition.objects.values_list("stage", flat=True).get(case__process_id=activation.process.pk)


class PetitionFlow(flow.Flow):
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_petition).Next(this.petition_accept)
    # A 复查 or 复核 changed or revoked the opinion: the body that answered handles the matter again (重新办理).
    redo = flow.StartHandle(this.start_redo).Next(this.petition_handle)
    petition_accept = flow.View(not_served).Next(this.after_accept)
    # One gateway after every step of acceptance and routing: the next step follows the petition's stage.
    after_accept = (
        flow.Switch()
        .Case(this.petition_handle, lambda a: stage_of(a) == Stage.HANDLING)
        .Case(this.petition_acknowledge, lambda a: stage_of(a) == Stage.FORWARDED)
        .Case(this.petition_objection, lambda a: stage_of(a) == Stage.OBJECTED)
        .Case(this.petition_dispute, lambda a: stage_of(a) == Stage.DISPUTED)
        .Case(this.petition_accept, lambda a: stage_of(a) == Stage.REGISTERED)
        .Default(this.end)
    )
    petition_acknowledge = flow.View(not_served).Next(this.after_accept)
    petition_objection = flow.View(not_served).Next(this.after_accept)
    petition_dispute = flow.View(not_served).Next(this.after_accept)
    petition_handle = flow.View(not_served).Next(this.after_handle)
    after_handle = (
        flow.If(lambda a: stage_of(a) == Stage.EXTENSION_REQUESTED).Then(this.petition_extension).Else(this.end)
    )
    petition_extension = flow.View(not_served).Next(this.petition_handle)
    end = flow.End()

    def start_petition(self, activation: Activation, case: Case) -> Any:
        activation.process.data = {"case_number": case.number}
        return activation.process

    def start_redo(self, activation: Activation, case: Case, review: int) -> Any:
        activation.process.data = {"case_number": case.number, "redo_after_review": review}
        return activation.process


def start_petition_process(case: Case) -> Any:
    return PetitionFlow.start.run(case=case)


def start_redo_process(case: Case, *, review: int) -> Any:
    return PetitionFlow.redo.run(case=case, review=review)


def review_level_of(activation: Activation) -> str:
    return str((activation.process.data or {}).get("level", ""))


class ReviewFlow(flow.Flow):
    """A 复查 (Art. 35) or 复核 (Art. 36) of a decided grievance: one task for the body at the level above.

    Started by ``petitions.reviews.do_request_review``, which makes it the case's process (the
    petition's own process has ended with the decision); ``process.data["division"]`` is the
    reviewing body, whose holders of the permission work on the task (``cases.nodes.ExtraNode``).
    """

    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_review).Next(this.which_level)
    which_level = (
        flow.If(lambda a: review_level_of(a) == "re_review").Then(this.petition_re_review).Else(this.petition_review)
    )
    petition_review = flow.View(not_served).Next(this.end)
    petition_re_review = flow.View(not_served).Next(this.end)
    end = flow.End()

    def start_review(self, activation: Activation, case: Case, level: str, division: str) -> Any:
        activation.process.data = {"case_number": case.number, "level": level, "division": division}
        return activation.process


def start_review_process(case: Case, *, level: str, division: str) -> Any:
    return ReviewFlow.start.run(case=case, level=level, division=division)


class RectificationFlow(flow.Flow):
    """整改 after a 差评: one task for the handling body (``petitions.rectification``).

    Started by ``petitions.rectification.do_open_rectification``, which makes it the case's process (the
    petition's own process ended with the decision), as a review does.
    """

    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_rectification).Next(this.petition_rectify)
    petition_rectify = flow.View(not_served).Next(this.end)
    end = flow.End()

    def start_rectification(self, activation: Activation, case: Case) -> Any:
        activation.process.data = {"case_number": case.number}
        return activation.process


def start_rectification_process(case: Case) -> Any:
    return RectificationFlow.start.run(case=case)
