"""Suggestions (Art. 41): recorded and answered by the office that made them, counted in the annual report."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import Conflict
from petitions import suggestions
from petitions.models import Suggestion

pytestmark = pytest.mark.django_db


def record(actor, **kw):
    kw.setdefault("division", actor.memberships.get().division)
    kw.setdefault("addressed_to", "区人社局")
    kw.setdefault("subject", "优待证办理时限")
    kw.setdefault("text", "建议缩短办理时限")
    return suggestions.do_record_suggestion(actor=actor, **kw)


def test_a_caseworker_records_a_suggestion_and_its_answer_once(caseworker):
    made = record(caseworker)
    suggestions.do_answer_suggestion(made, actor=caseworker, adopted=False, answer="暂不采纳")

    made.refresh_from_db()
    assert made.adopted is False and made.answer == "暂不采纳"
    assert AuditEvent.objects.filter(event_type="petition.suggestion_answered", object_id=str(made.pk)).exists()
    with pytest.raises(Conflict):
        suggestions.do_answer_suggestion(made, actor=caseworker, adopted=True)


def test_an_empty_suggestion_is_refused_naming_each_field_and_nothing_saved(caseworker):
    with pytest.raises(ValidationError) as caught:
        record(caseworker, addressed_to=" ", subject="", text="")

    assert set(caught.value.message_dict) == {"addressed_to", "subject", "text"}
    assert not Suggestion.objects.exists()


def test_another_county_cannot_record_for_an_office_it_does_not_work_in(caseworker, caseworker_b):
    with pytest.raises(PermissionDenied):
        record(caseworker_b, division=caseworker.memberships.get().division)


def test_the_page_is_reached_from_the_navigation_and_records_a_suggestion(client, caseworker):
    client.force_login(caseworker)
    home = client.get("/")
    assert reverse("petitions:suggestions") in home.content.decode()

    response = client.post(
        reverse("petitions:suggestions"),
        {"division": "440106", "addressed_to": "区住建局", "subject": "住房困难认定", "text": "建议统一认定标准"},
    )

    assert response.status_code == 302
    made = Suggestion.objects.get()
    page = client.get(reverse("petitions:suggestions")).content.decode()
    assert "住房困难认定" in page and f'id="suggestion-{made.pk}"' in page
    client.post(reverse("petitions:suggestion_answer", args=[made.pk]), {"adopted": "yes"})
    made.refresh_from_db()
    assert made.adopted is True


def test_a_bad_suggestion_form_shows_the_field_errors_in_chinese(client, caseworker):
    client.force_login(caseworker)

    response = client.post(reverse("petitions:suggestions"), {"division": "440106", "subject": "", "text": ""})

    assert response.status_code == 400
    assert "不能为空" in response.content.decode() or "请" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_an_outsider_cannot_see_or_answer_another_countys_suggestion(client, caseworker, caseworker_b):
    made = record(caseworker)
    client.force_login(caseworker_b)

    assert made.subject not in client.get(reverse("petitions:suggestions")).content.decode()
    assert client.post(reverse("petitions:suggestion_answer", args=[made.pk]), {"adopted": "yes"}).status_code == 404
    made.refresh_from_db()
    assert made.adopted is None


def test_the_supervisor_above_sees_the_countys_suggestions_but_cannot_answer_them(client, caseworker, supervisor):
    made = record(caseworker)
    client.force_login(supervisor)

    assert made.subject in client.get(reverse("petitions:suggestions")).content.decode()
    assert client.post(reverse("petitions:suggestion_answer", args=[made.pk]), {"adopted": "yes"}).status_code == 403
