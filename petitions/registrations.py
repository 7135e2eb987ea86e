"""What petitions registers with the apps below it (called from ``PetitionsConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "petition.registered": _("Grievance registered"),
    "petition.accepted": _("Grievance accepted"),
    "petition.not_accepted": _("Grievance not accepted"),
    "petition.refused": _("Refused by a rule of the 信访工作条例"),
    "petition.extension_requested": _("Extension requested"),
    "petition.extension_approved": _("Extension approved"),
    "petition.extension_refused": _("Extension refused"),
    "petition.clock_paused": _("Clock paused"),
    "petition.clock_resumed": _("Clock resumed"),
    "petition.decided": _("Handling opinion decided"),
    "petition.reported_upward": _("Reported to the levels above"),
    "petition.hearing_scheduled": _("Hearing scheduled"),
    "petition.hearing_recorded": _("Hearing record attached"),
    "petition.agreement": _("Agreement recorded"),
    "petition.supervision_issued": _("Supervision order issued (督办)"),
    "petition.supervision_reported": _("Supervision order reported on"),
    "petition.supervision_urged": _("Reminder sent (催办通知书)"),
    "petition.supervision_circulated": _("Overdue supervision order circulated (通报)"),
    "petition.collected": _("Opened from grievances recorded at collection"),
    "petition.rectification_opened": _("Poor rating: rectification opened (整改)"),
    "petition.rectified": _("Rectification reported"),
    "petition.rectification_rejected": _("Rectification rated poorly"),
    "petition.reopened": _("Reopened as a new grievance"),
    "petition.review_advised": _("Petitioner told of the review (复查)"),
    "petition.suggestion_recorded": _("Suggestion recorded (Art. 41)"),
    "petition.suggestion_answered": _("Answer to a suggestion recorded"),
    "petition.forwarded": _("Grievance forwarded (转送、交办)"),
    "petition.acknowledged": _("Grievance signed for (签收)"),
    "petition.objected": _("Objection raised by the receiving body"),
    "petition.objection_agreed": _("Objection agreed: materials returned"),
    "petition.dispute_referred": _("Dispute referred to the common superior"),
    "petition.designated": _("Body designated to handle the grievance"),
    "petition.review_requested": _("Review (复查) or re-review (复核) requested"),
    "petition.review_answered": _("Review (复查) or re-review (复核) answered"),
    "petition.sent_back": _("Opinion set aside: sent back to be handled again (重新办理)"),
}


def register() -> None:
    _register_supervision()
    from viewflow.workflow.fields import get_task_ref

    from cases import extensions
    from cases.nodes import ExtraNode, register_node
    from notifications.events import EventSpec, register_event

    from . import api, letters, nodes, policy
    from .actions import MAJOR_EVENT
    from .flows import PetitionFlow

    for name in nodes.PERMISSIONS:
        if name in nodes.REVIEW_NODES or name == nodes.RECTIFY:
            continue  # ReviewFlow's and RectificationFlow's steps, registered below
        register_node(
            ExtraNode(
                name=name,
                flow_task=get_task_ref(getattr(PetitionFlow, name)),
                codename=nodes.PERMISSIONS[name],
                label=nodes.LABELS[name],
                at_body=name in nodes.AT_BODY,
            )
        )
    from .flows import ReviewFlow
    from .reviews import review_body_of

    for name in nodes.REVIEW_NODES:
        # Worked by the body at the level above (the reviewing body), not the case's division.
        register_node(
            ExtraNode(
                name=name,
                flow_task=get_task_ref(getattr(ReviewFlow, name)),
                codename=nodes.PERMISSIONS[name],
                label=nodes.LABELS[name],
                division_of=review_body_of,
                division_path="process__data__division",
            )
        )
    from .flows import RectificationFlow

    register_node(
        ExtraNode(
            name=nodes.RECTIFY,
            flow_task=get_task_ref(RectificationFlow.petition_rectify),
            codename=nodes.PERMISSIONS[nodes.RECTIFY],
            label=nodes.LABELS[nodes.RECTIFY],
        )
    )
    from . import rectification

    extensions.register_rating_rules(next_round=rectification.next_round, rated=rectification.on_rating)
    letters.register()
    for transition in api.TRANSITIONS:
        extensions.register_transition(transition)
    extensions.register_detail_field("petition", api.petition_field)
    extensions.register_detail_field("deadlines", api.deadlines_field)
    extensions.register_detail_field("clock", api.clock_field)
    extensions.register_detail_field("handling_bodies", api.bodies_field)
    extensions.register_detail_field("routing", api.routing_field)
    extensions.register_detail_field("appeal", api.appeal_field)
    extensions.register_detail_field("petitioners", api.petitioners_field)
    extensions.register_hider(policy.hides, policy.hidden_q)
    extensions.register_cached_keys(policy.accused_keys)
    extensions.register_event_labels(EVENT_LABELS)

    from django.urls import reverse

    from core import panels
    from policies.calendar import register_recompute
    from policies.citations import register_document

    from . import views
    from .actions import CITING_DECISION, CITING_REFUSAL, recompute_due_dates

    # The grievances' refusals and decisions cite the policy base (the page of repealed citations).
    register_document(
        CITING_DECISION, _("Grievance decision (信访处理意见书)"), lambda pk: reverse("cases:detail", args=[pk])
    )
    register_document(
        CITING_REFUSAL, _("Grievance not accepted (不予受理告知书)"), lambda pk: reverse("cases:detail", args=[pk])
    )
    from .reviews import CITING_RE_REVIEW, CITING_REVIEW, REDO_EVENT

    register_document(
        CITING_REVIEW, _("Grievance review opinion (复查意见书)"), lambda pk: reverse("cases:detail", args=[pk])
    )
    register_document(
        CITING_RE_REVIEW, _("Grievance re-review opinion (复核意见书)"), lambda pk: reverse("cases:detail", args=[pk])
    )
    # A year loaded or a day overridden: the open grievances' due dates follow the calendar.
    register_recompute("petitions", recompute_due_dates)

    panels.register(panels.CASE, panels.Panel("petition", "petitions/panels/case.html", views.case_panel, order=10))
    from .supervision import orders_to_report

    # 督办 orders waiting for the supervised body's report, with their deadlines, on the workbench (each
    # report is also a step in the team queue: core.steps kind ``supervision_report``).
    panels.register(
        panels.WORKBENCH,
        panels.Panel("supervision-orders", "petitions/panels/orders_to_report.html", orders_to_report, order=35),
    )
    panels.register(
        panels.WORKBENCH_ACTIONS,
        panels.Panel("register-petition", "petitions/panels/register_button.html", views.register_button, order=110),
    )
    panels.register(
        panels.SUBJECT_ACTIONS,
        panels.Panel(
            "register-petition",
            "petitions/panels/subject_register_button.html",
            views.subject_register_button,
            order=110,
        ),
    )
    register_event(
        REDO_EVENT,
        EventSpec(
            label=_("A review set aside your body's handling opinion: handle the grievance again (重新办理)"),
            title=_("Handle again: case %(case)s"),
            body=_(
                "%(body)s set aside the handling opinion of case %(case)s: %(division)s handles it again and"
                " answers by %(deadline)s."
            ),
            email=True,
        ),
    )
    register_event(
        MAJOR_EVENT,
        EventSpec(
            label=_("A major or urgent grievance was reported upward"),
            title=_("Major or urgent grievance: case %(case)s"),
            body=_(
                "Case %(case)s was registered as a major or urgent matter and is reported to %(division)s (Art. 25)."
            ),
            email=True,
        ),
    )


def _register_supervision() -> None:
    """督办: the daily scan (催办 and 通报) and the notifications of an order's life."""
    import datetime

    from django.conf import settings

    from core import steps
    from core.jobs import PeriodicJob, register_periodic
    from jurisdictions.perms import HANDLE_CASES
    from notifications.events import EventSpec, register_event

    from . import rating_invites, supervision

    # The supervised body's completion report: a step listed with its caseworkers' tasks (core.steps).
    steps.register(
        steps.StepKind(
            name=supervision.REPORT_STEP,
            codename=HANDLE_CASES,
            label=_("Supervision order (督办): file the completion report"),
            title=supervision.step_title,
            url=supervision.step_url,
        )
    )
    register_periodic(
        PeriodicJob(
            "scan_supervision",
            "petitions.tasks.scan_supervision",
            daily_at=lambda: datetime.time.fromisoformat(getattr(settings, "LAUREL_SUPERVISION_SCAN_AT", "07:00")),
        )
    )
    register_event(
        rating_invites.EVENT,
        EventSpec(
            label=_("A petitioner is invited to rate the handling of their grievance"),
            title=_("Grievance %(case)s decided: rate the handling"),
            body=_("The petitioner of grievance %(case)s was texted a link to rate the handling."),
            sms=_(
                "【Veterans Affairs】Your grievance %(case)s has been decided. Please rate how it was handled at "
                "%(link)s with query code %(code)s."
            ),
            preference=False,
        ),
    )
    register_event(
        supervision.ISSUED_EVENT,
        EventSpec(
            label=_("A supervision order (督办) was issued to your body"),
            title=_("Supervision order %(order)s"),
            body=_("Supervision order %(order)s was issued to %(division)s; report by %(deadline)s."),
            email=True,
        ),
    )
    register_event(
        supervision.REPORTED_EVENT,
        EventSpec(
            label=_("A supervised body reported on a supervision order"),
            title=_("Supervision order %(order)s reported on"),
            body=_("%(division)s filed its completion report on supervision order %(order)s."),
        ),
    )
    register_event(
        supervision.URGED_EVENT,
        EventSpec(
            label=_("Reminder of an overdue supervision order (催办通知书)"),
            title=_("催办通知书: supervision order %(order)s"),
            body=_(
                "Supervision order %(order)s to %(division)s was due on %(deadline)s and has no completion report:"
                " report at once."
            ),
            email=True,
        ),
    )
    register_event(
        supervision.CIRCULATED_EVENT,
        EventSpec(
            label=_("An overdue supervision order was circulated (通报)"),
            title=_("通报: supervision order %(order)s"),
            body=_("Supervision order %(order)s to %(division)s, due on %(deadline)s, is still without a report."),
            email=True,
        ),
    )
