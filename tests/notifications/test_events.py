"""The events registry: each app registers its own events' texts; notifications owns only the digest."""

from __future__ import annotations

import pytest
from django.utils import translation

from cases.notify import CaseEvent
from crosscheck.apps import CROSSCHECK_FINISHED
from notifications import events
from notifications.models import Preference
from subjects.apps import IMPORT_FINISHED


def test_every_app_registered_its_events_and_only_the_digest_and_the_sign_in_link_are_not_preferences() -> None:
    from notifications.initial_links import EVENT as INITIAL_LINK

    registered = set(events.codes())
    assert {*CaseEvent.values, IMPORT_FINISHED, CROSSCHECK_FINISHED, events.DIGEST, INITIAL_LINK} <= registered
    assert events.DIGEST not in events.preference_events()
    # Texts to the person served (the 查询码 at registration, the public page's one-time code) are no
    # staff preference either.
    assert set(events.preference_events()) == registered - {
        events.DIGEST,
        INITIAL_LINK,
        "case.registered",
        "portal.code",
        "benefit.suspension_notice",  # an SMS to the person whose benefit was suspended
        "petition.rate_invite",  # the petitioner texted the link to rate the handling (回访)
    }


def test_the_model_choices_come_from_the_registry() -> None:
    field = Preference._meta.get_field("event")
    assert {code for code, _label in field.choices or []} == set(events.codes())
    with translation.override("en"):
        assert events.label(CaseEvent.LETTER_READY) == "A decision letter is ready"
        assert events.label("no.such.event") == "no.such.event"


def test_the_registering_app_turns_its_codes_into_words() -> None:
    with translation.override("en"):
        title, body = events.render(CaseEvent.CASE_DECIDED, {"case": "X-1", "outcome": "partly_approved"}, "en")
        assert title == "Decision on case X-1: Partly approved"
        _title, body = events.render(CaseEvent.TASK_ASSIGNED, {"case": "X-1", "step": "verify_housing"}, "en")
        assert "verification by" in body and "verify_housing" not in body


def test_an_unknown_event_is_refused() -> None:
    with pytest.raises(LookupError):
        events.spec("no.such.event")
    with pytest.raises(ValueError):
        events.register_event("x" * 33, events.EventSpec(label="x", title="x", body="x"))
