"""公示 (public notices): a proposed list published for a window of working days, with masked personal
data, open to objections; each objection becomes a case in the county's queue.

Why here: ``benefits`` owns the lists (new awards, confirmation results, roster changes) and the
notice record, so the rules (what is listed, the window, what is masked, when an objection is too
late) live next to them. The public page and the public objection endpoint are in ``portal`` (the
public door, above ``cases``); turning an objection into a case needs ``cases``, which is above
``benefits``, so ``portal`` registers the case opener in :data:`OBJECTION_CASE_OPENERS` from its
``ready()``.

The lists a notice can be drafted from are registered in :data:`NOTICE_SOURCES` (kind → function of
the county and the ``source`` key → proposals); the confirmation campaign may replace the built-in
list of confirmation results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import audited, record
from core.errors import Conflict, NotFound
from jurisdictions import scope
from jurisdictions.models import Division
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES
from policies import calendar
from subjects.models import BenefitType, Subject

from .models import (
    Entitlement,
    EntitlementStatus,
    NoticeEntry,
    NoticeKind,
    NoticeObjection,
    NoticeStatus,
    PublicNotice,
    Roster,
    RosterItem,
    SuspendReason,
)
from .rosters import PERIOD_RE

DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 60
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
YEAR_RE = re.compile(r"^\d{4}$")
PHONE_RE = re.compile(r"^[0-9+\- ]{7,20}$")


def default_window_days() -> int:
    return int(getattr(settings, "LAUREL_NOTICE_WORKING_DAYS", DEFAULT_WINDOW_DAYS))


# --- masking ---------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """One character masked: ``张*``, ``王*五``, ``欧*小明`` (the second character)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    return name[0] + "*" + name[2:]


def public_id(masked: str) -> str:
    """The ID number as posted: the first three and the last four characters (from the stored mask)."""
    masked = masked or ""
    if len(masked) < 8:
        return "*" * len(masked)
    return masked[:3] + "*" * (len(masked) - 7) + masked[-4:]


# --- the lists a notice is drafted from ------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    subject: Subject
    entitlement: Entitlement | None
    amount: Decimal | None
    note: str = ""
    benefit_type: str = ""


Source = Callable[[Division, str], list[Proposal]]


def _month(source: str) -> tuple[dt.date, dt.date]:
    match = MONTH_RE.match(source or "")
    if not match:
        raise ValidationError({"source": _("Give the month of the awards as YYYY-MM.")})
    first = dt.date(int(match.group(1)), int(match.group(2)), 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


def new_awards(county: Division, source: str) -> list[Proposal]:
    """Benefits awarded in the county in a month (``source`` = ``YYYY-MM``), being paid."""
    first, following = _month(source)
    rows = (
        Entitlement.objects.filter(
            county_code=county.code,
            status=EntitlementStatus.ACTIVE,
            created_at__date__gte=first,
            created_at__date__lt=following,
        )
        .select_related("subject")
        .order_by("subject__division_id", "subject_id", "id")
    )
    return [Proposal(e.subject, e, e.monthly_amount, _("monthly"), e.benefit_type) for e in rows]


def confirmation_results(county: Division, source: str) -> list[Proposal]:
    """Benefits suspended because the annual confirmation was not made (``source`` = the year)."""
    if not YEAR_RE.match(source or ""):
        raise ValidationError({"source": _("Give the year of the confirmation as YYYY.")})
    rows = (
        Entitlement.objects.filter(
            county_code=county.code,
            status=EntitlementStatus.SUSPENDED,
            reason=SuspendReason.CONFIRMATION_OVERDUE,
            suspended_from__year__gte=int(source),
        )
        .select_related("subject")
        .order_by("subject__division_id", "subject_id", "id")
    )
    return [
        Proposal(e.subject, e, e.monthly_amount, _("not confirmed: payment suspended"), e.benefit_type) for e in rows
    ]


def roster_changes(county: Division, source: str) -> list[Proposal]:
    """What the county's roster of a cycle (``source`` = its period) changes against the one before:
    people added, amounts changed, people no longer paid."""
    if not PERIOD_RE.match(source or ""):
        raise ValidationError({"source": _("Give the roster's cycle as YYYY-MM or YYYY-Qn.")})
    roster = Roster.objects.filter(division=county, period=source).first()
    if roster is None:
        raise ValidationError({"source": _("The county has no roster for cycle %(period)s.") % {"period": source}})
    before = Roster.objects.filter(division=county, period__lt=source).order_by("-period", "-id").first()

    def amounts(r: Roster | None) -> dict[int, Decimal]:
        if r is None:
            return {}
        found: dict[int, Decimal] = {}
        for pk, amount in RosterItem.objects.filter(roster=r, reissue_of__isnull=True).values_list(
            "entitlement_id", "amount"
        ):
            found[pk] = found.get(pk, Decimal("0")) + amount
        return found

    now, then = amounts(roster), amounts(before)
    changed = sorted(pk for pk in set(now) | set(then) if now.get(pk) != then.get(pk))
    entitlements = Entitlement.objects.select_related("subject").in_bulk(changed)
    proposals = []
    for pk in changed:
        e = entitlements[pk]
        if pk not in then:
            note = _("added")
        elif pk not in now:
            note = _("no longer paid")
        else:
            note = _("amount changed (was %(amount)s)") % {"amount": then[pk]}
        proposals.append(Proposal(e.subject, e, now.get(pk), note, e.benefit_type))
    return proposals


NOTICE_SOURCES: dict[str, Source] = {
    NoticeKind.NEW_AWARDS: new_awards,
    NoticeKind.CONFIRMATION_RESULTS: confirmation_results,
    NoticeKind.ROSTER_CHANGES: roster_changes,
}

# Filled by ``portal`` (above ``cases``): turn an objection into a case; returns (case id, case number).
OBJECTION_CASE_OPENERS: list[Callable[[NoticeObjection], tuple[int, str]]] = []


# --- actions ---------------------------------------------------------------------------------------


def _township(subject: Subject, names: dict[str, str]) -> str:
    code = subject.division_id or ""
    return names.get(code[:9], "") if len(code) >= 9 else ""


def _benefit_label(benefit_type: str) -> str:
    try:
        return str(BenefitType(benefit_type).label)
    except ValueError:
        return benefit_type


@audited
def do_draft_notice(
    division_code: str,
    *,
    kind: str,
    source: str,
    actor: Actor | None,
    title: str = "",
    places: str = "",
    window_days: int | None = None,
) -> PublicNotice:
    """Draft a county's 公示 from one of the proposed lists; entries keep only masked data."""
    errors: dict[str, list[str]] = {}
    division = Division.objects.filter(code=division_code or "").first()
    if division is None or len(division.code) != 6:
        errors["division"] = [_("A notice is drafted per county: give a county's six-digit code.")]
    if kind not in NOTICE_SOURCES:
        errors["kind"] = [_("Choose which list is published: new awards, confirmation results or roster changes.")]
    days = default_window_days() if window_days is None else window_days
    if not 1 <= days <= MAX_WINDOW_DAYS:
        errors["window_days"] = [_("The window is 1 to %(max)d working days.") % {"max": MAX_WINDOW_DAYS}]
    title, places = (title or "").strip(), (places or "").strip()
    if len(title) > 200 or len(places) > 255:
        errors["title"] = [_("Keep the title under 200 characters and the places under 255.")]
    if errors:
        raise ValidationError(errors)
    assert division is not None
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, division.code)
    proposals = NOTICE_SOURCES[kind](division, source.strip())
    if not proposals:
        raise ValidationError(
            {"source": _("The list is empty: there is nobody to publish for %(source)s.") % {"source": source}}
        )
    notice = PublicNotice.objects.create(
        division=division,
        kind=kind,
        title=title
        or _("Public notice: %(kind)s, %(county)s, %(source)s")
        % {"kind": NoticeKind(kind).label, "county": division.name, "source": source},
        places=places or _("the notice boards of the county bureau and of every township station"),
        source=source.strip()[:64],
        window_days=days,
        made_by_id=getattr(actor, "pk", None),
    )
    townships = {
        d.code: d.name
        for d in Division.objects.filter(
            code__in={(p.subject.division_id or "")[:9] for p in proposals if len(p.subject.division_id or "") >= 9}
        )
    }
    NoticeEntry.objects.bulk_create(
        NoticeEntry(
            notice=notice,
            row=row,
            subject=p.subject,
            entitlement=p.entitlement,
            masked_name=mask_name(p.subject.name)[:64],
            masked_id=public_id(p.subject.id_number_masked),
            township=_township(p.subject, townships)[:100],
            benefit=_benefit_label(p.benefit_type)[:64],
            amount=p.amount,
            note=str(p.note)[:100],
        )
        for row, p in enumerate(proposals, start=1)
    )
    notice.entry_count = len(proposals)
    notice.save(update_fields=["entry_count"])
    record(
        event_type="benefit.notice_drafted",
        actor=actor,
        obj=notice,
        data={"kind": kind, "source": notice.source, "entries": len(proposals), "window_days": days},
    )
    return notice


def _lock(notice: PublicNotice) -> PublicNotice:
    return PublicNotice.objects.select_for_update().get(pk=notice.pk)


@audited
def do_publish_notice(notice: PublicNotice, *, actor: Actor | None) -> PublicNotice:
    """Publish today: objections are accepted until the window's last working day (policies.calendar)."""
    locked = _lock(notice)
    if actor is not None:
        scope.require_perm(actor, APPROVE_CASES, locked.division_id)
    if locked.status != NoticeStatus.DRAFT:
        raise Conflict(_("This notice has already been published."), current_status=locked.status)
    today = timezone.localdate()
    limit = calendar.working_limit(today, locked.window_days)
    locked.status = NoticeStatus.PUBLISHED
    locked.published_on = today
    locked.ends_on = limit.date
    locked.published_by_id = getattr(actor, "pk", None)
    locked.save(update_fields=["status", "published_on", "ends_on", "published_by"])
    record(
        event_type="benefit.notice_published",
        actor=actor,
        obj=locked,
        data={
            "published_on": today.isoformat(),
            "ends_on": limit.date.isoformat(),
            "provisional": limit.provisional,
            "places": locked.places,
            "entries": locked.entry_count,
        },
    )
    return locked


@audited
def do_close_notice(notice: PublicNotice, *, actor: Actor | None) -> PublicNotice:
    """Close the notice once its window is over; the record and its objections stay."""
    locked = _lock(notice)
    if actor is not None:
        scope.require_perm(actor, HANDLE_CASES, locked.division_id)
    if locked.status != NoticeStatus.PUBLISHED:
        raise Conflict(_("Only a published notice can be closed."), current_status=locked.status)
    assert locked.ends_on is not None
    if timezone.localdate() <= locked.ends_on:
        raise ValidationError(
            {
                "ends_on": _("Field 公示期: the window runs until %(day)s; close it afterwards.")
                % {"day": locked.ends_on}
            }
        )
    locked.status = NoticeStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    record(
        event_type="benefit.notice_closed",
        actor=actor,
        obj=locked,
        data={"objections": NoticeObjection.objects.filter(notice=locked).count()},
    )
    return locked


@audited
def do_raise_objection(notice: PublicNotice, *, row: Any, objector: str, contact: str, text: str) -> NoticeObjection:
    """A member of the public objects to one row during the window; the objection becomes a case.

    After the window (or before publication) it is refused with a field error and nothing is saved.
    """
    locked = PublicNotice.objects.select_for_update().filter(pk=notice.pk).first()
    if locked is None or locked.status == NoticeStatus.DRAFT:
        raise NotFound(_("Not found."))
    today = timezone.localdate()
    if locked.status != NoticeStatus.PUBLISHED or locked.ends_on is None or today > locked.ends_on:
        raise ValidationError(
            {
                "notice": _(
                    "Field 公示期: the notice's window ended on %(day)s; objections are no longer accepted here. "
                    "Contact the county bureau."
                )
                % {"day": locked.ends_on}
            }
        )
    errors: dict[str, list[str]] = {}
    entry = None
    with contextlib.suppress(TypeError, ValueError):
        entry = NoticeEntry.objects.filter(notice=locked, row=int(row)).first()
    if entry is None:
        errors["row"] = [_("Field 序号: choose the row of the notice you object to.")]
    objector, contact, text = (objector or "").strip(), (contact or "").strip(), (text or "").strip()
    if not objector or len(objector) > 64:
        errors["objector"] = [_("Field 姓名: give your name (at most 64 characters).")]
    if not PHONE_RE.match(contact):
        errors["contact"] = [_("Field 联系电话: give a telephone number we can call back.")]
    if not text or len(text) > 2000:
        errors["text"] = [_("Field 异议内容: say what is wrong (at most 2000 characters).")]
    if errors:
        raise ValidationError(errors)
    assert entry is not None
    objection = NoticeObjection.objects.create(
        notice=locked, entry=entry, objector=objector, contact=contact, text=text, raised_at=timezone.now()
    )
    for opener in OBJECTION_CASE_OPENERS:
        objection.case_id, objection.case_number = opener(objection)
        objection.save(update_fields=["case_id", "case_number"])
    record(
        event_type="benefit.notice_objection",
        actor=None,
        obj=locked,
        actor_role="",
        data={"row": entry.row, "case": objection.case_number},
    )
    return objection


# --- reads -----------------------------------------------------------------------------------------


def notices_for(user: Any) -> QuerySet[PublicNotice]:
    return scope.scoped(PublicNotice.objects.all(), user).select_related("division").order_by("-created_at", "-id")


def access_notice(user: Any, pk: Any, *, codename: str | None = None) -> PublicNotice:
    try:
        notice = PublicNotice.objects.select_related("division").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        notice = None
    return scope.access_located(user, notice, codename=codename)  # type: ignore[return-value]


def public_notices() -> QuerySet[PublicNotice]:
    """What the public page lists: notices published and still in their window."""
    return (
        PublicNotice.objects.filter(status=NoticeStatus.PUBLISHED, ends_on__gte=timezone.localdate())
        .select_related("division")
        .order_by("-published_on", "-id")
    )


def public_notice(pk: Any) -> PublicNotice:
    """A published or closed notice (its record stays readable); a draft is not found."""
    try:
        notice = (
            PublicNotice.objects.select_related("division")
            .exclude(status=NoticeStatus.DRAFT)
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError):
        notice = None
    if notice is None:
        raise Http404(_("Not found."))
    return notice


def in_window(notice: PublicNotice) -> bool:
    return (
        notice.status == NoticeStatus.PUBLISHED
        and notice.ends_on is not None
        and timezone.localdate() <= notice.ends_on
    )
