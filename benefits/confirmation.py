# ruff: noqa: S608  (table names are model constants; every value is a bound parameter)
"""The annual confirmation (年度确认): campaigns, items, the data match, the other methods, the
spot-check (抽查), automatic suspension after the grace period and resumption with back-pay.

**Why a registry.** The living-evidence rules read the department feeds, which the cross-check
app (above benefits in the layers) loads and owns (layouts, batches, the blind-index join).
The campaign itself belongs to the benefits ledger (it suspends and resumes entitlements), so
benefits owns the registry :data:`EVIDENCE_RULES` and crosscheck fills it from its
``AppConfig.ready()`` (``crosscheck.living``). Each rule is one set-based ``SELECT`` over the
current feeds; the match applies it to a whole campaign in one ``UPDATE … FROM`` per rule.

Every write is an action: one transaction, locks, an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import audited, record
from core.errors import Conflict, Forbidden
from jurisdictions import scope
from jurisdictions.models import Division, level_of_code, normalise_code
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, SUPERVISE, VIEW

from . import actions, rules, work_steps
from .models import (
    CampaignStatus,
    ConfirmationCampaign,
    ConfirmationItem,
    ConfirmationMethod,
    ConfirmationStatus,
    Entitlement,
    EntitlementStatus,
    SpotCheck,
    SuspendReason,
)

# How old living evidence may be: dated (or loaded) within this many months before the match.
EVIDENCE_MONTHS = 6
DEFAULT_WINDOW_DAYS = 60
# Evidence keys a person's confirmation may carry (no images: Laurel stores no face data).
EVIDENCE_KEYS = {"performed_by", "performed_on", "reference", "note"}
# Methods that need a reference to the record kept elsewhere (the call's or the face check's id).
NEEDS_REFERENCE = {ConfirmationMethod.VIDEO, ConfirmationMethod.FACE_ELSEWHERE}
# Always available whatever the person's means: no camera, no phone, no biometrics.
NON_BIOMETRIC = (ConfirmationMethod.HOME_VISIT, ConfirmationMethod.STATION)
ITEM = ConfirmationItem._meta.db_table
ENT = Entitlement._meta.db_table
CAMPAIGN = ConfirmationCampaign._meta.db_table


# --- the registry of living-evidence rules ----------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRule:
    """A living-evidence rule over department data.

    ``select(since)`` returns ``(sql, params)`` of a ``SELECT subject_id, batch_id, evidence_date``
    (evidence dated on or after ``since``), or ``None`` when the feeds it reads are not loaded.
    A *veto* rule selects people who must never be confirmed silently (a death on record).
    """

    code: str
    label: Any  # lazy translatable label
    select: Callable[[dt.date], tuple[str, list[Any]] | None]
    veto: bool = False


EVIDENCE_RULES: dict[str, EvidenceRule] = {}


def register_evidence_rule(rule: EvidenceRule) -> None:
    """Add (or replace, by code) a rule; rules apply in registration order (vetoes first)."""
    EVIDENCE_RULES[rule.code] = rule


def rule_label(code: str) -> str:
    rule = EVIDENCE_RULES.get(code)
    return str(rule.label) if rule is not None else code


def date_sql() -> str:
    """A placeholder for a date constant in a rule's select list (typed on PostgreSQL)."""
    return "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"


def date_param(day: dt.date) -> Any:
    return day if connection.vendor == "postgresql" else day.isoformat()


def evidence_since(today: dt.date) -> dt.date:
    return rules.add_months(rules.month_of(today), -EVIDENCE_MONTHS)


# --- reads and access --------------------------------------------------------------------------------


def campaigns_for(user: Any) -> QuerySet[ConfirmationCampaign]:
    """Campaigns covering some part of the user's jurisdiction: in their subtree or above it."""
    codes = scope.codes_with(user, VIEW)
    if not codes:
        return ConfirmationCampaign.objects.none()
    q = Q(pk__in=[])
    subtree = {2: "province_code", 4: "city_code", 6: "county_code"}
    for code in codes:
        if code == "CN":
            return ConfirmationCampaign.objects.select_related("division").order_by("-year", "-id")
        if len(code) in subtree:
            q |= Q(**{subtree[len(code)]: code})
        q |= Q(division_id__in=[code[:n] for n in (2, 4, 6) if n < len(code)])
    return ConfirmationCampaign.objects.filter(q).select_related("division").order_by("-year", "-id")


def access_campaign(user: Any, pk: Any) -> ConfirmationCampaign:
    """The campaign if it covers part of the user's jurisdiction, else 404."""
    try:
        campaign = ConfirmationCampaign.objects.select_related("division").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        campaign = None
    if campaign is None:
        raise Http404(_("Not found."))
    scope.access_division(user, campaign.division_id)
    return campaign


def access_item(user: Any, pk: Any, *, codename: str | None = None) -> ConfirmationItem:
    """The item if it lies in the user's jurisdiction (404), with ``codename`` there (403)."""
    try:
        item = ConfirmationItem.objects.select_related("campaign", "subject").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        item = None
    return scope.access_located(user, item, codename=codename)  # type: ignore[return-value]


def items_for(user: Any, campaign: ConfirmationCampaign, *, status: str = "") -> QuerySet[ConfirmationItem]:
    qs = scope.scoped(ConfirmationItem.objects.filter(campaign=campaign), user)
    if status == "spot_check":
        qs = qs.filter(spot_check=SpotCheck.PENDING)
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("subject", "division").order_by("id")


LEVELS = {"province": "province_code", "city": "city_code", "county": "county_code", "township": "division_id"}


def progress(campaign: ConfirmationCampaign, user: Any, *, level: str = "county") -> list[dict[str, Any]]:
    """Counts per division of ``level`` (township, county, city, province), in the user's part."""
    column = LEVELS.get(level, "county_code")
    rows = (
        scope.scoped(ConfirmationItem.objects.filter(campaign=campaign), user)
        .values(column)
        .annotate(
            total=Count("id"),
            confirmed=Count("id", filter=Q(status=ConfirmationStatus.CONFIRMED)),
            data_match=Count("id", filter=Q(status=ConfirmationStatus.CONFIRMED, method=ConfirmationMethod.DATA_MATCH)),
            open=Count("id", filter=Q(status=ConfirmationStatus.OPEN)),
            overdue=Count("id", filter=Q(status=ConfirmationStatus.OVERDUE)),
            cancelled=Count("id", filter=Q(status=ConfirmationStatus.CANCELLED)),
            spot_pending=Count("id", filter=Q(spot_check=SpotCheck.PENDING)),
        )
        .order_by(column)
    )
    found = [dict(row) for row in rows]
    names = dict(Division.objects.filter(code__in=[r[column] for r in found]).values_list("code", "name"))
    out = []
    for row in found:
        code = row.pop(column)
        due = row["total"] - row["cancelled"]
        row["percent"] = round(100 * row["confirmed"] / due, 1) if due else 100.0
        out.append({"code": code, "name": names.get(code, code), **row})
    return out


def totals(campaign: ConfirmationCampaign, user: Any) -> dict[str, Any]:
    """The user's part of the campaign, summed."""
    rows = progress(campaign, user, level="province")
    keys = ("total", "confirmed", "data_match", "open", "overdue", "cancelled", "spot_pending")
    summed = {key: sum(row[key] for row in rows) for key in keys}
    due = summed["total"] - summed["cancelled"]
    summed["percent"] = round(100 * summed["confirmed"] / due, 1) if due else 100.0
    return summed


# --- opening a campaign ------------------------------------------------------------------------------


def _opener_may(user: Any, code: str) -> None:
    if user is not None and not scope.has_perm_at(user, APPROVE_CASES, code):
        raise Forbidden(_("Only an approver of the province or county may open its confirmation campaign."))


@audited
def do_open_campaign(
    division_code: str,
    *,
    year: int,
    actor: Actor | None,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
    grace_days: int = 5,
    spot_check_percent: int = 5,
) -> ConfirmationCampaign:
    """Open a province's or county's campaign for ``year``: one item per person with a periodic
    benefit being paid (or suspended) in scope, assigned to their township."""
    code = normalise_code(division_code or "")
    if level_of_code(code) is None or len(code) not in (2, 6):
        raise ValidationError({"division": _("A campaign is opened by a province (2 digits) or a county (6 digits).")})
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ValidationError({"division": _("No division has the code %(code)s.") % {"code": code}})
    _opener_may(actor, code)
    today = timezone.localdate()
    if not 2000 <= int(year) <= today.year + 1:
        raise ValidationError({"year": _("The year must lie between 2000 and next year.")})
    start = window_start or max(today, dt.date(int(year), 1, 1))
    end = window_end or start + dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    if end < start:
        raise ValidationError({"window_end": _("The window closes before it opens.")})
    if not 0 <= int(grace_days) <= 90:
        raise ValidationError({"grace_days": _("The grace period is 0 to 90 days.")})
    if not 0 <= int(spot_check_percent) <= 100:
        raise ValidationError({"spot_check_percent": _("The spot-check sample is 0 to 100 per cent.")})
    within = Q(province_code=code) if len(code) == 2 else Q(division_id=code)
    overlapping = ConfirmationCampaign.objects.filter(year=year).filter(Q(division_id=code[:2]) | within)
    if overlapping.exists():
        raise Conflict(_("A campaign for %(year)s already covers this division.") % {"year": year})
    try:
        with transaction.atomic():
            campaign = ConfirmationCampaign.objects.create(
                division=division,
                year=year,
                window_start=start,
                window_end=end,
                grace_days=grace_days,
                spot_check_percent=spot_check_percent,
                opened_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:
        raise Conflict(_("A campaign for %(year)s already covers this division.") % {"year": year}) from None
    column = "province_code" if len(code) == 2 else "county_code"
    types = list(rules.PERIODIC_TYPES)
    statuses = [EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ITEM} (campaign_id, subject_id, division_id, province_code, city_code, county_code, "
            f"status, method, evidence_rule, evidence, death_record, spot_check, cancel_reason, created_at) "
            f"SELECT %s, s.id, s.division_id, s.province_code, s.city_code, s.county_code, "
            f"%s, '', '', %s, %s, '', '', %s FROM subjects_subject s WHERE s.id IN ("
            f"SELECT e.subject_id FROM {ENT} e WHERE e.{column} = %s "
            f"AND e.status IN ({', '.join(['%s'] * len(statuses))}) "
            f"AND e.benefit_type IN ({', '.join(['%s'] * len(types))}))",
            [campaign.pk, ConfirmationStatus.OPEN, "{}", False, timezone.now(), code, *statuses, *types],
        )
        count = max(cursor.rowcount, 0)
    campaign.item_count = count
    campaign.save(update_fields=["item_count"])
    work_steps.sync_campaign_steps(campaign, actor=actor)
    record(
        event_type="benefit.campaign_opened",
        actor=actor,
        obj=campaign,
        data={
            "year": year,
            "window": f"{start:%Y-%m-%d}–{end:%Y-%m-%d}",
            "grace_days": grace_days,
            "people": count,
        },
    )
    return campaign


# --- the data match -------------------------------------------------------------------------------


def _match_rule_sql(rule: EvidenceRule, since: dt.date) -> tuple[str, list[Any]] | None:
    selected = rule.select(since)
    if selected is None:
        return None
    sql, params = selected
    return (
        f"SELECT subject_id, MIN(batch_id) AS batch_id, MAX(evidence_date) AS evidence_date "
        f"FROM ({sql}) x GROUP BY subject_id",
        params,
    )


def _draw_sample_sql() -> str:
    # A fixed pseudo-random share of the items by id (re-running draws the same items).
    return "(id * 7919) %% 100 < %s"


@audited
def do_data_match(campaign: ConfirmationCampaign, *, actor: Actor | None) -> dict[str, int]:
    """Confirm silently every open item with living evidence in the department data (one
    ``UPDATE`` per rule), record the evidence, mark a death on record, draw the spot-check sample."""
    locked = ConfirmationCampaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status != CampaignStatus.OPEN:
        raise Conflict(_("The campaign is closed."))
    since = evidence_since(timezone.localdate())
    now = timezone.now()
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for rule in [r for r in EVIDENCE_RULES.values() if r.veto]:
            selected = rule.select(since)
            if selected is None:
                continue
            sql, params = selected
            cursor.execute(
                f"UPDATE {ITEM} SET death_record = %s WHERE campaign_id = %s AND status = %s "
                f"AND death_record = %s AND subject_id IN (SELECT subject_id FROM ({sql}) v)",
                [True, locked.pk, ConfirmationStatus.OPEN, False, *params],
            )
            counts[rule.code] = max(cursor.rowcount, 0)
        for rule in [r for r in EVIDENCE_RULES.values() if not r.veto]:
            selected = _match_rule_sql(rule, since)
            if selected is None:
                continue
            sql, params = selected
            cursor.execute(
                f"UPDATE {ITEM} SET status = %s, method = %s, evidence_rule = %s, "
                f"evidence_batch_id = e.batch_id, evidence_date = e.evidence_date, confirmed_at = %s "
                f"FROM ({sql}) e WHERE {ITEM}.subject_id = e.subject_id AND {ITEM}.campaign_id = %s "
                f"AND {ITEM}.status = %s AND {ITEM}.death_record = %s",
                [
                    ConfirmationStatus.CONFIRMED,
                    ConfirmationMethod.DATA_MATCH,
                    rule.code,
                    now,
                    *params,
                    locked.pk,
                    ConfirmationStatus.OPEN,
                    False,
                ],
            )
            counts[rule.code] = max(cursor.rowcount, 0)
        cursor.execute(
            f"UPDATE {ITEM} SET spot_check = %s WHERE campaign_id = %s AND status = %s AND method = %s "
            f"AND spot_check = '' AND {_draw_sample_sql()}",
            [
                SpotCheck.PENDING,
                locked.pk,
                ConfirmationStatus.CONFIRMED,
                ConfirmationMethod.DATA_MATCH,
                locked.spot_check_percent,
            ],
        )
        counts["spot_check"] = max(cursor.rowcount, 0)
    locked.matched_by_id = getattr(actor, "pk", None)
    locked.matched_at = now
    locked.save(update_fields=["matched_by", "matched_at"])
    work_steps.sync_campaign_steps(locked, actor=actor)
    record(
        event_type="benefit.campaign_matched",
        actor=actor,
        obj=locked,
        data={rule_label(code) if code in EVIDENCE_RULES else code: n for code, n in counts.items()},
    )
    return counts


def _evidence_for(subject_id: int, since: dt.date) -> tuple[str, int | None, dt.date | None] | None:
    """The first rule with living evidence for one person (``None`` if none, or a veto applies)."""
    with connection.cursor() as cursor:
        for rule in EVIDENCE_RULES.values():
            selected = rule.select(since)
            if selected is None:
                continue
            sql, params = selected
            cursor.execute(
                f"SELECT batch_id, evidence_date FROM ({sql}) x WHERE subject_id = %s", [*params, subject_id]
            )
            row = cursor.fetchone()
            if row is None:
                continue
            if rule.veto:
                return None
            day = row[1]
            if isinstance(day, str):
                day = dt.date.fromisoformat(day)
            return rule.code, row[0], day
    return None


# --- a person's confirmation ---------------------------------------------------------------------


def _clean_evidence(method: str, evidence: Any, *, actor: Any, today: dt.date) -> dict[str, Any]:
    if evidence in (None, ""):
        evidence = {}
    if not isinstance(evidence, dict):
        raise ValidationError(
            {"evidence": _("The evidence is an object: performed_by, performed_on, reference, note.")}
        )
    unknown = sorted(set(evidence) - EVIDENCE_KEYS)
    if unknown:
        raise ValidationError(
            {
                "evidence": _("Unknown evidence fields: %(fields)s (Laurel keeps no images or biometric data).")
                % {"fields": ", ".join(unknown)}
            }
        )
    clean: dict[str, Any] = {}
    for key in ("performed_by", "reference", "note"):
        value = evidence.get(key, "")
        if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
            raise ValidationError({"evidence": _("%(field)s: text of at most 200 characters.") % {"field": key}})
        if value.strip():
            clean[key] = value.strip()
    performed_on = evidence.get("performed_on") or today.isoformat()
    try:
        day = parse_date(performed_on) if isinstance(performed_on, str) else None
    except ValueError:  # well-formed but impossible, e.g. 2025-02-30
        day = None
    if day is None:
        raise ValidationError({"evidence": _("performed_on: a date, YYYY-MM-DD.")})
    if day > today:
        raise ValidationError({"evidence": _("performed_on: the date lies in the future.")})
    clean["performed_on"] = day.isoformat()
    clean.setdefault("performed_by", (getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", "")))
    if method in NEEDS_REFERENCE and not clean.get("reference"):
        raise ValidationError(
            {"evidence": _("reference: a video call or a face check done elsewhere needs the record's reference.")}
        )
    return clean


def _in_sample(item: ConfirmationItem, percent: int) -> bool:
    return (item.pk * 7919) % 100 < percent


def _item_words(item: ConfirmationItem) -> str:
    return _("Item %(id)s (%(name)s)") % {"id": item.pk, "name": item.subject.name}


@audited
def do_confirm_item(item: ConfirmationItem, *, method: str, evidence: Any, actor: Actor) -> ConfirmationItem:
    """Confirm one person: by the data match (the rules for this person alone) or by a home visit,
    a station visit, a video call or a face check done elsewhere (method, who, when, reference).
    An overdue item's benefits suspended for it resume, with the suspended months paid back."""
    locked = ConfirmationItem.objects.select_for_update().select_related("campaign", "subject").get(pk=item.pk)
    _refuse_if_closed(locked)
    if locked.status == ConfirmationStatus.CANCELLED:
        raise ValidationError(
            {
                "status": _("%(item)s: the item was cancelled on %(day)s (%(reason)s); it cannot be confirmed.")
                % {
                    "item": _item_words(locked),
                    "day": f"{timezone.localtime(locked.cancelled_at):%Y-%m-%d}" if locked.cancelled_at else "—",
                    "reason": locked.cancel_reason or "—",
                }
            }
        )
    if locked.status == ConfirmationStatus.CONFIRMED:
        raise Conflict(_("%(item)s is already confirmed.") % {"item": _item_words(locked)})
    if method not in ConfirmationMethod.values:
        raise ValidationError(
            {"method": _("Choose the method: data_match, home_visit, station, video or face_elsewhere.")}
        )
    today = timezone.localdate()
    if method == ConfirmationMethod.DATA_MATCH:
        found = _evidence_for(locked.subject_id, evidence_since(today))
        if found is None:
            raise ValidationError(
                {
                    "method": _("%(item)s: no living evidence in the department data; confirm in person.")
                    % {"item": _item_words(locked)}
                }
            )
        locked.evidence_rule, locked.evidence_batch_id, locked.evidence_date = found
        locked.evidence = {}
    else:
        locked.evidence = _clean_evidence(method, evidence, actor=actor, today=today)
        locked.evidence_rule, locked.evidence_batch_id = "", None
        locked.evidence_date = dt.date.fromisoformat(locked.evidence["performed_on"])
    was_overdue = locked.status == ConfirmationStatus.OVERDUE
    locked.status = ConfirmationStatus.CONFIRMED
    locked.method = method
    locked.confirmed_by_id = getattr(actor, "pk", None)
    locked.confirmed_at = timezone.now()
    if not locked.spot_check and _in_sample(locked, locked.campaign.spot_check_percent):
        locked.spot_check = SpotCheck.PENDING
    locked.save()
    resumed = 0
    if was_overdue:
        for entitlement in Entitlement.objects.filter(
            subject_id=locked.subject_id,
            status=EntitlementStatus.SUSPENDED,
            reason=SuspendReason.CONFIRMATION_OVERDUE,
        ):
            actions.do_resume(entitlement, actor=actor, note=_("Confirmed after the deadline"))
            resumed += 1
    work_steps.sync_campaign_steps(locked.campaign, actor=actor, townships=[locked.division_id])
    record(
        event_type="benefit.confirmed",
        actor=actor,
        obj=locked,
        data={
            "campaign": locked.campaign_id,
            "method": str(ConfirmationMethod(method).label),
            "reference": locked.evidence.get("reference", ""),
            "rule": rule_label(locked.evidence_rule) if locked.evidence_rule else "",
            "resumed": resumed,
        },
    )
    return locked


@audited
def do_spot_check(item: ConfirmationItem, *, upheld: bool, actor: Actor, note: str = "") -> ConfirmationItem:
    """A second person checks a drawn confirmation (抽查). Not upheld: the item is open again."""
    locked = ConfirmationItem.objects.select_for_update().select_related("campaign", "subject").get(pk=item.pk)
    _refuse_if_closed(locked)
    if locked.spot_check != SpotCheck.PENDING or locked.status != ConfirmationStatus.CONFIRMED:
        raise Conflict(_("%(item)s is not waiting for a spot check.") % {"item": _item_words(locked)})
    first = locked.confirmed_by_id or (
        locked.campaign.matched_by_id if locked.method == ConfirmationMethod.DATA_MATCH else None
    )
    if first is not None and first == getattr(actor, "pk", None):
        raise Forbidden(_("The spot check is made by a second person, not the one who confirmed."))
    locked.spot_check = SpotCheck.UPHELD if upheld else SpotCheck.REJECTED
    locked.spot_checked_by_id = getattr(actor, "pk", None)
    locked.spot_checked_at = timezone.now()
    if not upheld:
        locked.status = ConfirmationStatus.OPEN
        locked.method = ""
        locked.confirmed_at = None
        locked.confirmed_by = None
    locked.save()
    work_steps.sync_campaign_steps(locked.campaign, actor=actor, townships=[locked.division_id])
    record(
        event_type="benefit.confirmation_spot_checked",
        actor=actor,
        obj=locked,
        reason=note,
        data={"upheld": upheld},
    )
    return locked


@audited
def do_cancel_item(item: ConfirmationItem, *, reason: str, actor: Actor) -> ConfirmationItem:
    """No confirmation is due (the benefit ended, the person moved away…): the item is cancelled."""
    locked = ConfirmationItem.objects.select_for_update().select_related("campaign", "subject").get(pk=item.pk)
    _refuse_if_closed(locked)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling the item.")})
    if locked.status in (ConfirmationStatus.CANCELLED, ConfirmationStatus.CONFIRMED):
        raise Conflict(_("%(item)s can no longer be cancelled.") % {"item": _item_words(locked)})
    locked.status = ConfirmationStatus.CANCELLED
    locked.cancel_reason = reason.strip()[:255]
    locked.cancelled_at = timezone.now()
    locked.save()
    work_steps.sync_campaign_steps(locked.campaign, actor=actor, townships=[locked.division_id])
    record(event_type="benefit.confirmation_cancelled", actor=actor, obj=locked, reason=reason)
    return locked


# --- after the grace period ------------------------------------------------------------------------


@audited
def do_mark_overdue(item: ConfirmationItem) -> ConfirmationItem:
    """The grace period is over and the item is still open: suspend the person's periodic
    benefits (``do_suspend_overdue``, which sends the notice) and mark the item overdue."""
    locked = ConfirmationItem.objects.select_for_update().get(pk=item.pk)
    if locked.status != ConfirmationStatus.OPEN:
        return locked
    entitlements = list(
        Entitlement.objects.filter(
            subject_id=locked.subject_id,
            status=EntitlementStatus.ACTIVE,
            benefit_type__in=list(rules.PERIODIC_TYPES),
        )
    )
    actions.do_suspend_overdue(entitlements)
    locked.status = ConfirmationStatus.OVERDUE
    locked.suspended_at = timezone.now()
    locked.save(update_fields=["status", "suspended_at"])
    record(event_type="benefit.confirmation_overdue", actor=None, obj=locked, data={"suspended": len(entitlements)})
    return locked


def suspend_overdue(today: dt.date | None = None) -> int:
    """Every open campaign past its deadline: each item still open is marked overdue (one
    transaction per person, so a failure leaves the others done). Returns how many."""
    today = today or timezone.localdate()
    done = 0
    for campaign in ConfirmationCampaign.objects.filter(status=CampaignStatus.OPEN):
        if campaign.deadline >= today:
            continue
        pending = ConfirmationItem.objects.filter(campaign=campaign, status=ConfirmationStatus.OPEN).order_by("id")
        for item in pending.iterator(chunk_size=1000):
            do_mark_overdue(item)
            done += 1
    return done


# --- closing the campaign ---------------------------------------------------------------------------


def _refuse_if_closed(item: ConfirmationItem) -> None:
    """A closed campaign's items no longer change (400, nothing saved). The campaign row is read
    ``FOR SHARE`` (PostgreSQL): a close waits for confirmations under way, and they for a close."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT status, closed_at FROM {CAMPAIGN} WHERE id = %s FOR SHARE", [item.campaign_id])
            item.campaign.status, item.campaign.closed_at = cursor.fetchone()
    campaign = item.campaign
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(
            {
                "campaign": _(
                    "%(item)s: the %(year)s confirmation campaign was closed on %(day)s; its items no longer "
                    "change. A suspended benefit is resumed from the person's benefits page."
                )
                % {
                    "item": _item_words(item),
                    "year": campaign.year,
                    "day": f"{timezone.localtime(campaign.closed_at):%Y-%m-%d}" if campaign.closed_at else "—",
                }
            }
        )


@audited
def do_close_campaign(campaign: ConfirmationCampaign, *, actor: Actor | None) -> ConfirmationCampaign:
    """Close a campaign after its grace period: refused while spot checks are pending or items are
    still open; the figures are frozen per county (``final_figures``) and the items no longer change."""
    from . import confirmation_figures

    locked = ConfirmationCampaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status == CampaignStatus.CLOSED:
        raise Conflict(_("The campaign is already closed."))
    today = timezone.localdate()
    if today <= locked.deadline:
        raise ValidationError(
            {
                "status": _(
                    "The campaign can be closed after its grace period, from %(day)s (the window closes on "
                    "%(end)s, grace %(grace)d days)."
                )
                % {
                    "day": f"{locked.deadline + dt.timedelta(days=1):%Y-%m-%d}",
                    "end": f"{locked.window_end:%Y-%m-%d}",
                    "grace": locked.grace_days,
                }
            }
        )
    counts = ConfirmationItem.objects.filter(campaign=locked).aggregate(
        spot=Count("id", filter=Q(spot_check=SpotCheck.PENDING)),
        open=Count("id", filter=Q(status=ConfirmationStatus.OPEN)),
    )
    if counts["spot"]:
        raise ValidationError(
            {
                "spot_check": _(
                    "%(n)d confirmations drawn for a spot check are not yet checked: check them before closing."
                )
                % {"n": counts["spot"]}
            }
        )
    if counts["open"]:
        raise ValidationError(
            {
                "status": _(
                    "%(n)d items are still open: the nightly scan suspends them after the grace period; "
                    "close the campaign after it has run."
                )
                % {"n": counts["open"]}
            }
        )
    locked.final_figures = confirmation_figures.campaign_figures(locked)
    locked.status = CampaignStatus.CLOSED
    locked.closed_by_id = getattr(actor, "pk", None)
    locked.closed_at = timezone.now()
    locked.save(update_fields=["final_figures", "status", "closed_by", "closed_at"])
    work_steps.cancel_campaign_steps(locked)
    total = locked.final_figures["total"]
    record(
        event_type="benefit.campaign_closed",
        actor=actor,
        obj=locked,
        data={key: total[key] for key in ("items", "confirmed", "overdue", "cancelled", "resumed")},
    )
    return locked


def may_close(user: Any, campaign: ConfirmationCampaign) -> bool:
    return campaign.status == CampaignStatus.OPEN and scope.has_perm_at(user, APPROVE_CASES, campaign.division_id)


def require_closer(user: Any, campaign: ConfirmationCampaign) -> None:
    if not scope.has_perm_at(user, APPROVE_CASES, campaign.division_id):
        raise Forbidden(_("Only an approver of the campaign's division may close it."))


def may_confirm(user: Any, item: ConfirmationItem) -> bool:
    return scope.has_perm_at(user, HANDLE_CASES, item.division_id)


def require_spot_checker(user: Any, item: ConfirmationItem) -> None:
    """A caseworker, approver or supervisor of the item's division (403 otherwise)."""
    if not any(
        scope.has_perm_at(user, codename, item.division_id) for codename in (HANDLE_CASES, APPROVE_CASES, SUPERVISE)
    ):
        raise Forbidden(_("Only a caseworker, approver or supervisor of the township's county may spot-check."))


def require_matcher(user: Any, campaign: ConfirmationCampaign) -> None:
    if not scope.has_perm_at(user, APPROVE_CASES, campaign.division_id):
        raise Forbidden(_("Only an approver of the campaign's division may run the data match."))
