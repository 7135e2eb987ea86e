"""Case actions: filing, numbering, the status machine, audit events, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed
from viewflow.workflow.models import Process

from audit.models import AuditEvent
from cases import actions
from cases.models import Case, CaseCounter, Kind, Outcome, Status
from core.errors import Conflict
from subjects.models import Benefit

from .conftest import open_nodes, open_task

pytestmark = pytest.mark.django_db


def events(case: Case, event_type: str = "case.transition") -> list[dict[str, Any]]:
    return [
        e.data
        for e in AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), event_type=event_type)
    ]


def test_filing_numbers_cases_per_county_and_year_without_gaps(file_case, make_subject, caseworker_b, subject_b):
    first = file_case()
    second = file_case()
    other = file_case(actor=caseworker_b, subject_=subject_b)
    year = first.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).year
    assert first.number == f"440106-{year}-000001"
    assert second.number == f"440106-{year}-000002"
    assert other.number == f"440104-{year}-000001"
    assert CaseCounter.objects.get(county_code="440106", year=year).last == 2


def test_a_failed_filing_uses_no_number(file_case, subject, caseworker):
    with pytest.raises(ValidationError):
        actions.do_file_case(subject, kind=Kind.BENEFIT_CLAIM, title="x", actor=caseworker)  # no benefit fields
    case = file_case()
    assert case.number.endswith("-000001")


def test_filing_starts_the_process_with_an_intake_review(file_case):
    case = file_case()
    assert case.status == Status.SUBMITTED
    assert open_nodes(case) == {"intake"}
    assert events(case, "case.filed")[0]["number"] == case.number
    assert case.due_at is not None


def test_benefit_claim_end_to_end_updates_the_register(file_case, walk, subject, approver):
    case = file_case()
    case = walk.intake(case)
    assert case.status == Status.VERIFYING
    assert open_nodes(case) == {"verify_public_security", "verify_civil_affairs"}
    walk.verify(case, department="public_security")
    case.refresh_from_db()
    assert case.status == Status.VERIFYING  # the join waits for civil affairs
    walk.verify(case, department="civil_affairs")
    case.refresh_from_db()
    assert case.status == Status.PENDING_APPROVAL
    assert open_nodes(case) == {"approve"}
    case = walk.decide(case, "approve", legal_basis="《军人抚恤优待条例》")
    assert case.status == Status.CLOSED
    assert case.outcome == Outcome.APPROVED
    benefit = Benefit.objects.get(subject=subject)
    assert benefit.amount == Decimal("350.00")
    assert benefit.source_ref == case.number
    assert benefit.provenance == "approved_case"
    assert [(e["from"], e["to"]) for e in events(case)] == [
        ("submitted", "verifying"),
        ("verifying", "pending_approval"),
        ("pending_approval", "approved"),
        ("approved", "applied"),
        ("applied", "closed"),
    ]
    assert events(case, "case.applied")[0]["provenance"] == f"已批准案件 {case.number}"
    assert open_nodes(case) == set()
    assert case.process.status == "DONE"


def test_data_correction_end_to_end_changes_fields_with_provenance(file_case, walk, subject):
    case = file_case(Kind.DATA_CORRECTION, departments=("public_security",))
    walk.intake(case)
    walk.verify(case)
    case.refresh_from_db()
    case = walk.decide(case)
    assert case.status == Status.CLOSED
    subject.refresh_from_db()
    assert subject.phone == "13800138000"
    assert subject.provenance["phone"]["source"] == "approved_case"


def test_grievance_without_departments_goes_straight_to_approval(file_case, walk):
    case = file_case(Kind.GRIEVANCE, departments=())
    case = walk.intake(case)
    assert case.status == Status.PENDING_APPROVAL
    case = walk.decide(case)
    assert case.status == Status.CLOSED


def test_a_disputed_verification_returns_the_case_and_pauses_the_clock(file_case, walk, caseworker):
    case = walk.intake(file_case())
    walk.verify(case, "disputed", department="public_security")
    walk.verify(case, department="civil_affairs")
    case.refresh_from_db()
    assert case.status == Status.RETURNED
    assert case.paused_at is not None
    assert open_nodes(case) == {"correct"}
    assert "核对户籍" in events(case)[-1]["reason"]
    case = actions.do_resubmit_case(open_task(case, "correct"), actor=caseworker, note="补充户籍证明")
    assert case.status == Status.VERIFYING
    assert case.paused_at is None
    assert case.verification_round == 2
    assert open_nodes(case) == {"verify_public_security", "verify_civil_affairs"}
    case = walk.verify_all(case)
    assert case.status == Status.PENDING_APPROVAL


def test_the_approver_can_return_a_case_and_it_comes_back(file_case, walk, caseworker):
    case = walk.verify_all(walk.intake(file_case()))
    case = walk.decide(case, "return")
    assert case.status == Status.RETURNED
    assert open_nodes(case) == {"correct"}
    case = actions.do_resubmit_case(open_task(case, "correct"), actor=caseworker, note="已补正")
    case = walk.verify_all(case)
    case = walk.decide(case)
    assert case.status == Status.CLOSED


def test_rejection_closes_without_touching_the_register(file_case, walk, subject):
    case = walk.verify_all(walk.intake(file_case()))
    case = walk.decide(case, "reject", legal_basis="条例第八条")
    assert case.status == Status.CLOSED
    assert case.outcome == Outcome.REJECTED
    assert case.legal_basis == "条例第八条"
    assert not Benefit.objects.filter(subject=subject).exists()
    assert [e["to"] for e in events(case)][-2:] == ["rejected", "closed"]


def test_withdrawal_while_verifications_are_open_cancels_them(file_case, walk, caseworker):
    case = walk.intake(file_case())
    walk.verify(case, department="public_security")
    case = actions.do_withdraw_case(case, actor=caseworker, reason="本人撤回")
    assert case.status == Status.WITHDRAWN
    assert case.outcome == Outcome.WITHDRAWN
    assert open_nodes(case) == set()
    assert Process.objects.get(pk=case.process_id).status == "CANCELED"


def test_reconsideration_of_a_rejected_case_can_grant_what_was_refused(file_case, walk, subject):
    rejected = walk.decide(walk.verify_all(walk.intake(file_case())), "reject")
    case = file_case(Kind.RECONSIDERATION, contested_case=rejected)
    assert case.benefit_type == "state_subsidy"  # copied from the contested case
    case = walk.decide(walk.verify_all(walk.intake(case)), "approve")
    assert case.status == Status.CLOSED
    assert Benefit.objects.get(subject=subject).source_ref == case.number


def test_reconsideration_needs_a_decided_case(file_case):
    open_case = file_case()
    with pytest.raises(ValidationError) as exc:
        file_case(Kind.RECONSIDERATION, contested_case=open_case)
    assert "contested_case" in exc.value.message_dict


def test_partial_approval_records_the_approved_amount(file_case, walk, subject):
    case = walk.verify_all(walk.intake(file_case()))
    case = walk.decide(case, "approve", partly=True, reasons="按标准核减", approved_amount=Decimal("200.00"))
    assert case.outcome == Outcome.PARTLY_APPROVED
    assert Benefit.objects.get(subject=subject).amount == Decimal("200.00")


@pytest.mark.parametrize(
    "name,call",
    [
        ("approve before verification", lambda a, c: c.approve()),
        ("apply before approval", lambda a, c: c.mark_applied(dt.datetime.now())),
        ("close an open case", lambda a, c: c.close(dt.datetime.now())),
        ("resubmit a case not returned", lambda a, c: c.resubmit()),
        (
            "finish verification twice",
            lambda a, c: (c.start_verification(), c.finish_verification(), c.finish_verification()),
        ),
    ],
)
def test_illegal_transitions_are_refused(file_case, name, call):
    case = file_case()
    with pytest.raises(TransitionNotAllowed):
        call(actions, case)


def test_withdrawing_a_closed_case_is_refused(file_case, walk, caseworker):
    case = walk.decide(walk.verify_all(walk.intake(file_case())))
    with pytest.raises(TransitionNotAllowed):
        actions.do_withdraw_case(case, actor=caseworker, reason="太晚了")
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_a_completed_task_cannot_be_completed_again(file_case, walk, caseworker):
    case = file_case()
    task = open_task(case, "intake")
    actions.do_review_intake(task, actor=caseworker)
    with pytest.raises(Conflict):
        actions.do_review_intake(task, actor=caseworker)


def test_a_task_of_a_withdrawn_case_cannot_be_completed(file_case, walk, caseworker, liaison_ps):
    case = walk.intake(file_case())
    task = open_task(case, "verify_public_security")
    actions.do_withdraw_case(case, actor=caseworker, reason="撤回")
    with pytest.raises(Conflict):
        actions.do_record_verification(task, actor=liaison_ps, result="confirmed")


def test_the_status_field_cannot_be_set_directly(file_case):
    case = file_case()
    with pytest.raises(AttributeError):
        case.status = Status.CLOSED


def test_stale_copies_lose_the_race(file_case, caseworker):
    case = file_case()
    stale = Case.objects.get(pk=case.pk)
    actions.do_withdraw_case(case, actor=caseworker, reason="撤回")
    stale.start_verification()
    from django_fsm import ConcurrentTransition

    with pytest.raises(ConcurrentTransition):
        stale.save()


def test_claim_release_and_reassign_are_audited(file_case, caseworker, make_user, city_supervisor):
    case = file_case()
    task = open_task(case, "intake")
    actions.do_claim_task(task, actor=caseworker)
    other = make_user("caseworker2", "caseworker")
    with pytest.raises(Conflict):
        actions.do_claim_task(task, actor=other)
    with pytest.raises(Conflict):
        actions.do_review_intake(task, actor=other)  # claimed by someone else
    actions.do_release_task(task, actor=caseworker)
    actions.do_reassign_task(task, actor=city_supervisor, to_user=other)
    task.refresh_from_db()
    assert task.owner == other
    assert [e.event_type for e in AuditEvent.objects.filter(object_id=str(case.pk)).order_by("id")][-3:] == [
        "task.claimed",
        "task.released",
        "task.reassigned",
    ]


def test_filing_a_second_open_case_of_the_same_kind_needs_link_or_continue(file_case, subject, caseworker):
    first = file_case()
    with pytest.raises(actions.DuplicateCase) as exc:
        file_case(duplicate_action="")
    assert exc.value.open_cases == [first]
    linked = file_case(duplicate_action="link")
    assert linked.related_case == first
    assert file_case(Kind.GRIEVANCE, duplicate_action="").related_case is None  # another kind: no question


def test_ending_a_benefit_through_a_case(file_case, walk, subject):
    from subjects.actions import do_add_benefit

    benefit = do_add_benefit(
        subject,
        benefit_type="dibao",
        amount="500",
        start=dt.date(2020, 1, 1),
        actor=None,
        provenance="caseworker_entry",
    )
    case = file_case(
        benefit_type="dibao", benefit_change="end", benefit_id=benefit.pk, benefit_start=dt.date(2026, 3, 1)
    )
    walk.decide(walk.verify_all(walk.intake(case)), retroactive_reason="自2026年3月起已不符合享受条件")
    benefit.refresh_from_db()
    assert benefit.end == dt.date(2026, 3, 1)
    assert benefit.source_ref == case.number


def test_a_correction_must_name_fields_of_the_record(file_case):
    with pytest.raises(ValidationError) as exc:
        file_case(Kind.DATA_CORRECTION, corrections={"favourite_colour": "红"}, evidence="无")
    assert "favourite_colour" in str(exc.value.message_dict["corrections"])


def _benefit(subject: Any, **kw: Any) -> Benefit:
    from subjects.actions import do_add_benefit

    return do_add_benefit(
        subject,
        benefit_type="dibao",
        amount="500",
        start=dt.date(2020, 1, 1),
        actor=None,
        provenance="caseworker_entry",
    )


def test_a_claim_cannot_end_another_persons_benefit(file_case, subject_b):
    other = _benefit(subject_b)
    with pytest.raises(ValidationError) as exc:
        file_case(benefit_type="dibao", benefit_change="end", benefit_id=other.pk)
    assert "benefit_id" in exc.value.message_dict
    assert not Case.objects.exists()


def test_a_claim_cannot_end_a_benefit_that_is_not_being_paid(file_case, subject):
    from subjects.actions import do_end_benefit

    benefit = _benefit(subject)
    do_end_benefit(benefit, end=dt.date(2025, 1, 1), reason="迁出", actor=None, provenance="caseworker_entry")
    with pytest.raises(ValidationError) as exc:
        file_case(benefit_type="dibao", benefit_change="end", benefit_id=benefit.pk)
    assert "benefit_id" in exc.value.message_dict
    with pytest.raises(ValidationError):
        file_case(benefit_type="dibao", benefit_change="end", benefit_id=2**40)  # no such benefit, no 500


def test_approval_of_a_claim_whose_benefit_ended_meanwhile_is_a_conflict_not_a_crash(file_case, walk, subject):
    from subjects.actions import do_end_benefit

    benefit = _benefit(subject)
    case = file_case(benefit_type="dibao", benefit_change="end", benefit_id=benefit.pk)
    case = walk.verify_all(walk.intake(case))
    do_end_benefit(benefit, end=dt.date(2025, 1, 1), reason="死亡", actor=None, provenance="caseworker_entry")
    with pytest.raises(Conflict):
        walk.decide(case)
    case.refresh_from_db()
    assert case.status == Status.PENDING_APPROVAL
    assert "approve" in open_nodes(case)


def test_titles_and_agents_names_with_invisible_characters_are_refused(file_case, subject, caseworker) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.do_file_case(
            subject, kind=Kind.GRIEVANCE, title="申请\u202e补助", agent_name="王\u200b五", actor=caseworker
        )
    assert set(exc.value.message_dict) == {"title", "agent_name"}
    assert file_case(Kind.GRIEVANCE, agent_name="王䶮").agent_name == "王䶮"
