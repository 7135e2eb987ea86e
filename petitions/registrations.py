"""What petitions registers with the apps below it (called from ``PetitionsConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


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
