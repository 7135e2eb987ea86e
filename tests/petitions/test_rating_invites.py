"""回访 by SMS link: a decided grievance's petitioner is texted the link to rate the handling."""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications import events, sealing
from notifications.models import Channel, Delivery
from petitions import actions
from petitions.rating_invites import EVENT, public_link

pytestmark = pytest.mark.django_db


def _decide(case, caseworker, articles):
    return actions.do_decide(
        case,
        actor=caseworker,
        opinion="explain",
        facts="经核实，已向信访人解释说明",
        reasons="依规解释",
        citations_=[articles["32"].pk],
    )


def test_deciding_a_grievance_texts_the_petitioner_the_link_and_query_code_to_rate_it(
    register, caseworker, articles, subject
):
    subject.phone = "13800138000"
    subject.save(update_fields=["phone"])
    case = _decide(register(accept_now=True), caseworker, articles)

    row = Delivery.objects.get(event=EVENT, channel=Channel.SMS)
    assert row.address == "13800138000"
    assert case.query_code not in str(row.context)  # sealed until sent
    secrets = sealing.open_sealed(row.context, timezone.now())
    assert secrets == {"code": case.query_code}
    text = events.render_sms(EVENT, row.context, "zh-hans", secrets=secrets)
    assert case.number in text and case.query_code in text and public_link() in text
    assert public_link().endswith("/track/")


def test_a_petitioner_without_a_phone_on_file_gets_no_text(register, caseworker, articles, subject):
    subject.phone = ""
    subject.save(update_fields=["phone"])
    _decide(register(accept_now=True), caseworker, articles)
    assert not Delivery.objects.filter(event=EVENT).exists()
