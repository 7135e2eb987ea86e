# ruff: noqa: S608  (table names are model constants; every value is a bound parameter)
"""Writes to the benefits ledger: standards, awards, monthly lines, suspension, death, recovery.

Every action runs in one transaction with an audit event (``@audited``); amounts come from
``benefits.rules``, never from the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Actor, staff_or_none
from audit.log import audited, record
from core.errors import Conflict, Forbidden
from jurisdictions import scope
from jurisdictions.models import NATION_CODE, Division
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, SUPERVISE
from subjects.models import Benefit, BenefitStatus, BenefitType, Subject

from . import changes, rules
from .models import (
    BenefitStandard,
    CancelReason,
    Entitlement,
    EntitlementStatus,
    FilingAction,
    Formula,
    LineKind,
    MinistryFiling,
    MonthlyLine,
    PayingCountyChange,
    RecoveryCause,
    RecoveryItem,
    RecoveryStatus,
    Repayment,
    SuspendReason,
)

# Hooks called (inside the transaction) when a benefit is suspended automatically: part 2's
# confirmation campaign and the letters app register the notice to the person here.
LINE_COLUMNS = "entitlement_id, month, kind, amount, standard_id, article, note, payee, locked, created_at"
SUSPENSION_NOTICE_HOOKS: list[Callable[[Entitlement], None]] = []


def _line(entitlement: Entitlement, month: dt.date, kind: str, amount: Decimal, **kw: Any) -> MonthlyLine:
    return MonthlyLine(entitlement=entitlement, month=month, kind=kind, amount=amount, **kw)


def _terms(entitlement: Entitlement) -> rules.Terms:
    return rules.Terms(
        benefit_type=entitlement.benefit_type,
        category=entitlement.category,
        grade=entitlement.grade,
        cause=entitlement.cause,
        care_level=entitlement.care_level,
        division=entitlement.division_id,
    )


def is_province_approver(user: Any, region: str) -> bool:
    """Whether ``user`` approves at the province of ``region`` (or nationally; national rows need the nation)."""
    for code in scope.codes_with(user, APPROVE_CASES):
        if code == NATION_CODE or (len(code) == 2 and region[:2] == code):
            return True
    return False


def require_province_approver(user: Any, region: str) -> None:
    """Standards are set by approvers of the province (the nation for national rows)."""
    if not is_province_approver(user, region):
        raise Forbidden(_("Only an approver of the province may change its standards."))


# --- awards and monthly lines --------------------------------------------------------------------


@audited
def do_award_benefit(
    subject: Subject,
    *,
    benefit_type: str,
    approved_on: dt.date,
    actor: Actor | None,
    confirmed_on: dt.date | None = None,
    grade: str = "",
    cause: str = "",
    care_level: str = "",
    war_veteran: bool = False,
    provenance: str = "approved_case",
    source_ref: str = "",
    through: dt.date | None = None,
) -> Entitlement:
    """Grant a statutory periodic benefit with its amount computed by rule from the month it is
    effective, and store its lines up to ``through`` (default: this month)."""
    from subjects import actions as subject_actions

    if benefit_type not in rules.PERIODIC_TYPES:
        raise ValidationError({"benefit_type": _("This benefit is not paid monthly by veterans' affairs.")})
    first = rules.effective_month(benefit_type, approved_on=approved_on, confirmed_on=confirmed_on)
    terms = rules.Terms(benefit_type, subject.category, grade, cause, care_level, subject.division_id)
    amount = rules.compute(terms, first)
    benefit = subject_actions.do_add_benefit(
        subject,
        benefit_type=benefit_type,
        amount=amount.amount,
        start=first,
        actor=actor,
        provenance=provenance,
        source_ref=source_ref,
    )
    entitlement = Entitlement.objects.create(
        benefit=benefit,
        subject=subject,
        division_id=subject.division_id,
        benefit_type=benefit_type,
        category=subject.category,
        grade=grade,
        cause=cause,
        care_level=care_level,
        war_veteran=war_veteran,
        effective_month=first,
        standard=amount.standard,
        monthly_amount=amount.amount,
        source_ref=source_ref,
    )
    last = rules.month_of(through or timezone.localdate())
    lines = []
    for month in rules.months_between(first, last):
        due = rules.compute(terms, month)
        lines.append(
            _line(entitlement, month, LineKind.REGULAR, due.amount, standard=due.standard, article=due.article)
        )
        entitlement.standard, entitlement.monthly_amount = due.standard, due.amount
    MonthlyLine.objects.bulk_create(lines)
    entitlement.save(update_fields=["standard", "monthly_amount"])
    record(
        event_type="benefit.awarded",
        actor=actor,
        obj=entitlement,
        data={
            "subject": subject.pk,
            "benefit_type": benefit_type,
            "from": first.isoformat(),
            "amount": str(amount.amount),
            "standard": amount.standard.pk,
            "article": amount.article,
            "ref": source_ref,
        },
    )
    return entitlement


def _switch_expired_standards(month: dt.date) -> None:
    """Move active benefits whose standard row ended before ``month`` to the row that applies now."""
    stale = Entitlement.objects.filter(status=EntitlementStatus.ACTIVE, standard__effective_to__lt=month)
    for entitlement in stale.select_related("standard"):
        due = rules.compute(_terms(entitlement), month)
        Entitlement.objects.filter(pk=entitlement.pk).update(standard=due.standard, monthly_amount=due.amount)


@audited
def do_pay_month(month: dt.date, *, actor: Actor | None = None) -> int:
    """Store the regular line of ``month`` for every active benefit that has none yet (set-based)."""
    month = rules.month_of(month)
    if (
        not rules.samples_allowed()
        and Entitlement.objects.filter(status=EntitlementStatus.ACTIVE, standard__is_sample=True).exists()
    ):
        raise ValidationError(
            {
                "standard": _(
                    "Benefits are still computed from sample figures (示例): load the official standards before paying."
                )
            }
        )
    _switch_expired_standards(month)
    E, L, S = Entitlement._meta.db_table, MonthlyLine._meta.db_table, BenefitStandard._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {L} ({LINE_COLUMNS}) "
            f"SELECT e.id, %s, %s, e.monthly_amount, e.standard_id, s.article, '', '', %s, %s "
            f"FROM {E} e JOIN {S} s ON s.id = e.standard_id "
            f"WHERE e.status = %s AND e.effective_month <= %s "
            f"AND NOT EXISTS (SELECT 1 FROM {L} l WHERE l.entitlement_id = e.id AND l.month = %s AND l.kind = %s)",
            [month, LineKind.REGULAR, False, timezone.now(), EntitlementStatus.ACTIVE, month, month, LineKind.REGULAR],
        )
        count = cursor.rowcount
    record(
        event_type="benefit.month_paid",
        actor=actor,
        object_type="benefits.monthlyline",
        data={"month": f"{month:%Y-%m}", "lines": count},
    )
    return count


# --- standards -------------------------------------------------------------------------------------


def _overlaps(key: tuple[str, ...], start: dt.date, end: dt.date | None, *, exclude: int | None = None) -> bool:
    benefit_type, category, grade, cause, care_level, region = key
    qs = BenefitStandard.objects.filter(
        benefit_type=benefit_type, category=category, grade=grade, cause=cause, care_level=care_level, region=region
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
    if end is not None:
        qs = qs.filter(effective_from__lte=end)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or number < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount of zero or more.")}) from None
    return number.quantize(rules.CENT)


@audited
def do_change_standard(
    standard: BenefitStandard,
    *,
    effective_from: dt.date,
    actor: Actor,
    amount: Any = None,
    percent: Any = None,
    reason: str = "",
) -> BenefitStandard:
    """A province approver sets a new figure from ``effective_from``: the old row's period closes the
    day before, a new official row follows it, and every benefit paid from the old row is recomputed
    from that month (arrears or overpayment lines)."""
    require_province_approver(actor, standard.region)
    old = BenefitStandard.objects.select_for_update().get(pk=standard.pk)
    effective_from = rules.month_of(effective_from)
    if effective_from <= old.effective_from or (old.effective_to is not None and effective_from > old.effective_to):
        raise ValidationError(
            {
                "effective_from": _(
                    "The new figure must start within the period of the standard it replaces, after its start."
                )
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the standard changes (the document that sets it).")})
    new = BenefitStandard(
        benefit_type=old.benefit_type,
        category=old.category,
        grade=old.grade,
        cause=old.cause,
        care_level=old.care_level,
        region=old.region,
        effective_from=effective_from,
        effective_to=old.effective_to,
        formula=old.formula,
        base=old.base,
        article=old.article,
        is_sample=False,
        supersedes=old,
        created_by_id=getattr(actor, "pk", None),
    )
    if old.formula == Formula.FIXED:
        new.amount = _decimal(amount, "amount")
    else:
        new.percent = _decimal(percent, "percent")
        if new.percent > 100:
            raise ValidationError({"percent": _("A percentage is at most 100.")})
    old.effective_to = effective_from - dt.timedelta(days=1)
    old.save(update_fields=["effective_to"])
    new.save()
    changed = recompute_after_change(old, new)
    record(
        event_type="benefit.standard_changed",
        actor=actor,
        obj=new,
        division_code=old.region,
        reason=reason.strip(),
        data={
            "replaces": old.pk,
            "from": effective_from.isoformat(),
            "old": str(old.amount if old.formula == Formula.FIXED else old.percent),
            "new": str(new.amount if new.formula == Formula.FIXED else new.percent),
            **changed,
        },
    )
    return new


def recompute_after_change(old: BenefitStandard, new: BenefitStandard) -> dict[str, int]:
    """Recompute every benefit paid from ``old`` (or an earlier row of the same key) from ``new``'s
    first month: benefits move to ``new``; each stored month gets an arrears line (or a negative
    recovery line) for the difference. Set-based: one statement per amount (one for a fixed
    amount, one per division for a percentage of a regional base)."""
    E, L = Entitlement._meta.db_table, MonthlyLine._meta.db_table
    chain = list(
        BenefitStandard.objects.filter(
            benefit_type=old.benefit_type,
            category=old.category,
            grade=old.grade,
            cause=old.cause,
            care_level=old.care_level,
            region=old.region,
        ).values_list("pk", flat=True)
    )
    holders = Entitlement.objects.filter(standard_id__in=chain).exclude(
        status__in=[EntitlementStatus.CANCELLED, EntitlementStatus.ENDED]
    )
    if new.formula == Formula.FIXED:
        groups: list[tuple[Decimal, str | None]] = [(Decimal(new.amount or 0), None)]
    else:
        divisions = sorted(set(holders.values_list("division_id", flat=True)) | set(_line_divisions(chain, new)))
        groups = [(rules.amount_for(new, d, new.effective_from).amount, d) for d in divisions]
    if new.is_sample and not rules.samples_allowed():
        rules.amount_for(new, "", new.effective_from)  # raises the sample refusal
    placeholders = ", ".join(["%s"] * len(chain))
    now = timezone.now()
    lines = 0
    moved = 0
    for amount, division in groups:
        where_division = "AND e.division_id = %s " if division else ""
        division_params = [division] if division else []
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {L} ({LINE_COLUMNS}) "
                f"SELECT l.entitlement_id, l.month, "
                f"CASE WHEN CAST(%s AS NUMERIC) - SUM(l.amount) > 0 THEN %s ELSE %s END, "
                f"CAST(%s AS NUMERIC) - SUM(l.amount), %s, %s, %s, '', %s, %s "
                f"FROM {L} l JOIN {E} e ON e.id = l.entitlement_id "
                f"WHERE l.month >= %s AND l.kind IN (%s, %s, %s) {where_division}"
                f"GROUP BY l.entitlement_id, l.month "
                f"HAVING SUM(CASE WHEN l.standard_id IN ({placeholders}) THEN 1 ELSE 0 END) > 0 "
                f"AND SUM(l.amount) <> CAST(%s AS NUMERIC)",
                [
                    amount,
                    LineKind.ARREARS,
                    LineKind.RECOVERY,
                    amount,
                    new.pk,
                    new.article,
                    _("Standard changed from %(month)s") % {"month": f"{new.effective_from:%Y-%m}"},
                    False,
                    now,
                    new.effective_from,
                    LineKind.REGULAR,
                    LineKind.ARREARS,
                    LineKind.RECOVERY,
                    *division_params,
                    *chain,
                    amount,
                ],
            )
            lines += cursor.rowcount
            cursor.execute(
                f"UPDATE {E} SET standard_id = %s, monthly_amount = %s "
                f"WHERE standard_id IN ({placeholders}) AND status IN (%s, %s) "
                + ("AND division_id = %s" if division else ""),
                [new.pk, amount, *chain, EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED, *division_params],
            )
            moved += cursor.rowcount
    _sync_benefit_amounts(new)
    _record_wrong_standard_recoveries(new)
    return {"lines": lines, "benefits": moved}


def _line_divisions(chain: list[int], new: BenefitStandard) -> list[str]:
    return list(
        MonthlyLine.objects.filter(standard_id__in=chain, month__gte=new.effective_from)
        .values_list("entitlement__division_id", flat=True)
        .distinct()
    )


def _sync_benefit_amounts(new: BenefitStandard) -> None:
    """The register's monthly amount follows the standard (one statement)."""
    B, E = Benefit._meta.db_table, Entitlement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {B} SET amount = (SELECT e.monthly_amount FROM {E} e WHERE e.benefit_id = {B}.id) "
            f"WHERE id IN (SELECT benefit_id FROM {E} WHERE standard_id = %s)",
            [new.pk],
        )


def _record_wrong_standard_recoveries(new: BenefitStandard) -> None:
    """A lower figure applied to months already paid: each benefit's negative lines are one recovery item."""
    rows = (
        MonthlyLine.objects.filter(standard=new, kind=LineKind.RECOVERY, amount__lt=0)
        .values("entitlement_id")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        entitlement = Entitlement.objects.get(pk=row["entitlement_id"])
        months = sorted(
            MonthlyLine.objects.filter(entitlement=entitlement, standard=new, kind=LineKind.RECOVERY).values_list(
                "month", flat=True
            )
        )
        _new_recovery(entitlement, RecoveryCause.WRONG_STANDARD, months, -row["total"], source_ref=f"standard:{new.pk}")


# --- paying county -------------------------------------------------------------------------------


@audited
def do_change_paying_county(
    entitlement: Entitlement, *, to: Division, month: dt.date, actor: Actor | None, source_ref: str = ""
) -> Entitlement:
    """The benefit moves with its person to ``to`` (a county or below); that county pays from ``month``.

    The lines of earlier months stay with the old county's rosters, whenever they are written
    (``rosters.lines_paid_by``); the terms and amount are unchanged. Authorised by the caller (a
    transfer accepted by both counties).
    """
    locked = _lock(entitlement)
    first = rules.month_of(month)
    old_county = locked.county_code
    if to.code[:6] == old_county:
        return locked
    PayingCountyChange.objects.create(
        entitlement=locked,
        from_county_code=old_county,
        to_county_code=to.code[:6],
        month=first,
        source_ref=source_ref[:64],
    )
    locked.division = to
    locked.save()
    record(
        event_type="benefit.paying_county_changed",
        actor=actor,
        obj=locked,
        data={"from": old_county, "to": to.code[:6], "month": f"{first:%Y-%m}", "ref": source_ref},
    )
    return locked


# --- suspension, resumption, cancellation ---------------------------------------------------------


def _lock(entitlement: Entitlement) -> Entitlement:
    return Entitlement.objects.select_for_update().select_related("standard", "benefit").get(pk=entitlement.pk)


def _set_benefit_status(entitlement: Entitlement, status: str) -> None:
    Benefit.objects.filter(pk=entitlement.benefit_id).update(status=status, updated_at=timezone.now())


@audited
def do_suspend(
    entitlement: Entitlement,
    *,
    reason: str,
    actor: Actor | None,
    note: str = "",
    month: dt.date | None = None,
    source_ref: str = "",
) -> Entitlement:
    """Stop paying from ``month`` (default: this month, or next month if this month's line is stored).

    A back-dated suspension (``month`` before this month) stops from that month: the months already
    paid from it on were overpaid and become one recovery item (cause: paid while suspended)."""
    locked = _lock(entitlement)
    if reason not in SuspendReason.values:
        raise ValidationError({"reason": _("Choose a reason for the suspension from the list.")})
    if locked.status != EntitlementStatus.ACTIVE:
        raise ValidationError({"benefit": _("Only a benefit being paid can be suspended.")})
    current = rules.month_of(timezone.localdate())
    first = rules.month_of(month or timezone.localdate())
    # Decided this month: this month's payment, if stored, stands. Back-dated to an earlier month: the
    # months paid from it on were paid while suspended and become a recovery item (below).
    if first >= current and MonthlyLine.objects.filter(entitlement=locked, month=first, kind=LineKind.REGULAR).exists():
        first = rules.add_months(first, 1)
    locked.suspend()
    locked.suspended_from = first
    locked.reason = reason
    locked.reason_note = note.strip()[:255]
    locked.save()
    _set_benefit_status(locked, BenefitStatus.SUSPENDED)
    if first < current:
        _recover_after(locked, rules.add_months(first, -1), RecoveryCause.SUSPENSION, source_ref=source_ref)
    record(
        event_type="benefit.suspended",
        actor=actor,
        obj=locked,
        reason=note,
        data={"from": f"{first:%Y-%m}", "reason": _reason_words(SuspendReason, reason), "automatic": actor is None},
    )
    return locked


@audited
def do_suspend_overdue(entitlements: list[Entitlement], *, month: dt.date | None = None) -> list[Entitlement]:
    """The annual confirmation is overdue: suspend automatically (no actor) and send the notice."""
    done = []
    for entitlement in entitlements:
        if Entitlement.objects.filter(pk=entitlement.pk, status=EntitlementStatus.ACTIVE).exists():
            locked = do_suspend(entitlement, reason=SuspendReason.CONFIRMATION_OVERDUE, actor=None, month=month)
            for hook in SUSPENSION_NOTICE_HOOKS:
                hook(locked)
            _text_suspension_notice(locked)
            record(
                event_type="benefit.suspension_notice",
                actor=None,
                obj=locked,
                data={"reason": _reason_words(SuspendReason, locked.reason)},
            )
            done.append(locked)
    return done


# The SMS to the person whose benefit was suspended automatically (texts registered in BenefitsConfig.ready).
SUSPENSION_NOTICE_EVENT = "benefit.suspension_notice"


def _text_suspension_notice(entitlement: Entitlement) -> None:
    """The notice to the person: the event's fixed SMS text (no personal details), when a phone is on file."""
    from notifications.outbox import notify

    phone = (Subject.objects.filter(pk=entitlement.subject_id).values_list("phone", flat=True).first() or "").strip()
    if not phone:
        return
    month = entitlement.suspended_from or rules.month_of(timezone.localdate())
    notify(
        event=SUSPENSION_NOTICE_EVENT,
        context={"from": f"{month:%Y-%m}"},
        dedupe_key=f"{SUSPENSION_NOTICE_EVENT}:{entitlement.pk}:{month:%Y-%m}",
        recipient_phone=phone,
        division_code=entitlement.division_id,
    )


def _reason_words(choices: Any, code: str) -> str:
    """A reason as the audit trail shows it (in Chinese, as recorded): never a raw code."""
    with translation.override("zh-hans"):
        return str(choices(code).label) if code in choices.values else code


# Reasons after which the suspended months are paid back (补发); a sentence or a warrant is not.
BACK_PAY_REASONS = (SuspendReason.CONFIRMATION_OVERDUE, SuspendReason.PROBLEM_DATA)


@audited
def do_resume(
    entitlement: Entitlement, *, actor: Actor | None, note: str = "", month: dt.date | None = None
) -> Entitlement:
    """Pay again from ``month`` (default: this month); the suspended months are paid back as arrears
    lines when the suspension was for an overdue confirmation or problem data."""
    locked = _lock(entitlement)
    if locked.status != EntitlementStatus.SUSPENDED:
        raise ValidationError({"benefit": _("Only a suspended benefit can be resumed.")})
    current = rules.month_of(month or timezone.localdate())
    first = locked.suspended_from or current
    terms = _terms(locked)
    lines = []
    back = locked.reason in BACK_PAY_REASONS
    paid = set(
        MonthlyLine.objects.filter(
            entitlement=locked, month__gte=first, kind__in=[LineKind.REGULAR, LineKind.ARREARS]
        ).values_list("month", flat=True)
    )
    for m in rules.months_between(first, current):
        if m in paid or (m < current and not back):
            continue
        due = rules.compute(terms, m)
        kind = LineKind.REGULAR if m == current else LineKind.ARREARS
        note_text = "" if kind == LineKind.REGULAR else _("Paid back after the suspension (补发)")
        lines.append(_line(locked, m, kind, due.amount, standard=due.standard, article=due.article, note=note_text))
        locked.standard, locked.monthly_amount = due.standard, due.amount
    MonthlyLine.objects.bulk_create(lines)
    if back:
        _settle_suspension_recoveries(locked, first, actor=actor)
    locked.resume()
    locked.suspended_from = None
    locked.reason = ""
    locked.reason_note = ""
    locked.save()
    _set_benefit_status(locked, BenefitStatus.ACTIVE)
    record(
        event_type="benefit.resumed",
        actor=actor,
        obj=locked,
        reason=note,
        data={
            "from": f"{current:%Y-%m}",
            "back_paid_months": sum(1 for line in lines if line.kind == LineKind.ARREARS),
        },
    )
    return locked


def _settle_suspension_recoveries(entitlement: Entitlement, first: dt.date, *, actor: Actor | None) -> None:
    """Resumed with back-pay: the months a back-dated suspension had turned into an overpayment are owed
    after all (paid, so not paid again); the recovery items still undecided for them are waived."""
    for item in RecoveryItem.objects.select_for_update().filter(
        entitlement=entitlement, cause=RecoveryCause.SUSPENSION, status=RecoveryStatus.OPEN, first_month__gte=first
    ):
        item.to_recover = Decimal("0")
        item.waived = item.amount
        item.status = RecoveryStatus.WAIVED
        item.decision_reason = _("The suspended months are paid back (补发): nothing to recover.")
        item.decided_at = timezone.now()
        item.save()
        record(
            event_type="benefit.recovery_settled",
            actor=actor,
            obj=item,
            data={"waived": str(item.waived), "months": item.months},
        )


@audited
def do_cancel(
    entitlement: Entitlement,
    *,
    reason: str,
    actor: Actor,
    note: str = "",
    month: dt.date | None = None,
    source_ref: str = "",
) -> Entitlement:
    """Cancel eligibility (Art. 59: decided by the province; Art. 58: fraud): nothing is paid after
    ``month`` (default: this month); months already paid after it become a recovery item."""
    from subjects import actions as subject_actions

    locked = _lock(entitlement)
    if reason not in CancelReason.values:
        raise ValidationError({"reason": _("Choose a reason for the cancellation from the list.")})
    if not note.strip():
        raise ValidationError({"note": _("Give the decision and its grounds.")})
    province = locked.division_id[:2]
    scope.require_visible(actor, locked.division_id)
    if not is_province_approver(actor, province):
        raise Forbidden(_("Eligibility is cancelled by an approver of the province (Art. 59)."))
    if locked.status not in (EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED):
        raise ValidationError({"benefit": _("Only a benefit being paid or suspended can be cancelled.")})
    last = rules.month_of(month or timezone.localdate())
    locked.cancel()
    locked.reason = reason
    locked.reason_note = note.strip()[:255]
    locked.last_month = last
    locked.save()
    subject_actions.do_end_benefit(
        locked.benefit,
        end=max(rules.month_end(last), locked.benefit.start),
        reason=note.strip(),
        actor=actor,
        provenance="approved_case",
        source_ref=source_ref,
    )
    cause = RecoveryCause.FRAUD if reason == CancelReason.FRAUD else RecoveryCause.WRONG_STANDARD
    _recover_after(locked, last, cause, source_ref=source_ref, fraud=reason == CancelReason.FRAUD)
    record(
        event_type="benefit.cancelled",
        actor=actor,
        obj=locked,
        reason=note,
        data={"reason": _reason_words(CancelReason, reason), "last": f"{last:%Y-%m}"},
    )
    return locked


@audited
def do_end_with_register(benefit: Benefit, *, last_day: dt.date, actor: Actor | None, source_ref: str = "") -> None:
    """The register's benefit was ended by an approved case: its entitlement ends with it (the month
    of ``last_day`` is the last paid) and lines stored after it become a recovery item."""
    entitlement = Entitlement.objects.select_for_update().filter(benefit=benefit).first()
    if entitlement is None or entitlement.status not in (EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED):
        return
    last = rules.month_of(last_day)
    entitlement.end()
    entitlement.last_month = last
    entitlement.save()
    _recover_after(entitlement, last, RecoveryCause.WRONG_STANDARD, source_ref=source_ref)
    record(event_type="benefit.ended", actor=actor, obj=entitlement, data={"last": f"{last:%Y-%m}", "ref": source_ref})


# --- suspension, resumption and cancellation decided by a case --------------------------------------

# The notification event of a decision filed with the ministry (texts registered in BenefitsConfig.ready).
MINISTRY_FILING_EVENT = "benefit.ministry_filing"


@audited
def do_apply_status_change(
    subject: Subject,
    *,
    benefit_id: Any,
    change: str,
    reason: str,
    actor: Actor,
    effective_on: dt.date | None,
    note: str,
    source_ref: str,
) -> Entitlement:
    """Apply an approved case that suspends, resumes or cancels a benefit paid here.

    ``change``: ``suspend`` (from the month of ``effective_on``), ``resume`` (this month; the
    suspended months paid back when the reason allows), ``cancel`` (the month of ``effective_on`` is
    the last paid; lines after it become a recovery item). A decision of the province (Art. 59,
    :func:`benefits.changes.decided_by_province`) is filed with the ministry
    (:func:`do_file_with_ministry`). The benefit must still be in a state the change starts from
    (400 on ``benefit_id`` otherwise).
    """
    changes.check_reason(change, reason)
    entitlement = changes.entitlement_to_change(subject, benefit_id, change)
    province = changes.decided_by_province(change, reason, entitlement)
    lifted = entitlement.reason  # a resumption files the reason it lifts
    month = rules.month_of(effective_on or timezone.localdate())
    if change == changes.SUSPEND:
        locked = do_suspend(entitlement, reason=reason, actor=actor, note=note, month=month, source_ref=source_ref)
        month = locked.suspended_from or month
    elif change == changes.RESUME:
        locked = do_resume(entitlement, actor=actor, note=note)
        month = rules.month_of(timezone.localdate())
    else:
        locked = do_cancel(entitlement, reason=reason, actor=actor, note=note, month=month, source_ref=source_ref)
    if province:
        do_file_with_ministry(
            locked,
            action=change,
            reason=lifted if change == changes.RESUME else reason,
            month=month,
            case_number=source_ref,
            actor=actor,
        )
    return locked


@audited
def do_file_with_ministry(
    entitlement: Entitlement, *, action: str, reason: str, month: dt.date, case_number: str, actor: Actor
) -> MinistryFiling:
    """File a decision of the province with the ministry (报部备案): a filing row, an audit event, and a
    notice to the national supervisors (users with ``supervise`` over the nation)."""
    filing = MinistryFiling.objects.create(
        entitlement=entitlement,
        subject_id=entitlement.subject_id,
        division_id=entitlement.division_id,
        action=action,
        reason=reason,
        month=month,
        case_number=case_number,
        decided_by=staff_or_none(actor),
    )
    reasons = CancelReason if action == FilingAction.CANCEL else SuspendReason
    record(
        event_type="benefit.filed_with_ministry",
        actor=actor,
        obj=filing,
        data={
            "case": case_number,
            "action": action,
            "reason": _reason_words(reasons, reason) if reason else "",
            "from": f"{month:%Y-%m}",
        },
    )
    from notifications.outbox import notify

    notify(
        event=MINISTRY_FILING_EVENT,
        context={"case": case_number, "action": action},
        dedupe_key=f"{MINISTRY_FILING_EVENT}:{filing.pk}",
        recipients=scope.users_with_perm_at(SUPERVISE, NATION_CODE),
        division_code=entitlement.division_id,
    )
    return filing


# --- death and the funeral grant --------------------------------------------------------------------

# (type, condition) → (months of the monthly amount, article)
FUNERAL_RULES: list[tuple[str, Callable[[Entitlement, bool], bool], int, str]] = [
    (BenefitType.PERIODIC_PENSION, lambda e, illness: True, 6, "第二十二条"),
    (BenefitType.DISABILITY_PENSION, lambda e, illness: illness and e.cause in ("war", "duty"), 12, "第三十二条"),
    (BenefitType.LIVING_SUBSIDY, lambda e, illness: e.war_veteran, 6, "第六十二条"),
]


@audited
def do_record_death(
    subject: Subject,
    *,
    died_on: dt.date,
    actor: Actor | None,
    survivor: str = "",
    died_of_illness: bool = False,
    source_ref: str = "",
) -> list[MonthlyLine]:
    """A death ends every periodic benefit at the end of the month of death; the statute's funeral
    grant (丧葬补助) is one line to the survivor; regular lines after the month of death are overpaid
    and become recovery items (the month of death itself is owed)."""
    from subjects import actions as subject_actions

    death_month = rules.month_of(died_on)
    grants: list[MonthlyLine] = []
    # Benefits still paid, and those the death case itself ended this month (cases ends the register
    # row first, then the cross-check settles the death): each is settled once.
    entitlements = Entitlement.objects.select_for_update().filter(
        Q(status__in=[EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED])
        | Q(status=EntitlementStatus.ENDED, last_month__gte=death_month),
        subject=subject,
    )
    for entitlement in entitlements.select_related("benefit", "standard").order_by("pk"):
        if entitlement.status == EntitlementStatus.ENDED:
            if MonthlyLine.objects.filter(entitlement=entitlement, kind=LineKind.CONTINUATION).exists():
                continue
        else:
            entitlement.end()
        entitlement.last_month = death_month
        entitlement.reason_note = _("Died on %(date)s") % {"date": died_on.isoformat()}
        entitlement.save()
        if entitlement.benefit.status != BenefitStatus.ENDED:
            subject_actions.do_end_benefit(
                entitlement.benefit,
                end=max(rules.month_end(death_month), entitlement.benefit.start),
                reason=entitlement.reason_note,
                actor=actor,
                provenance="approved_case",
                source_ref=source_ref,
            )
        for benefit_type, applies, months, article in FUNERAL_RULES:
            if entitlement.benefit_type == benefit_type and applies(entitlement, died_of_illness):
                monthly = rules.compute(_terms(entitlement), min(death_month, rules.month_of(timezone.localdate())))
                grants.append(
                    MonthlyLine.objects.create(
                        entitlement=entitlement,
                        month=rules.add_months(death_month, 1),
                        kind=LineKind.CONTINUATION,
                        amount=monthly.amount * months,
                        standard=monthly.standard,
                        article=article,
                        payee=survivor.strip()[:64],
                        note=_("Funeral grant: %(n)d months of %(amount)s") % {"n": months, "amount": monthly.amount},
                    )
                )
        _recover_after(entitlement, death_month, RecoveryCause.DEATH, source_ref=source_ref)
    record(
        event_type="benefit.death_recorded",
        actor=actor,
        obj=subject,
        division_code=subject.division_id,
        data={"died_on": died_on.isoformat(), "funeral_grants": [str(g.amount) for g in grants], "ref": source_ref},
    )
    return grants


def _recover_after(
    entitlement: Entitlement, last_month: dt.date, cause: str, *, source_ref: str = "", fraud: bool = False
) -> RecoveryItem | None:
    """Regular and arrears lines for months after ``last_month`` were paid without entitlement."""
    paid = (
        MonthlyLine.objects.filter(
            entitlement=entitlement,
            month__gt=last_month,
            kind__in=[LineKind.REGULAR, LineKind.ARREARS, LineKind.RECOVERY],
        )
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    months = [row["month"] for row in paid if row["total"] > 0]
    total = sum((row["total"] for row in paid if row["total"] > 0), Decimal("0"))
    if not months:
        return None
    # The same months already recorded (a case ended the benefit, then the death was settled):
    # one item, with the later, more specific cause.
    existing = RecoveryItem.objects.filter(
        entitlement=entitlement, status=RecoveryStatus.OPEN, first_month=months[0], amount=total
    ).first()
    if existing is not None:
        existing.cause = cause
        existing.fraud_referral = existing.fraud_referral or fraud
        existing.save(update_fields=["cause", "fraud_referral"])
        return existing
    return _new_recovery(entitlement, cause, months, total, source_ref=source_ref, fraud=fraud)


def _new_recovery(
    entitlement: Entitlement,
    cause: str,
    months: list[dt.date],
    amount: Decimal,
    *,
    source_ref: str = "",
    fraud: bool = False,
) -> RecoveryItem:
    item = RecoveryItem.objects.create(
        subject_id=entitlement.subject_id,
        entitlement=entitlement,
        division_id=entitlement.division_id,
        cause=cause,
        first_month=months[0],
        last_month=months[-1],
        months=len(months),
        amount=amount,
        to_recover=amount,
        fraud_referral=fraud or cause == RecoveryCause.FRAUD,
        source_ref=source_ref,
    )
    record(
        event_type="benefit.overpayment_recorded",
        actor=None,
        obj=item,
        data={"cause": cause, "months": len(months), "amount": str(amount), "ref": source_ref},
    )
    return item


# --- recovery ------------------------------------------------------------------------------------


@audited
def do_decide_recovery(
    item: RecoveryItem,
    *,
    actor: Actor,
    to_recover: Any,
    instalments: int = 1,
    reason: str = "",
    first_due: dt.date | None = None,
    source_ref: str = "",
) -> RecoveryItem:
    """An approver decides: recover ``to_recover`` (at most the overpayment) in ``instalments``
    monthly instalments from ``first_due`` (default: the month after the decision); the rest is
    waived, which needs a reason. Recovering nothing is a full waiver.

    Called by the approval of a recovery case (``cases``, kind ``recovery``; ``source_ref``: its
    number): the pages and the API file that case, never this directly."""
    locked = RecoveryItem.objects.select_for_update().get(pk=item.pk)
    scope.require_perm(actor, APPROVE_CASES, locked.division_id)
    if locked.status != RecoveryStatus.OPEN:
        raise Conflict(_("This recovery has already been decided."), current_status=locked.status)
    amount = _decimal(to_recover, "to_recover")
    if amount > locked.amount:
        raise ValidationError(
            {
                "to_recover": _("The amount to recover (%(amount)s) is more than the overpayment (%(overpaid)s).")
                % {"amount": amount, "overpaid": locked.amount}
            }
        )
    if not isinstance(instalments, int) or not 1 <= instalments <= 120:
        raise ValidationError({"instalments": _("Choose between 1 and 120 instalments.")})
    if amount < locked.amount and not reason.strip():
        raise ValidationError({"reason": _("Say why part of the overpayment is waived.")})
    locked.to_recover = amount
    locked.waived = locked.amount - amount
    locked.instalments = instalments if amount > 0 else None
    due = rules.month_of(first_due) if first_due else rules.add_months(rules.month_of(timezone.localdate()), 1)
    locked.first_due = due if amount > 0 else None
    locked.status = RecoveryStatus.INSTALMENTS if amount > 0 else RecoveryStatus.WAIVED
    locked.decision_reason = reason.strip()[:255]
    locked.decided_by_id = getattr(actor, "pk", None)
    locked.decided_at = timezone.now()
    locked.save()
    record(
        event_type="benefit.recovery_decided",
        actor=actor,
        obj=locked,
        reason=reason,
        data={
            "to_recover": str(amount),
            "waived": str(locked.waived),
            "instalments": locked.instalments,
            "first_due": f"{locked.first_due:%Y-%m}" if locked.first_due else "",
            "case": source_ref,
        },
    )
    return locked


@audited
def do_record_repayment(item: RecoveryItem, *, actor: Actor, amount: Any, paid_on: dt.date) -> Repayment:
    locked = RecoveryItem.objects.select_for_update().get(pk=item.pk)
    scope.require_perm(actor, HANDLE_CASES, locked.division_id)
    if locked.status != RecoveryStatus.INSTALMENTS:
        raise ValidationError({"amount": _("Repayments are recorded once recovery has been decided.")})
    value = _decimal(amount, "amount")
    balance = locked.to_recover - locked.repaid
    if value <= 0 or value > balance:
        raise ValidationError(
            {"amount": _("A repayment is more than zero and at most the balance (%(balance)s).") % {"balance": balance}}
        )
    repayment = Repayment.objects.create(
        item=locked, amount=value, paid_on=paid_on, recorded_by_id=getattr(actor, "pk", None)
    )
    locked.repaid += value
    if locked.repaid >= locked.to_recover:
        locked.status = RecoveryStatus.RECOVERED
    locked.save(update_fields=["repaid", "status"])
    record(
        event_type="benefit.repaid",
        actor=actor,
        obj=locked,
        data={"amount": str(value), "paid_on": paid_on.isoformat()},
    )
    return repayment
