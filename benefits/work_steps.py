"""The benefits' steps that wait for a person outside a case (``core.steps``): listed in
``/api/v1/tasks/``, the inbox and the workbench with every other task, counted by the SLA scan.

- **Roster approval** (``benefit_roster_approval``): started when a roster is generated, completed when
  a second person approves it; for approvers of the roster's county (and above), never its maker.
- **A township's confirmations** (``benefit_township_confirmations``): one per township and campaign,
  "confirm the N open items"; started when the campaign leaves items open there (after the data match),
  its N kept current, completed when none is left to confirm (open or overdue), cancelled when the
  campaign closes; for caseworkers of the township (and above); due at the campaign's deadline.
- **A township's spot checks** (``benefit_township_spot_checks``): one per township and campaign while
  confirmations drawn for a spot check wait there; for caseworkers of the township (and above) but never
  the people who confirmed them (nor the person who ran the data match for the silent ones): the second
  person; completed when none is left. (Approvers and supervisors may spot-check too, from the page.)

One sync (:func:`sync_campaign_steps`) reads the items' counts per township in one ``GROUP BY`` and
opens, updates or completes the steps to match; the actions call it after they change items.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import steps
from jurisdictions.models import Division
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES

from .models import ConfirmationCampaign, ConfirmationItem, ConfirmationMethod, ConfirmationStatus, Roster, SpotCheck

ROSTER_APPROVAL = "benefit_roster_approval"
TOWNSHIP_CONFIRMATIONS = "benefit_township_confirmations"
TOWNSHIP_SPOT_CHECKS = "benefit_township_spot_checks"
# A roster is approved within this many days of its generation (then the SLA scan counts it overdue).
ROSTER_APPROVAL_DAYS = 5
# Spot checks drawn after the campaign's deadline are due this many days after they were drawn.
SPOT_CHECK_DAYS = 5
TO_CONFIRM = (ConfirmationStatus.OPEN, ConfirmationStatus.OVERDUE)


def _params(task: Any) -> dict[str, Any]:
    return dict((task.process.data or {}).get(steps.PARAMS_KEY) or {})


def _roster_title(params: dict[str, Any]) -> str:
    return _("Approve the payment roster of %(division)s for %(period)s (made by %(maker)s)") % {
        "division": params.get("division", ""),
        "period": params.get("period", ""),
        "maker": params.get("maker", "—"),
    }


def _roster_url(task: Any) -> str:
    period = _params(task).get("period", "")
    return reverse("benefits:rosters") + (f"?period={period}" if period else "")


def _confirm_title(params: dict[str, Any]) -> str:
    return _("%(township)s: confirm the %(n)s open items of the %(year)s annual confirmation") % {
        "township": params.get("township", ""),
        "n": params.get("n", 0),
        "year": params.get("year", ""),
    }


def _spot_title(params: dict[str, Any]) -> str:
    return _("%(township)s: spot-check the %(n)s drawn confirmations of the %(year)s annual confirmation") % {
        "township": params.get("township", ""),
        "n": params.get("n", 0),
        "year": params.get("year", ""),
    }


def _campaign_url(status: str) -> Any:
    def url(task: Any) -> str:
        params = _params(task)
        base = reverse("benefits:campaign", args=[params.get("campaign", 0)])
        return f"{base}?level=township&status={status}"

    return url


def register() -> None:
    steps.register(
        steps.StepKind(
            name=ROSTER_APPROVAL,
            codename=APPROVE_CASES,
            label=gettext_lazy("Approve a payment roster"),
            title=_roster_title,
            url=_roster_url,
        )
    )
    steps.register(
        steps.StepKind(
            name=TOWNSHIP_CONFIRMATIONS,
            codename=HANDLE_CASES,
            label=gettext_lazy("Annual confirmation: people to confirm"),
            title=_confirm_title,
            url=_campaign_url("open"),
        )
    )
    steps.register(
        steps.StepKind(
            name=TOWNSHIP_SPOT_CHECKS,
            codename=HANDLE_CASES,
            label=gettext_lazy("Annual confirmation: spot checks"),
            title=_spot_title,
            url=_campaign_url("spot_check"),
        )
    )


# --- rosters -------------------------------------------------------------------------------------------


def open_roster_approval(roster: Roster, *, maker: Any) -> None:
    """The roster waits for a second person's approval (inside the generating action's transaction)."""
    name = Division.objects.filter(code=roster.division_id).values_list("name", flat=True).first()
    maker_name = (maker.get_full_name() or maker.username) if maker is not None else "—"
    steps.open_step(
        ROSTER_APPROVAL,
        roster,
        division=roster.division_id,
        due=timezone.localdate() + dt.timedelta(days=ROSTER_APPROVAL_DAYS),
        params={"division": name or roster.division_id, "period": roster.period, "maker": maker_name},
        not_by=[getattr(maker, "pk", None)],
    )


def close_roster_approval(roster: Roster, *, actor: Any) -> None:
    steps.close_step(roster, ROSTER_APPROVAL, actor=actor)


# --- the annual confirmation ---------------------------------------------------------------------------


def _counts(campaign: ConfirmationCampaign, townships: list[str] | None) -> dict[str, dict[str, Any]]:
    """Per township: items to confirm, drawn confirmations to check and who confirmed them (one query)."""
    items = ConfirmationItem.objects.filter(campaign=campaign)
    if townships is not None:
        items = items.filter(division_id__in=townships)
    rows = (
        items.filter(Q(status__in=TO_CONFIRM) | Q(spot_check=SpotCheck.PENDING, status=ConfirmationStatus.CONFIRMED))
        .order_by()
        .values("division_id", "status", "method", "confirmed_by_id")
        .annotate(n=Count("id"))
    )
    found: dict[str, dict[str, Any]] = {code: {"open": 0, "spot": 0, "not_by": set()} for code in townships or []}
    for row in rows:
        entry = found.setdefault(row["division_id"], {"open": 0, "spot": 0, "not_by": set()})
        if row["status"] in TO_CONFIRM:
            entry["open"] += row["n"]
            continue
        entry["spot"] += row["n"]
        if row["confirmed_by_id"] is not None:
            entry["not_by"].add(row["confirmed_by_id"])
        elif row["method"] == ConfirmationMethod.DATA_MATCH and campaign.matched_by_id is not None:
            entry["not_by"].add(campaign.matched_by_id)
    return found


def sync_campaign_steps(
    campaign: ConfirmationCampaign, *, actor: Any = None, townships: list[str] | None = None
) -> None:
    """Open, update or complete the campaign's township steps (all townships, or ``townships``) to match
    the items (inside the calling action's transaction)."""
    counts = _counts(campaign, townships)
    existing: dict[tuple[str, str], Any] = {}
    tasks = steps.open_tasks_about(campaign)
    if townships is not None:  # only these townships' steps are locked (confirmations elsewhere go on)
        tasks = tasks.filter(**{f"process__data__{steps.OBJECT_KEY}__in": townships})
    for task in tasks.select_for_update(of=("self",)):
        data = task.process.data or {}
        existing[(str(data.get(steps.KIND_KEY, "")), str(data.get(steps.OBJECT_KEY, "")))] = task
    missing = [
        code
        for code, entry in counts.items()
        if (entry["open"] and (TOWNSHIP_CONFIRMATIONS, code) not in existing)
        or (entry["spot"] and (TOWNSHIP_SPOT_CHECKS, code) not in existing)
    ]
    names = dict(Division.objects.filter(code__in=missing).values_list("code", "name")) if missing else {}
    today = timezone.localdate()
    for code, entry in sorted(counts.items()):
        for kind, n, not_by, due in (
            (TOWNSHIP_CONFIRMATIONS, entry["open"], set(), campaign.deadline),
            (
                TOWNSHIP_SPOT_CHECKS,
                entry["spot"],
                entry["not_by"],
                max(campaign.deadline, today + dt.timedelta(days=SPOT_CHECK_DAYS)),
            ),
        ):
            task = existing.get((kind, code))
            if not n:
                if task is not None:
                    steps.complete(task, actor=actor)
                continue
            if task is None:
                steps.open_step(
                    kind,
                    campaign,
                    division=code,
                    due=due,
                    key=code,
                    params={"township": names.get(code, code), "year": campaign.year, "n": n, "campaign": campaign.pk},
                    not_by=sorted(not_by),
                )
                continue
            process = task.process
            data = dict(process.data or {})
            params = dict(data.get(steps.PARAMS_KEY) or {})
            wanted_not_by = {str(pk): True for pk in sorted(not_by)}
            if params.get("n") != n or (kind == TOWNSHIP_SPOT_CHECKS and data.get(steps.NOT_BY_KEY) != wanted_not_by):
                params["n"] = n
                data[steps.PARAMS_KEY] = params
                if kind == TOWNSHIP_SPOT_CHECKS:
                    data[steps.NOT_BY_KEY] = wanted_not_by
                process.data = data
                process.save(update_fields=["data"])


def cancel_campaign_steps(campaign: ConfirmationCampaign) -> int:
    """The campaign closed: its township steps still open are cancelled (the items no longer change)."""
    return steps.cancel_steps(campaign)
