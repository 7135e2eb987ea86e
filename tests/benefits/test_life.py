"""Suspension and resumption with back-pay, Art. 59 cancellation, death with the funeral grant, recovery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time

from accounts.models import User
from audit.models import AuditEvent
from benefits import actions
from benefits.models import (
    CancelReason,
    EntitlementStatus,
    LineKind,
    RecoveryCause,
    RecoveryItem,
    RecoveryStatus,
    SuspendReason,
)
from core.errors import Forbidden
from notifications.models import Delivery
from subjects.models import BenefitStatus, BenefitType, Category, Subject

pytestmark = pytest.mark.django_db


def lines(entitlement) -> list[tuple[str, str, Decimal]]:
    return [(f"{line.month:%Y-%m}", line.kind, line.amount) for line in entitlement.lines.order_by("month", "id")]


def award(person: Subject, benefit_type: str = BenefitType.LIVING_SUBSIDY, **kw):
    kw.setdefault("approved_on", dt.date(2025, 1, 5))
    return actions.do_award_benefit(person, benefit_type=benefit_type, actor=None, **kw)


def pay(*months: str) -> None:
    for month in months:
        with freeze_time(f"{month}-02"):
            actions.do_pay_month(dt.date.fromisoformat(f"{month}-01"))


@freeze_time("2025-01-10")
def test_an_overdue_confirmation_suspends_automatically_and_confirming_resumes_with_back_pay(
    standards: None, make_subject: Callable[..., Subject]
) -> None:
    entitlement = award(make_subject(phone="13800138000"))
    hooked: list[Any] = []
    actions.SUSPENSION_NOTICE_HOOKS.append(hooked.append)
    try:
        with freeze_time("2025-03-01"):
            (suspended,) = actions.do_suspend_overdue([entitlement])
    finally:
        actions.SUSPENSION_NOTICE_HOOKS.remove(hooked.append)
    assert suspended.status == EntitlementStatus.SUSPENDED and suspended.suspended_from == dt.date(2025, 3, 1)
    assert suspended.benefit.__class__.objects.get(pk=suspended.benefit_id).status == BenefitStatus.SUSPENDED
    assert [h.pk for h in hooked] == [entitlement.pk]
    assert AuditEvent.objects.filter(event_type="benefit.suspension_notice").count() == 1
    # The notice to the person: the fixed SMS text, no personal details.
    [sms] = Delivery.objects.filter(event="benefit.suspension_notice")
    assert (sms.channel, sms.address, sms.context) == ("sms", "13800138000", {"from": "2025-03"})
    pay("2025-03", "2025-04")  # nothing is paid while suspended
    with freeze_time("2025-05-20"):
        resumed = actions.do_resume(suspended, actor=None, note="已确认")
    assert resumed.status == EntitlementStatus.ACTIVE
    assert lines(resumed)[1:] == [
        ("2025-03", "arrears", Decimal("1050.00")),
        ("2025-04", "arrears", Decimal("1050.00")),
        ("2025-05", "regular", Decimal("1050.00")),
    ]


@freeze_time("2025-03-10")
def test_a_sentence_suspends_without_back_pay_on_release(standards: None, make_subject: Callable[..., Subject]) -> None:
    entitlement = award(make_subject())
    actions.do_suspend(entitlement, reason=SuspendReason.IMPRISONMENT, actor=None, note="判处有期徒刑")
    with freeze_time("2025-06-03"):
        resumed = actions.do_resume(entitlement, actor=None)
    assert [row for row in lines(resumed) if row[0] >= "2025-04"] == [("2025-06", "regular", Decimal("1050.00"))]


@freeze_time("2025-03-10")
def test_suspending_a_benefit_that_is_not_being_paid_is_refused(
    standards: None, make_subject: Callable[..., Subject]
) -> None:
    entitlement = award(make_subject())
    actions.do_suspend(entitlement, reason=SuspendReason.WANTED, actor=None)
    with pytest.raises(ValidationError) as refused:
        actions.do_suspend(entitlement, reason=SuspendReason.WANTED, actor=None)
    assert "benefit" in refused.value.message_dict


@freeze_time("2025-03-10")
def test_an_art_59_cancellation_is_decided_by_the_province(
    standards: None, make_subject: Callable[..., Subject], county_approver: User, province_approver: User
) -> None:
    entitlement = award(make_subject())
    with pytest.raises(Forbidden):
        actions.do_cancel(entitlement, reason=CancelReason.SEVERE_SENTENCE, note="判处无期徒刑", actor=county_approver)
    cancelled = actions.do_cancel(
        entitlement,
        reason=CancelReason.SEVERE_SENTENCE,
        note="判处无期徒刑",
        actor=province_approver,
        month=dt.date(2025, 2, 1),
    )
    assert cancelled.status == EntitlementStatus.CANCELLED
    assert cancelled.benefit.__class__.objects.get(pk=cancelled.benefit_id).end == dt.date(2025, 2, 28)
    item = RecoveryItem.objects.get(entitlement=cancelled)  # March was paid before the decision
    assert (item.months, item.amount) == (1, Decimal("1050.00"))


def test_death_pays_the_month_of_death_and_recovers_the_months_after_it(
    standards: None, make_subject: Callable[..., Subject]
) -> None:
    with freeze_time("2025-01-10"):
        entitlement = award(make_subject(category=Category.MARTYR_SURVIVOR), BenefitType.PERIODIC_PENSION)
    pay("2025-02", "2025-03", "2025-04")
    with freeze_time("2025-04-20"):
        grants = actions.do_record_death(
            entitlement.subject, died_on=dt.date(2025, 2, 14), survivor="王小明", actor=None, source_ref="C-9"
        )
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ENDED and entitlement.last_month == dt.date(2025, 2, 1)
    assert entitlement.benefit.end == dt.date(2025, 2, 28)
    (grant,) = grants
    assert (grant.kind, grant.amount, grant.article, grant.payee) == (
        LineKind.CONTINUATION,
        Decimal("14280.00"),
        "第二十二条",
        "王小明",
    )  # 6 × 2380
    item = RecoveryItem.objects.get(subject=entitlement.subject)
    # February (the month of death) is owed; March and April are overpaid.
    assert (item.cause, item.first_month, item.months, item.amount) == (
        RecoveryCause.DEATH,
        dt.date(2025, 3, 1),
        2,
        Decimal("4760.00"),
    )


@freeze_time("2025-01-10")
def test_a_disabled_veteran_dying_of_illness_leaves_twelve_months_and_a_war_veteran_six_of_the_subsidy(
    standards: None, make_subject: Callable[..., Subject]
) -> None:
    person = make_subject()
    disability = award(person, BenefitType.DISABILITY_PENSION, grade="4", cause="war")
    subsidy = award(person, BenefitType.LIVING_SUBSIDY, war_veteran=True)
    grants = actions.do_record_death(person, died_on=dt.date(2025, 1, 9), died_of_illness=True, actor=None)
    assert sorted((g.entitlement_id, g.amount, g.article) for g in grants) == sorted(
        [(disability.pk, Decimal("54240.00"), "第三十二条"), (subsidy.pk, Decimal("6300.00"), "第六十二条")]
    )


@freeze_time("2025-01-10")
def test_no_funeral_grant_from_a_subsidy_of_someone_who_did_not_take_part_in_war(
    standards: None, make_subject: Callable[..., Subject]
) -> None:
    person = make_subject()
    award(person, BenefitType.LIVING_SUBSIDY)
    assert actions.do_record_death(person, died_on=dt.date(2025, 1, 9), actor=None) == []


def test_a_death_after_payment_is_recovered_in_instalments_with_part_waived(
    standards: None, make_subject: Callable[..., Subject], county_approver: User, caseworker: User
) -> None:
    with freeze_time("2025-01-10"):
        entitlement = award(make_subject())
    pay("2025-02", "2025-03", "2025-04")
    with freeze_time("2025-04-20"):
        actions.do_record_death(entitlement.subject, died_on=dt.date(2025, 1, 30), actor=None)
    item = RecoveryItem.objects.get(subject=entitlement.subject)
    assert item.amount == Decimal("3150.00")
    with pytest.raises(ValidationError) as refused:
        actions.do_decide_recovery(item, to_recover="3150.01", instalments=3, actor=county_approver)
    assert "to_recover" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.do_decide_recovery(item, to_recover="3000", instalments=3, actor=county_approver)  # no reason
    with pytest.raises(PermissionDenied):
        actions.do_decide_recovery(item, to_recover="3150", instalments=3, actor=caseworker)
    decided = actions.do_decide_recovery(
        item, to_recover="3000", instalments=3, reason="家庭困难", actor=county_approver
    )
    assert (decided.status, decided.waived, decided.balance) == (
        RecoveryStatus.INSTALMENTS,
        Decimal("150.00"),
        Decimal("3000.00"),
    )
    for _ in range(3):
        actions.do_record_repayment(decided, amount="1000", paid_on=dt.date(2025, 5, 1), actor=caseworker)
    decided.refresh_from_db()
    assert (decided.status, decided.balance) == (RecoveryStatus.RECOVERED, Decimal("0.00"))
    with pytest.raises(ValidationError):
        actions.do_record_repayment(decided, amount="1", paid_on=dt.date(2025, 5, 1), actor=caseworker)


def test_a_full_waiver_recovers_nothing(
    standards: None, make_subject: Callable[..., Subject], county_approver: User
) -> None:
    with freeze_time("2025-01-10"):
        entitlement = award(make_subject())
    pay("2025-02")
    with freeze_time("2025-02-20"):
        actions.do_record_death(entitlement.subject, died_on=dt.date(2025, 1, 30), actor=None)
    item = RecoveryItem.objects.get(subject=entitlement.subject)
    waived = actions.do_decide_recovery(item, to_recover="0", reason="无力偿还，经批准豁免", actor=county_approver)
    assert (waived.status, waived.waived, waived.balance) == (
        RecoveryStatus.WAIVED,
        Decimal("1050.00"),
        Decimal("0.00"),
    )
