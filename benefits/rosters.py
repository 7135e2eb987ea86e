# ruff: noqa: S608  (table names are model constants; every value is a bound parameter)
"""Payment rosters (发放花名册): bank accounts, generation, maker-checker approval, the bank file, the
bank's return file, reconciliation and closing. Every write is an action (one transaction, audited).

Layouts (documented in docs/benefits.md):

- bank file (``BANK_FORMATS["csv"]``): header ``行号,户名,账号,金额,摘要``, one row per roster line,
  then the control row ``合计,<lines>,,<total>,``;
- return file: header ``行号,金额,结果,原因`` (结果 ``成功`` or ``退票``; a 退票 names its reason), one
  row per roster line, then ``合计,<total>``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import audited, record
from core.errors import Conflict, Forbidden
from jurisdictions import scope
from jurisdictions.models import Division
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES
from subjects import ids

from . import rules, work_steps
from .models import (
    Entitlement,
    EntitlementStatus,
    ItemStatus,
    MonthlyLine,
    PayingCountyChange,
    Roster,
    RosterItem,
    RosterStatus,
)

PERIOD_RE = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
ZERO = Decimal("0.00")


# --- bank accounts ---------------------------------------------------------------------------------


def normalise_account(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


def mask_account(number: str) -> str:
    """``6222********1234``: the first and last four digits kept."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def encrypt_account(number: str) -> str:
    """Token of the account under the ID numbers' key ring (``subjects.ids``)."""
    return ids.fernet().encrypt(number.encode("ascii")).decode("ascii")


def decrypt_account(token: str) -> str:
    return ids.fernet().decrypt(token.encode("ascii")).decode("ascii")


@audited
def do_set_account(entitlement: Entitlement, *, account: str, actor: Actor | None, reason: str = "") -> Entitlement:
    """Record (or correct) the account a benefit is paid into; lines the bank returned for this
    benefit become ready to be reissued in the next roster."""
    locked = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, locked.division_id)
    number = normalise_account(account)
    if not re.fullmatch(r"\d{8,30}", number):
        raise ValidationError({"account": _("A bank account number is 8 to 30 digits.")})
    locked.account_encrypted = encrypt_account(number)
    locked.account_masked = mask_account(number)
    locked.save(update_fields=["account_encrypted", "account_masked"])
    corrected = RosterItem.objects.filter(entitlement=locked, status=ItemStatus.RETURNED, needs_correction=True).update(
        needs_correction=False
    )
    record(
        event_type="benefit.account_set",
        actor=actor,
        obj=locked,
        reason=reason,
        data={"account": locked.account_masked, "returned_lines_corrected": corrected},
    )
    return locked


@audited
def do_reveal_account(entitlement: Entitlement, *, actor: Actor, reason: str) -> str:
    """The full account number, for a stated reason (audited)."""
    scope.require_perm(actor, HANDLE_CASES, entitlement.division_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the full account number is needed.")})
    if not entitlement.account_encrypted:
        raise ValidationError({"account": _("No bank account is recorded for this benefit.")})
    record(event_type="benefit.account_revealed", actor=actor, obj=entitlement, reason=reason.strip())
    return decrypt_account(entitlement.account_encrypted)


# --- periods ---------------------------------------------------------------------------------------


def period_months(period: str) -> tuple[dt.date, dt.date]:
    """First and last month of ``YYYY-MM`` or ``YYYY-Qn``."""
    match = PERIOD_RE.match(period or "")
    if not match:
        raise ValidationError({"period": _("Enter the cycle as YYYY-MM (a month) or YYYY-Qn (a quarter).")})
    year = int(match.group(1))
    if match.group(2):
        first = dt.date(year, int(match.group(2)), 1)
        return first, first
    quarter = int(match.group(3))
    first = dt.date(year, 3 * quarter - 2, 1)
    return first, rules.add_months(first, 2)


# --- generation ------------------------------------------------------------------------------------


@audited
def lines_paid_by(county_code: str) -> QuerySet[MonthlyLine]:
    """The monthly lines ``county_code`` pays: of its benefits, except months before a benefit came to
    it, plus the months before a benefit left it (``PayingCountyChange``, a transfer between jurisdictions).

    A line's paying county is the ``from_county_code`` of the first change after the line's month,
    else the entitlement's county: a line written later for an earlier month (arrears) still goes to
    the county that paid that month.
    """
    first_change_after = (
        PayingCountyChange.objects.filter(entitlement_id=OuterRef("entitlement_id"), month__gt=OuterRef("month"))
        .order_by("month", "id")
        .values("from_county_code")[:1]
    )
    moved_away = PayingCountyChange.objects.filter(from_county_code=county_code).values("entitlement_id")
    return (
        MonthlyLine.objects.filter(Q(entitlement__county_code=county_code) | Q(entitlement_id__in=moved_away))
        .annotate(paying_county=Coalesce(Subquery(first_change_after), F("entitlement__county_code")))
        .filter(paying_county=county_code)
    )


def do_generate_roster(division_code: str, period: str, *, actor: Actor | None) -> Roster:
    """Make the county's roster for a cycle from the stored lines not yet on a roster (regular,
    arrears, recovery deductions; up to the cycle's last month) of the benefits being paid, plus the
    payments the bank returned whose account has since been corrected, for benefits still being paid
    (reissued)."""
    _first, last = period_months(period)
    division = Division.objects.filter(code=division_code).first()
    if division is None or len(division.code) != 6:
        raise ValidationError({"division": _("Rosters are made per county: give a county's six-digit code.")})
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, division.code)
    roster = Roster(division=division, period=period, made_by_id=getattr(actor, "pk", None))
    try:
        with transaction.atomic():  # a duplicate leaves the caller's transaction usable (409, nothing else)
            roster.save()
    except IntegrityError:
        raise Conflict(_("The roster of this county for this cycle already exists.")) from None
    counts = _fill_rosters(period, last, [roster.pk])
    roster.refresh_from_db(fields=["total", "item_count"])
    work_steps.open_roster_approval(roster, maker=actor)
    record(
        event_type="benefit.roster_generated",
        actor=actor,
        obj=roster,
        data={"period": period, "lines": roster.item_count, "total": str(roster.total), **counts},
    )
    return roster


def _fill_rosters(period: str, last: dt.date, roster_ids: list[int]) -> dict[str, int]:
    """Fill new (empty) rosters of one cycle, each for its county, set-based: a few statements
    whatever the number of counties and benefits. Claim the lines, one roster line per benefit from
    the lines it claimed (so each line equals its monthly lines by construction), the reissues, then
    each roster's control total and line count."""
    line_t, ent_t, item_t, roster_t = (
        MonthlyLine._meta.db_table,
        Entitlement._meta.db_table,
        RosterItem._meta.db_table,
        Roster._meta.db_table,
    )
    subject_t = "subjects_subject"
    change_t = PayingCountyChange._meta.db_table
    active, pending = EntitlementStatus.ACTIVE, ItemStatus.PENDING
    ids_sql = ", ".join(["%s"] * len(roster_ids))
    with connection.cursor() as cur:
        # 1. Claim the unrostered lines (up to the cycle's last month) of the benefits being paid that
        #    have an account and a net amount above zero (a larger deduction waits for later lines).
        #    (a) Benefits that never changed paying county (nearly all): each line is its county's.
        cur.execute(
            f"UPDATE {line_t} SET roster_id = r.id FROM {ent_t} e, {roster_t} r"
            f" WHERE e.id = {line_t}.entitlement_id AND r.county_code = e.county_code AND r.id IN ({ids_sql})"
            f" AND {line_t}.roster_id IS NULL AND {line_t}.locked = %s AND {line_t}.month <= %s"
            f" AND e.status = %s AND e.account_encrypted <> ''"
            f" AND NOT EXISTS (SELECT 1 FROM {change_t} p WHERE p.entitlement_id = e.id)"
            f" AND {line_t}.entitlement_id IN (SELECT l.entitlement_id FROM {line_t} l JOIN {ent_t} f"
            f" ON f.id = l.entitlement_id JOIN {roster_t} q ON q.county_code = f.county_code"
            f" WHERE q.id IN ({ids_sql}) AND f.status = %s AND f.account_encrypted <> ''"
            f" AND l.roster_id IS NULL AND l.locked = %s AND l.month <= %s"
            f" GROUP BY l.entitlement_id HAVING SUM(l.amount) > 0)",
            [*roster_ids, False, last, active, *roster_ids, active, False, last],
        )

        #    (b) Benefits that moved (a transfer, ``PayingCountyChange``): a line is paid by the county that
        #    paid its month — the ``from`` county of the first change after the month, else the benefit's.
        def paying(line: str, ent: str) -> str:
            return (
                f"COALESCE((SELECT p.from_county_code FROM {change_t} p WHERE p.entitlement_id = {line}.entitlement_id"
                f" AND p.month > {line}.month ORDER BY p.month, p.id LIMIT 1), {ent}.county_code)"
            )

        cur.execute(
            f"UPDATE {line_t} SET roster_id = r.id FROM {ent_t} e, {roster_t} r"
            f" WHERE e.id = {line_t}.entitlement_id AND r.id IN ({ids_sql})"
            f" AND e.id IN (SELECT p.entitlement_id FROM {change_t} p)"
            f" AND r.county_code = {paying(line_t, 'e')}"
            f" AND {line_t}.roster_id IS NULL AND {line_t}.locked = %s AND {line_t}.month <= %s"
            f" AND e.status = %s AND e.account_encrypted <> ''"
            f" AND ({line_t}.entitlement_id, r.id) IN (SELECT l.entitlement_id, q.id FROM {line_t} l JOIN {ent_t} f"
            f" ON f.id = l.entitlement_id JOIN {roster_t} q ON q.county_code = {paying('l', 'f')}"
            f" WHERE q.id IN ({ids_sql}) AND f.status = %s AND f.account_encrypted <> ''"
            f" AND f.id IN (SELECT p.entitlement_id FROM {change_t} p)"
            f" AND l.roster_id IS NULL AND l.locked = %s AND l.month <= %s"
            f" GROUP BY l.entitlement_id, q.id HAVING SUM(l.amount) > 0)",
            [*roster_ids, False, last, active, *roster_ids, active, False, last],
        )
        # 2. One roster line per benefit, numbered per roster in benefit order.
        cur.execute(
            f'INSERT INTO {item_t} (roster_id, "row", entitlement_id, amount, payee, account_encrypted,'
            f" account_masked, status, return_reason, needs_correction, reissue_of_id)"
            f" SELECT c.roster_id, ROW_NUMBER() OVER (PARTITION BY c.roster_id ORDER BY c.entitlement_id),"
            f" c.entitlement_id, c.amount, SUBSTR(s.name, 1, 64), e.account_encrypted, e.account_masked,"
            f" %s, '', %s, NULL"
            f" FROM (SELECT roster_id, entitlement_id, SUM(amount) AS amount FROM {line_t}"
            f" WHERE roster_id IN ({ids_sql}) GROUP BY roster_id, entitlement_id) c"
            f" JOIN {ent_t} e ON e.id = c.entitlement_id JOIN {subject_t} s ON s.id = e.subject_id",
            [pending, False, *roster_ids],
        )
        # 3. Returned payments whose account was corrected, of benefits still being paid (a suspended
        #    one waits for its resumption; an ended or cancelled one is settled otherwise), numbered
        #    after the roster's regular lines.
        cur.execute(
            f'INSERT INTO {item_t} (roster_id, "row", entitlement_id, amount, payee, account_encrypted,'
            f" account_masked, status, return_reason, needs_correction, reissue_of_id)"
            f" SELECT n.id, (SELECT COUNT(*) FROM {item_t} k WHERE k.roster_id = n.id)"
            f' + ROW_NUMBER() OVER (PARTITION BY n.id ORDER BY o.roster_id, o."row"),'
            f" o.entitlement_id, o.amount, SUBSTR(s.name, 1, 64), e.account_encrypted, e.account_masked,"
            f" %s, '', %s, o.id"
            f" FROM {item_t} o JOIN {roster_t} r ON r.id = o.roster_id"
            f" JOIN {roster_t} n ON n.county_code = r.county_code AND n.id IN ({ids_sql})"
            f" JOIN {ent_t} e ON e.id = o.entitlement_id JOIN {subject_t} s ON s.id = e.subject_id"
            f" WHERE o.status = %s AND o.needs_correction = %s AND e.status = %s"
            f" AND NOT EXISTS (SELECT 1 FROM {item_t} x WHERE x.reissue_of_id = o.id)",
            [pending, False, *roster_ids, ItemStatus.RETURNED, False, active],
        )
        reissued = cur.rowcount
        # 4. Each roster's control total and line count.
        cur.execute(
            f"UPDATE {roster_t} SET total = COALESCE((SELECT SUM(i.amount) FROM {item_t} i"
            f" WHERE i.roster_id = {roster_t}.id), 0), item_count = (SELECT COUNT(*) FROM {item_t} i"
            f" WHERE i.roster_id = {roster_t}.id) WHERE id IN ({ids_sql})",
            [*roster_ids],
        )
        # Benefits left out for want of an account (their lines wait).
        cur.execute(
            f"SELECT COUNT(DISTINCT e.id) FROM {ent_t} e JOIN {line_t} l ON l.entitlement_id = e.id"
            f" JOIN {roster_t} r ON r.county_code = e.county_code AND r.id IN ({ids_sql})"
            f" WHERE e.status = %s AND e.account_encrypted = '' AND l.roster_id IS NULL"
            f" AND l.locked = %s AND l.month <= %s",
            [*roster_ids, active, False, last],
        )
        without_account = cur.fetchone()[0]
    return {"reissued": reissued, "without_account": without_account}


@audited
def do_generate_rosters(code: str, period: str, *, actor: Actor | None) -> list[Roster]:
    """A city's or a province's rosters for a cycle in one go: one per county under ``code`` that has
    benefits being paid and no roster of the cycle yet, filled set-based (one audit event)."""
    _first, last = period_months(period)
    division = Division.objects.filter(code=code or "").first()
    if division is None or len(division.code) not in (2, 4):
        raise ValidationError({"division": _("Give a province's or a city's code to make all its counties' rosters.")})
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, division.code)
    counties = sorted(
        set(
            Entitlement.objects.filter(county_code__startswith=division.code, status=EntitlementStatus.ACTIVE)
            .values_list("county_code", flat=True)
            .distinct()
        )
        - set(
            Roster.objects.filter(period=period, county_code__startswith=division.code).values_list(
                "county_code", flat=True
            )
        )
    )
    maker = getattr(actor, "pk", None)
    try:
        with transaction.atomic():
            made = Roster.objects.bulk_create(
                [
                    Roster(division_id=county, period=period, made_by_id=maker, **Roster.codes_for(county))
                    for county in counties
                ]
            )
    except IntegrityError:
        raise Conflict(_("The roster of a county for this cycle was made meanwhile; try again.")) from None
    if not made:
        return []
    ids = [roster.pk for roster in made]
    if not all(ids):  # a backend that returns no ids from a bulk insert
        ids = list(Roster.objects.filter(period=period, county_code__in=counties).values_list("pk", flat=True))
    counts = _fill_rosters(period, last, ids)
    filled = list(Roster.objects.filter(pk__in=ids).order_by("county_code"))
    for roster in filled:
        work_steps.open_roster_approval(roster, maker=actor)
    record(
        event_type="benefit.rosters_generated",
        actor=actor,
        division_code=division.code,
        object_type="benefits.roster",
        data={
            "period": period,
            "rosters": len(filled),
            "lines": sum(r.item_count for r in filled),
            "total": str(sum((r.total for r in filled), ZERO)),
            **counts,
        },
    )
    return filled


# --- approval (maker-checker) ----------------------------------------------------------------------


def _lock_roster(roster: Roster) -> Roster:
    return Roster.objects.select_for_update().get(pk=roster.pk)


def balance_errors(roster: Roster) -> list[str]:
    """Where the roster does not balance: each line against its monthly lines, the total against the lines."""
    errors = []
    sums = dict(
        MonthlyLine.objects.filter(roster_id=roster.pk)
        .values("entitlement_id")
        .annotate(total=Sum("amount"))
        .values_list("entitlement_id", "total")
    )
    total = ZERO
    for item in RosterItem.objects.filter(roster=roster).order_by("row"):
        total += item.amount
        if item.reissue_of_id is None and sums.get(item.entitlement_id, ZERO) != item.amount:
            errors.append(
                _("Row %(row)d, field amount: %(amount)s differs from its monthly lines (%(lines)s).")
                % {"row": item.row, "amount": item.amount, "lines": sums.get(item.entitlement_id, ZERO)}
            )
    if total != roster.total:
        errors.append(
            _("Field total: the control total %(total)s differs from the sum of the lines (%(sum)s).")
            % {"total": roster.total, "sum": total}
        )
    return errors


@audited
def do_approve_roster(roster: Roster, *, actor: Actor) -> Roster:
    """A second person approves: the roster must balance; its monthly lines become immutable."""
    locked = _lock_roster(roster)
    scope.require_perm(actor, APPROVE_CASES, locked.division_id)
    if locked.made_by_id is not None and locked.made_by_id == getattr(actor, "pk", None):
        raise Forbidden(_("The person who made a roster cannot approve it: a second person approves."))
    if locked.status != RosterStatus.DRAFT:
        raise Conflict(_("This roster has already been approved."), current_status=locked.status)
    errors = balance_errors(locked)
    if errors:
        raise ValidationError({"total": errors})
    MonthlyLine.objects.filter(roster_id=locked.pk).update(locked=True)
    locked.status = RosterStatus.APPROVED
    locked.approved_by_id = getattr(actor, "pk", None)
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    work_steps.close_roster_approval(locked, actor=actor)
    record(event_type="benefit.roster_approved", actor=actor, obj=locked, data={"total": str(locked.total)})
    return locked


# --- the bank file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankFile:
    filename: str
    content_type: str
    content: bytes


def _csv_layout(roster: Roster, items: list[RosterItem]) -> BankFile:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["行号", "户名", "账号", "金额", "摘要"])
    for item in items:
        writer.writerow(
            [
                item.row,
                item.payee,
                decrypt_account(item.account_encrypted),
                f"{item.amount:.2f}",
                f"抚恤补助{roster.period}",
            ]
        )
    writer.writerow(["合计", len(items), "", f"{roster.total:.2f}", ""])
    return BankFile(
        f"roster-{roster.division_id}-{roster.period}.csv", "text/csv; charset=utf-8", out.getvalue().encode()
    )


# A bank's own layout registers here (name → function of the roster and its lines).
BANK_FORMATS: dict[str, Callable[[Roster, list[RosterItem]], BankFile]] = {"csv": _csv_layout}


@audited
def do_export_bank_file(roster: Roster, *, actor: Actor | None, layout: str = "csv") -> BankFile:
    """The approved roster in the bank's layout, with its control total (audited: it holds accounts)."""
    roster = Roster.objects.get(pk=roster.pk)
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, roster.division_id)
    if roster.status == RosterStatus.DRAFT:
        raise ValidationError({"status": _("Only an approved roster is sent to the bank.")})
    if layout not in BANK_FORMATS:
        raise ValidationError({"layout": _("Unknown bank file layout.")})
    items = list(RosterItem.objects.filter(roster=roster).order_by("row"))
    record(
        event_type="benefit.roster_exported",
        actor=actor,
        obj=roster,
        data={"layout": layout, "lines": len(items), "total": str(roster.total)},
    )
    return BANK_FORMATS[layout](roster, items)


# --- the bank's return file ------------------------------------------------------------------------

PAID_WORDS: dict[str, str] = {
    "成功": ItemStatus.PAID,
    "paid": ItemStatus.PAID,
    "退票": ItemStatus.RETURNED,
    "returned": ItemStatus.RETURNED,
}


def _money(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value.quantize(Decimal("0.01")) if value.is_finite() else None


@audited
def do_import_returns(roster: Roster, content: str, *, actor: Actor | None) -> dict[str, Any]:
    """Apply the bank's answer for every line of the roster (all or nothing): paid, or returned (退票)
    with its reason. A returned line waits for the caseworker to correct the account."""
    locked = _lock_roster(roster)
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, locked.division_id)
    if locked.status != RosterStatus.APPROVED:
        raise ValidationError({"file": _("A return file is imported for an approved roster not yet closed.")})
    items = {item.row: item for item in RosterItem.objects.select_for_update().filter(roster=locked)}
    errors: list[str] = []
    answers: dict[int, tuple[str, str]] = {}
    file_sum = ZERO
    control: Decimal | None = None
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    for number, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        if not cells or not any(cells) or (number == 1 and cells[0] == "行号"):
            continue
        if cells[0] == "合计":
            control = _money(cells[1]) if len(cells) > 1 else None
            if control is None:
                errors.append(_("Row %(n)d, field 金额: the control total is not an amount.") % {"n": number})
            continue
        cells += [""] * (4 - len(cells))
        row_text, amount_text, result, reason = cells[:4]
        item = items.get(int(row_text)) if re.fullmatch(r"[0-9]{1,9}", row_text) else None
        if item is None:
            errors.append(
                _("Row %(n)d, field 行号: the roster has no line %(row)s.") % {"n": number, "row": row_text or "—"}
            )
            continue
        if item.row in answers:
            errors.append(_("Row %(n)d, field 行号: line %(row)d is answered twice.") % {"n": number, "row": item.row})
            continue
        if item.status != ItemStatus.PENDING:
            errors.append(
                _("Row %(n)d, field 行号: line %(row)d already has the bank's answer.") % {"n": number, "row": item.row}
            )
            continue
        amount = _money(amount_text)
        if amount is None or amount != item.amount:
            errors.append(
                _("Row %(n)d, field 金额: %(amount)s differs from the roster's %(expected)s for line %(row)d.")
                % {"n": number, "amount": amount_text or "—", "expected": item.amount, "row": item.row}
            )
            continue
        answer = PAID_WORDS.get(result)
        if answer is None:
            errors.append(_("Row %(n)d, field 结果: write 成功 or 退票.") % {"n": number})
            continue
        if answer == ItemStatus.RETURNED and not reason:
            errors.append(_("Row %(n)d, field 原因: a 退票 gives the bank's reason.") % {"n": number})
            continue
        file_sum += amount
        answers[item.row] = (str(answer), reason)
    for row, item in sorted(items.items()):
        if item.status == ItemStatus.PENDING and row not in answers and not errors:
            errors.append(_("Line %(row)d of the roster has no answer in the return file.") % {"row": row})
    if control is None and not errors:
        errors.append(_("Field 合计: the return file has no control total row."))
    elif control is not None and control != file_sum:
        errors.append(
            _("Field 合计: the control total %(control)s differs from the sum of the rows (%(sum)s).")
            % {"control": control, "sum": file_sum}
        )
    if errors:
        raise ValidationError({"file": errors})
    returned = 0
    for row, (outcome, reason) in answers.items():
        answered = items[row]
        answered.status = outcome
        answered.return_reason = reason[:255]
        answered.needs_correction = outcome == ItemStatus.RETURNED
        returned += outcome == ItemStatus.RETURNED
        answered.save(update_fields=["status", "return_reason", "needs_correction"])
    summary = reconciliation(locked)
    record(
        event_type="benefit.roster_returns_imported",
        actor=actor,
        obj=locked,
        data={"answered": len(answers), "returned": returned, "paid": str(summary["paid"])},
    )
    return summary


# --- reconciliation and closing --------------------------------------------------------------------


def reconciliation(roster: Roster) -> dict[str, Any]:
    """Roster total against paid + returned, in total and per line (each line answered once)."""
    sums: dict[str, Decimal] = dict.fromkeys(ItemStatus.values, ZERO)
    counts: dict[str, int] = dict.fromkeys(ItemStatus.values, 0)
    for status, amount in RosterItem.objects.filter(roster=roster).values_list("status", "amount"):
        sums[status] += amount
        counts[status] += 1
    paid, returned, pending = sums[ItemStatus.PAID], sums[ItemStatus.RETURNED], sums[ItemStatus.PENDING]
    return {
        "total": roster.total,
        "paid": paid,
        "returned": returned,
        "pending": pending,
        "paid_lines": counts[ItemStatus.PAID],
        "returned_lines": counts[ItemStatus.RETURNED],
        "pending_lines": counts[ItemStatus.PENDING],
        "balanced": counts[ItemStatus.PENDING] == 0 and paid + returned == roster.total,
    }


@audited
def do_close_roster(roster: Roster, *, actor: Actor | None) -> Roster:
    """Close the cycle once every line is paid or returned and roster = paid + returned."""
    locked = _lock_roster(roster)
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, locked.division_id)
    if locked.status != RosterStatus.APPROVED:
        raise ValidationError({"status": _("Only an approved roster can be closed.")})
    result = reconciliation(locked)
    errors = balance_errors(locked)
    if result["pending_lines"]:
        pending = RosterItem.objects.filter(roster=locked, status=ItemStatus.PENDING).order_by("row")
        errors.extend(
            _("Row %(row)d, field status: the bank has not answered for this line.") % {"row": item.row}
            for item in pending[:20]
        )
    if result["paid"] + result["returned"] != locked.total:
        errors.append(
            _("Field total: the roster's %(total)s is not paid %(paid)s + returned %(returned)s.")
            % {"total": locked.total, "paid": result["paid"], "returned": result["returned"]}
        )
    if errors:
        raise ValidationError({"status": errors})
    locked.status = RosterStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    record(event_type="benefit.roster_closed", actor=actor, obj=locked, data={k: str(v) for k, v in result.items()})
    return locked
