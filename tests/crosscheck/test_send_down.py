"""Send-down files one case per discrepancy; a death case, once approved, ends benefits and records the overpayment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from freezegun import freeze_time

from cases.models import Case, Status
from cases.models import Kind as CaseKind
from crosscheck.actions import do_run_crosscheck, do_send_down, month_end, months_overpaid
from crosscheck.models import Discrepancy, DiscrepancyStatus, Kind, Overpayment, SendDown
from jurisdictions.models import Department
from subjects.models import Benefit, BenefitStatus, Subject, SubjectStatus
from tests.cases.conftest import open_task
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import DEATHS, HUKOU, hukou_row

PS = Department.PUBLIC_SECURITY


def test_send_down_files_exactly_one_case_per_discrepancy_grouped_by_county(make_subject, load, city_supervisor):
    a, a_id = make_subject(COUNTY_A, name="张三")
    b, b_id = make_subject(COUNTY_B, name="李四")
    load(PS, HUKOU, [hukou_row(a, a_id, name="张叁", birth="1949-10-01"), hukou_row(b, b_id, name="李肆")])
    do_run_crosscheck(actor=None, department=PS)
    items = list(Discrepancy.objects.all())
    assert len(items) == 3
    send_downs = do_send_down(items, actor=city_supervisor)
    assert sorted(s.division_id for s in send_downs) == [COUNTY_B, COUNTY_A]
    assert Case.objects.filter(kind=CaseKind.DATA_CORRECTION).count() == 3
    for item in Discrepancy.objects.all():
        assert item.status == DiscrepancyStatus.SENT
        assert item.case is not None and item.case.subject_id == item.subject_id
        assert item.case.county_code == item.county_code
        assert item.case.departments == [PS]
    name_case = Discrepancy.objects.get(subject=a, field="name").case
    assert name_case is not None and name_case.corrections == {"name": "张叁"}
    # Sending again files nothing more; a re-run does not reopen what was sent.
    assert do_send_down(items, actor=city_supervisor) == []
    do_run_crosscheck(actor=None, department=PS)
    assert Case.objects.count() == 3
    assert SendDown.objects.count() == 2
    assert Discrepancy.objects.filter(status=DiscrepancyStatus.SENT).count() == 3


def _walk_to_approval(case: Case, liaison_ps, approver, caseworker) -> Case:
    from cases import actions

    actions.do_review_intake(open_task(case, "intake"), actor=caseworker)
    actions.do_record_verification(open_task(case, "verify_public_security"), actor=liaison_ps, result="confirmed")
    return actions.do_decide(open_task(case, "approve"), actor=approver, decision="approve")


def test_death_suspension_approved_ends_benefits_and_records_overpayment(
    make_subject, add_benefit, load, city_supervisor, liaison_ps, approver, caseworker
):
    subject, number = make_subject()
    pension = add_benefit(subject, "state_pension", "1000.00", start=dt.date(2020, 1, 1))
    subsidy = add_benefit(subject, "state_subsidy", "200.00", start=dt.date(2021, 5, 1))
    load(PS, DEATHS, [[number, subject.name, "2025-12-05"]])
    do_run_crosscheck(actor=None, department=PS)
    item = Discrepancy.objects.get(kind=Kind.DECEASED_RECEIVING)
    [send_down] = do_send_down([item], actor=city_supervisor)
    item.refresh_from_db()
    case = item.case
    assert case is not None
    assert (case.kind, case.benefit_change, case.benefit_id) == (CaseKind.BENEFIT_CLAIM, "end", pension.pk)
    assert case.benefit_start == dt.date(2025, 12, 31)  # paid to the end of the month of death

    case = _walk_to_approval(case, liaison_ps, approver, caseworker)
    assert case.status == Status.CLOSED

    for benefit in (pension, subsidy):
        benefit.refresh_from_db()
        assert benefit.status == BenefitStatus.ENDED
        assert benefit.end == dt.date(2025, 12, 31)
    assert Subject.objects.get(pk=subject.pk).status == SubjectStatus.DECEASED
    overpayment = Overpayment.objects.get()
    assert overpayment.case == case and overpayment.discrepancy == item
    assert case.applied_at is not None
    applied = case.applied_at.date()
    months = applied.year * 12 + applied.month - (2025 * 12 + 12)
    assert overpayment.months == months
    assert overpayment.amount == Decimal("1200.00") * months
    item.refresh_from_db()
    assert item.status == DiscrepancyStatus.CORRECTED

    # The re-check confirms the correction: no death-while-receiving any more.
    run = do_run_crosscheck(actor=None, department=PS)
    item.refresh_from_db()
    assert item.status == DiscrepancyStatus.CONFIRMED and item.closed_run == run
    assert not Discrepancy.objects.filter(status="open").exists()
    assert Benefit.objects.filter(subject=subject, status=BenefitStatus.ACTIVE).count() == 0
    assert send_down.count == 1


def test_an_applied_correction_is_confirmed_by_the_next_run(
    make_subject, load, city_supervisor, liaison_ps, approver, caseworker
):
    subject, number = make_subject(name="张三")
    load(PS, HUKOU, [hukou_row(subject, number, name="张叁")])
    do_run_crosscheck(actor=None, department=PS)
    item = Discrepancy.objects.get()
    do_send_down([item], actor=city_supervisor)
    item.refresh_from_db()
    assert item.case is not None
    _walk_to_approval(item.case, liaison_ps, approver, caseworker)
    item.refresh_from_db()
    assert item.status == DiscrepancyStatus.CORRECTED
    assert Subject.objects.get(pk=subject.pk).name == "张叁"
    do_run_crosscheck(actor=None, department=PS)
    item.refresh_from_db()
    assert item.status == DiscrepancyStatus.CONFIRMED


def test_tracking_counts_overdue_sent_items(make_subject, load, city_supervisor):
    import datetime as dt_

    from django.utils import timezone

    from crosscheck.queries import tracking
    from jurisdictions.models import Division

    subject, number = make_subject(name="张三")
    load(PS, HUKOU, [hukou_row(subject, number, name="张叁")])
    do_run_crosscheck(actor=None, department=PS)
    do_send_down(list(Discrepancy.objects.all()), actor=city_supervisor)
    Case.objects.update(due_at=timezone.now() - dt_.timedelta(days=1))
    [row] = tracking(city_supervisor, Division.objects.get(code="4401"))
    assert (row.code, row.found, row.sent, row.corrected, row.overdue) == (COUNTY_A, 1, 1, 0, 1)
    [province_row] = tracking(city_supervisor, Division.objects.get(code="44"))
    assert province_row.code == "4401" and province_row.overdue == 1


def test_benefits_ended_before_send_down_leave_a_status_correction(make_subject, add_benefit, load, city_supervisor):
    from subjects.actions import do_end_benefit

    subject, number = make_subject()
    benefit = add_benefit(subject)
    load(PS, DEATHS, [[number, subject.name, "2025-12-05"]])
    do_run_crosscheck(actor=None, department=PS)
    do_end_benefit(benefit, end=dt.date(2026, 1, 1), reason="停发", actor=None, provenance="caseworker_entry")
    do_send_down(list(Discrepancy.objects.all()), actor=city_supervisor)
    case = Discrepancy.objects.get().case
    assert case is not None and case.kind == CaseKind.DATA_CORRECTION
    assert case.corrections == {"status": "deceased"}


def test_a_payment_in_the_month_of_death_is_owed_and_one_in_the_month_after_is_overpaid() -> None:
    death = dt.date(2025, 3, 31)
    assert months_overpaid(death, dt.date(2020, 1, 1), as_of=dt.date(2025, 3, 31)) == 0
    assert months_overpaid(death, dt.date(2020, 1, 1), as_of=dt.date(2025, 4, 1)) == 1
    assert month_end(dt.date(2024, 2, 3)) == dt.date(2024, 2, 29)


def test_a_death_ends_a_statutory_benefit_with_the_funeral_grant_and_recovers_only_the_months_after_it(
    make_subject, load, city_supervisor, liaison_ps, approver, caseworker
):
    from benefits.actions import do_award_benefit
    from benefits.loading import do_load_benefit_standards
    from benefits.models import LineKind, MonthlyLine, RecoveryItem
    from subjects.models import BenefitType, Category
    from tests.benefits.conftest import SAMPLE

    with freeze_time("2026-02-10"):
        do_load_benefit_standards(SAMPLE, actor=None)
        subject, number = make_subject(category=Category.MARTYR_SURVIVOR)
        entitlement = do_award_benefit(
            subject, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=dt.date(2025, 10, 5), actor=None
        )
        assert entitlement.lines.count() == 5  # 2025-10 … 2026-02
        load(PS, DEATHS, [[number, subject.name, "2025-12-05"]])
        do_run_crosscheck(actor=None, department=PS)
        item = Discrepancy.objects.get(kind=Kind.DECEASED_RECEIVING)
        do_send_down([item], actor=city_supervisor)
        item.refresh_from_db()
        assert item.case is not None
        case = _walk_to_approval(item.case, liaison_ps, approver, caseworker)
    entitlement.refresh_from_db()
    assert entitlement.status == "ended" and entitlement.benefit.end == dt.date(2025, 12, 31)
    grant = MonthlyLine.objects.get(entitlement=entitlement, kind=LineKind.CONTINUATION)
    assert (grant.amount, grant.article) == (Decimal("14280.00"), "第二十二条")
    recovery = RecoveryItem.objects.get(subject=subject)
    assert (recovery.first_month, recovery.months, recovery.amount) == (dt.date(2026, 1, 1), 2, Decimal("4760.00"))
    overpayment = Overpayment.objects.get(case=case)
    assert (overpayment.months, overpayment.amount) == (2, Decimal("4760.00"))
