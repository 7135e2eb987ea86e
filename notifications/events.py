"""The registry of events: what each says and where it goes by default.

``notifications`` is a mechanism: it owns only the digest. Every other event is registered
by the app that announces it, in its ``AppConfig.ready()`` (``register_event(code, EventSpec(...))``),
with the words for its placeholders (``EventSpec.format``), so this app imports no domain app.

Texts are English msgids rendered in the receiver's language (``User.language``; zh-Hans for
people served, who have no account). ``%(name)s`` placeholders are filled from the
notification's ``context``; a missing key renders as an empty string. Contexts carry case
numbers, dates and counts only: never names, ID numbers or other personal details, and the
SMS texts carry none at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DIGEST = "digest"

SMS_GENERIC = _("【Veterans Affairs】You have a new notification in Laurel. Please sign in to read it.")

Formatter = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventSpec:
    label: str | Promise  # what the event is called on the preferences page (lazy: translated when shown)
    title: str | Promise
    body: str | Promise
    sms: str | Promise = SMS_GENERIC
    email: bool = False  # default for the email channel (in-app is on by default, SMS off)
    batched: bool = False  # coalesced in the bell and sent by email in batches
    # Codes in the context shown as words of the current language (the registering app's own).
    format: Formatter | None = None
    preference: bool = True  # users may choose how they receive it


_EVENTS: dict[str, EventSpec] = {}


def register_event(code: str, spec: EventSpec) -> None:
    """Register (or replace) the texts and defaults of the event ``code`` (max. 32 characters)."""
    if len(code) > 32:
        raise ValueError(f"event code too long: {code!r}")
    _EVENTS[code] = spec


def spec(code: str) -> EventSpec:
    try:
        return _EVENTS[code]
    except KeyError:
        raise LookupError(f"unknown notification event {code!r}: register it in its app's ready()") from None


def is_registered(code: str) -> bool:
    return code in _EVENTS


def codes() -> list[str]:
    return list(_EVENTS)


def choices() -> list[tuple[str, str]]:
    """``(code, label)`` of every registered event (the model fields' choices)."""
    return [(code, str(s.label)) for code, s in _EVENTS.items()]


def preference_events() -> list[str]:
    """Events a user may set preferences for (the digest itself is not one)."""
    return [code for code, s in _EVENTS.items() if s.preference]


register_event(
    DIGEST,
    EventSpec(
        label=_("Digest of notifications"),
        title=_("Your notifications: %(count)s new"),
        body=_("%(count)s notifications since the last digest:"),
        preference=False,
    ),
)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(template: str | Promise, context: dict[str, Any], formatter: Formatter | None) -> str:
    try:
        shown = formatter(dict(context)) if formatter else context
        return str(template) % _Blank(shown)
    except (TypeError, ValueError):
        return str(template)


def render(event: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """``(title, body)`` of ``event`` in ``language``."""
    found = spec(event)
    with translation.override(language):
        return _fill(found.title, context, found.format), _fill(found.body, context, found.format)


def render_sms(event: str, context: dict[str, Any], language: str, *, secrets: dict[str, str] | None = None) -> str:
    """The SMS text: fixed wording, no personal details (and no placeholders at all).

    The one exception is a sealed secret (``notifications.sealing``: a one-time sign-in link),
    opened by the worker just before sending and filled into its placeholder here, with the
    context's plain values (such as when the link expires).
    """
    with translation.override(language):
        if secrets:
            return str(spec(event).sms) % _Blank({**context, **secrets})
        return str(spec(event).sms)


def label(event: str) -> str:
    return str(_EVENTS[event].label) if event in _EVENTS else event
