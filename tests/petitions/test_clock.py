"""The handling clock: one extension of at most 30 days approved by the head, pauses with reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from core.errors import Conflict
from letters.models import Letter
from petitions import actions, nodes
from petitions.deadlines import deadlines_of
from petitions.models import ClockEvent, Petition, Stage

pytestmark = pytest.mark.django_db


def open_nodes(case):
    return {
        t.flow_task.name
        for t in Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    }


@pytest.fixture
def accepted(register):
    return register(accept_now=True)


def limits(case):
    return deadlines_of(Petition.objects.get(case=case))


def test_an_extension_waits_for_the_head_then_adds_its_days_to_the_unmoved_limit(accepted, caseworker, approver):
    actions.do_request_extension(accepted, actor=caseworker, days=30, reason="需要调取多部门材料")
    assert Petition.objects.get(case=accepted).stage == Stage.EXTENSION_REQUESTED
    assert open_nodes(accepted) == {nodes.EXTENSION}
    assert limits(accepted).extended_to is None
    actions.do_decide_extension(accepted, actor=approver, approve=True)
    assert open_nodes(accepted) == {nodes.HANDLE}
    # Accepted 5 June: 60 days → 4 August; 60 + 30 days → Thursday 3 September.
    extended = limits(accepted).extended_to
    assert extended is not None and extended.date == dt.date(2026, 9, 3)
    letter = Letter.objects.get(case=accepted, kind=actions.EXTENSION)
    assert letter.snapshot["petition"]["extension_reason"] == "需要调取多部门材料"


def test_an_extension_beyond_30_days_is_refused_naming_article_34_and_audited(accepted, caseworker):
    with pytest.raises(ValidationError) as exc:
        actions.do_request_extension(accepted, actor=caseworker, days=31, reason="复杂")
    assert "Art. 34" in exc.value.message_dict["days"][0] or "第三十四条" in exc.value.message_dict["days"][0]
    assert Petition.objects.get(case=accepted).stage == Stage.HANDLING
    assert not ClockEvent.objects.exists()
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="extend").exists()


def test_an_extension_without_a_reason_is_refused(accepted, caseworker):
    with pytest.raises(ValidationError) as exc:
        actions.do_request_extension(accepted, actor=caseworker, days=10, reason=" ")
    assert "reason" in exc.value.message_dict


def test_a_second_extension_is_refused(accepted, caseworker, approver):
    actions.do_request_extension(accepted, actor=caseworker, days=10, reason="复杂")
    actions.do_decide_extension(accepted, actor=approver, approve=True)
    with pytest.raises(ValidationError) as exc:
        actions.do_request_extension(accepted, actor=caseworker, days=5, reason="仍复杂")
    assert "days" in exc.value.message_dict
    assert Petition.objects.get(case=accepted).extension_days == 10


def test_a_refused_extension_leaves_the_limit_and_needs_a_reason(accepted, caseworker, approver):
    actions.do_request_extension(accepted, actor=caseworker, days=10, reason="复杂")
    with pytest.raises(ValidationError):
        actions.do_decide_extension(accepted, actor=approver, approve=False)
    actions.do_decide_extension(accepted, actor=approver, approve=False, note="材料已齐")
    assert limits(accepted).extended_to is None and open_nodes(accepted) == {nodes.HANDLE}
    assert not Letter.objects.filter(case=accepted, kind=actions.EXTENSION).exists()


def test_paused_days_shift_the_handling_limit(accepted, caseworker, _today):
    actions.do_pause_clock(accepted, actor=caseworker, reason="委托鉴定")
    with pytest.raises(Conflict):
        actions.do_pause_clock(accepted, actor=caseworker, reason="again")
    _today.move_to(dt.datetime(2026, 6, 8, 2, 0, tzinfo=dt.UTC))
    actions.do_resume_clock(accepted, actor=caseworker, reason="鉴定完成")
    petition = Petition.objects.get(case=accepted)
    assert petition.paused_days == 3 and petition.paused_since is None
    handle_by = limits(accepted).handle_by
    assert handle_by is not None and handle_by.date == dt.date(2026, 8, 7)  # 63 days: Friday 7 August
    reasons = list(ClockEvent.objects.filter(petition=petition).values_list("kind", "reason"))
    assert reasons == [("paused", "委托鉴定"), ("resumed", "鉴定完成")]


def test_a_pause_needs_a_reason_and_a_resume_a_pause(accepted, caseworker):
    with pytest.raises(ValidationError) as exc:
        actions.do_pause_clock(accepted, actor=caseworker, reason="")
    assert "reason" in exc.value.message_dict
    with pytest.raises(Conflict):
        actions.do_resume_clock(accepted, actor=caseworker, reason="x")


def test_the_api_extends_approves_pauses_and_resumes(api_as, accepted, caseworker, approver):
    url = f"/api/v1/cases/{accepted.pk}/transitions/"
    worker, head = api_as(caseworker), api_as(approver)
    too_long = worker.post(url + "extend/", {"days": 45, "reason": "复杂"}, format="json")
    assert too_long.status_code == 400 and "days" in too_long.data
    assert worker.post(url + "extend/", {"days": 20, "reason": "复杂"}, format="json").status_code == 200
    assert worker.post(url + "approve_extension/", {"approve": True}, format="json").status_code == 403
    response = head.post(url + "approve_extension/", {"approve": True}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["deadlines"]["extended_to"] == {"date": "2026-08-24", "provisional": False}
    paused = worker.post(url + "pause_clock/", {"reason": "委托鉴定"}, format="json")
    assert paused.data["clock"]["state"] == "paused"
    resumed = worker.post(url + "resume_clock/", {"reason": "鉴定完成"}, format="json")
    assert resumed.data["clock"]["state"] == "running"
    assert worker.post(url + "resume_clock/", {"reason": "x"}, format="json").status_code == 409


def test_whoever_asked_for_the_extension_cannot_approve_it(accepted, make_user):
    from django.core.exceptions import PermissionDenied

    head = make_user("head_who_handles", "approver")
    actions.do_request_extension(accepted, actor=head, days=10, reason="复杂")
    with pytest.raises(PermissionDenied):
        actions.do_decide_extension(accepted, actor=head, approve=True)
