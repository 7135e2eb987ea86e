"""What each event says and where it goes by default.

Texts are English msgids rendered in the receiver's language (``User.language``; zh-Hans for
people served, who have no account). ``%(name)s`` placeholders are filled from the
notification's ``context``; a missing key renders as an empty string. Contexts carry case
numbers, dates and counts only: never names, ID numbers or other personal details, and the
SMS texts carry none at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Event


@dataclass(frozen=True)
class EventSpec:
    title: Promise
    body: Promise
    sms: Promise
    email: bool = False  # default for the email channel (in-app is on by default, SMS off)
    batched: bool = False  # coalesced in the bell and sent by email in batches


SMS_GENERIC = _("【Veterans Affairs】You have a new notification in Laurel. Please sign in to read it.")

EVENTS: dict[str, EventSpec] = {
    Event.TASK_ASSIGNED: EventSpec(
        title=_("Task assigned to you: case %(case)s"),
        body=_("You have been given the task “%(step)s” of case %(case)s."),
        sms=SMS_GENERIC,
        email=True,
    ),
    Event.TASK_QUEUED: EventSpec(
        title=_("New tasks in your queue: %(count)s"),
        body=_("%(count)s new tasks are waiting in your queue, the latest for case %(case)s (%(step)s)."),
        sms=SMS_GENERIC,
        email=True,
        batched=True,
    ),
    Event.CASE_RETURNED: EventSpec(
        title=_("Case %(case)s was returned for correction"),
        body=_("Case %(case)s was returned for correction. Reason: %(reason)s"),
        sms=SMS_GENERIC,
        email=True,
    ),
    Event.CASE_DECIDED: EventSpec(
        title=_("Decision on case %(case)s: %(outcome)s"),
        body=_("A decision was made on case %(case)s: %(outcome)s."),
        sms=SMS_GENERIC,
    ),
    Event.LETTER_READY: EventSpec(
        title=_("Decision letter ready: case %(case)s"),
        body=_("The decision letter of case %(case)s is ready."),
        sms=_(
            "【Veterans Affairs】Your application has been decided and the decision letter is ready. "
            "Please bring your identity document to the county bureau to collect it."
        ),
    ),
    Event.SLA_APPROACHING: EventSpec(
        title=_("Due soon: case %(case)s"),
        body=_("The step “%(step)s” of case %(case)s is due on %(due)s (%(days)s working days left)."),
        sms=SMS_GENERIC,
    ),
    Event.SLA_OVERDUE: EventSpec(
        title=_("Overdue: case %(case)s"),
        body=_("The step “%(step)s” of case %(case)s was due on %(due)s and is overdue."),
        sms=SMS_GENERIC,
        email=True,
    ),
    Event.CASE_ESCALATED: EventSpec(
        title=_("Escalated to you: overdue case %(case)s"),
        body=_("Case %(case)s has been overdue since %(due)s at the step “%(step)s” and is escalated to you."),
        sms=SMS_GENERIC,
        email=True,
    ),
    Event.IMPORT_FINISHED: EventSpec(
        title=_("Import finished: %(name)s"),
        body=_("The import %(name)s finished: %(ok)s rows loaded, %(errors)s rows with errors."),
        sms=SMS_GENERIC,
        email=True,
    ),
    Event.CROSSCHECK_FINISHED: EventSpec(
        title=_("Cross-check finished: %(name)s"),
        body=_("The cross-check %(name)s finished with %(problems)s problems found."),
        sms=SMS_GENERIC,
        email=True,
    ),
    Event.DIGEST: EventSpec(
        title=_("Your notifications: %(count)s new"),
        body=_("%(count)s notifications since the last digest:"),
        sms=SMS_GENERIC,
    ),
}

# Events a user may set preferences for (the digest itself is not one).
PREFERENCE_EVENTS = [e for e in Event if e != Event.DIGEST]


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


STEP_LABELS = {
    "intake": _("intake review"),
    "correct": _("correction"),
    "approve": _("approval"),
}


def _labels(context: dict[str, Any]) -> dict[str, Any]:
    """Codes in the context (step, outcome) shown as words of the current language."""
    from cases.models import Outcome
    from jurisdictions.models import Department

    shown = dict(context)
    step = str(context.get("step", ""))
    if step.startswith("verify_") and step.removeprefix("verify_") in Department.values:
        shown["step"] = _("verification by %(department)s") % {
            "department": Department(step.removeprefix("verify_")).label
        }
    elif step in STEP_LABELS:
        shown["step"] = STEP_LABELS[step]
    outcome = context.get("outcome", "")
    if outcome in Outcome.values:
        shown["outcome"] = Outcome(outcome).label
    return shown


def _fill(template: Promise, context: dict[str, Any]) -> str:
    try:
        return str(template) % _Blank(_labels(context))
    except (TypeError, ValueError):
        return str(template)


def render(event: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """``(title, body)`` of ``event`` in ``language``."""
    spec = EVENTS[event]
    with translation.override(language):
        return _fill(spec.title, context), _fill(spec.body, context)


def render_sms(event: str, context: dict[str, Any], language: str) -> str:
    """The SMS text: fixed wording, no personal details (and no placeholders at all)."""
    with translation.override(language):
        return str(EVENTS[event].sms)


def label(event: str) -> str:
    return str(Event(event).label) if event in Event.values else event
