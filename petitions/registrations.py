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
    "petition.collected": _("Opened from grievances recorded at collection"),
}


def register() -> None:
    from viewflow.workflow.fields import get_task_ref

    from cases import extensions
    from cases.nodes import ExtraNode, register_node
    from notifications.events import EventSpec, register_event

    from . import api, letters, nodes, policy
    from .actions import MAJOR_EVENT
    from .flows import PetitionFlow

    for name in (nodes.ACCEPT, nodes.HANDLE, nodes.EXTENSION):
        register_node(
            ExtraNode(
                name=name,
                flow_task=get_task_ref(getattr(PetitionFlow, name)),
                codename=nodes.PERMISSIONS[name],
                label=nodes.LABELS[name],
            )
        )
    letters.register()
    for transition in api.TRANSITIONS:
        extensions.register_transition(transition)
    extensions.register_detail_field("petition", api.petition_field)
    extensions.register_detail_field("deadlines", api.deadlines_field)
    extensions.register_detail_field("clock", api.clock_field)
    extensions.register_detail_field("handling_bodies", api.bodies_field)
    extensions.register_hider(policy.hides, policy.hidden_q)
    extensions.register_event_labels(EVENT_LABELS)

    from core import panels

    from . import views

    panels.register(panels.CASE, panels.Panel("petition", "petitions/panels/case.html", views.case_panel, order=10))
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
