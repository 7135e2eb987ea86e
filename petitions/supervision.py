"""督办 (Arts. 39–40): supervision orders issued from a level above on a case or on a body.

A supervisor holding ``supervise`` at a level strictly above the supervised body issues an order
(routine 日常督办, flagged 挂牌督办 or a summons 约谈) with its own deadline; the supervised body
answers with a completion report: a step (``core.steps``, kind ``supervision_report``) for the
caseworkers of the supervised body, due on the order's deadline, opened with the order and completed by
the report, so that it is listed with their other tasks and counted by the SLA scan. While an order is
open past its deadline the daily job
``scan_supervision`` (registered in :mod:`petitions.registrations`) sends the 催办通知书 on the first
overdue working day and records the 通报 once the order is ``LAUREL_SUPERVISION_CIRCULATE_DAYS``
working days overdue (5 by default); working days are the policy base's (``policies.calendar``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Actor, require_staff
from audit.log import audited, record
from cases.models import Case
from core import steps
from core.errors import Conflict
from jurisdictions import scope
from jurisdictions.models import NATION_CODE, Division, ancestor_codes
from jurisdictions.perms import HANDLE_CASES, SUPERVISE, VIEW
from jurisdictions.scope import supervisors_of, users_with_perm_at
from notifications.outbox import notify
from policies.calendar import add_working_days

from .models import Intensity, SupervisionOrder

# The case-less step (``core.steps``) of an open order: the supervised body files its completion report.
REPORT_STEP = "supervision_report"

ISSUED_EVENT = "petition.supervision_issued"
URGED_EVENT = "petition.supervision_urged"
CIRCULATED_EVENT = "petition.supervision_circulated"
REPORTED_EVENT = "petition.supervision_reported"
REPORT_LIMIT = 5000


def circulate_days() -> int:
    return int(getattr(settings, "LAUREL_SUPERVISION_CIRCULATE_DAYS", 5))


def urge_day(order: SupervisionOrder) -> datetime.date:
    """The first overdue working day: the 催办通知书 goes out then."""
    return add_working_days(order.deadline, 1)


def circulate_day(order: SupervisionOrder) -> datetime.date:
    """The day the order is ``circulate_days()`` working days overdue: the 通报 is recorded then."""
    return add_working_days(order.deadline, circulate_days())


def supervising_level(user: Any, division_code: str) -> str | None:
    """The nearest level strictly above ``division_code`` where ``user`` holds ``supervise`` (else None)."""
    grants = scope.division_grants(user)
    above = [code for code in ancestor_codes(division_code) if code != division_code]
    for code in reversed(above):
        if SUPERVISE in grants.get(code, ()):
            return code
    return None


# --- reading -----------------------------------------------------------------------------------


def orders_for(user: Any) -> QuerySet[SupervisionOrder]:
    """Orders on the bodies the user may see (the supervised body's own, and its subtree's above)."""
    codes = scope.codes_with(user, VIEW)
    if not codes:
        return SupervisionOrder.objects.none()
    qs = SupervisionOrder.objects.select_related("case", "division", "issued_at_division", "issued_by")
    if NATION_CODE in codes:
        return qs
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(division__code__startswith=code)
    return qs.filter(q)


def access_order(user: Any, pk: Any) -> SupervisionOrder:
    """The order ``pk`` if its supervised body lies in the user's jurisdiction, else 404."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    order = SupervisionOrder.objects.select_related("case", "division", "issued_at_division").filter(pk=number).first()
    if order is None or not scope.can_see(user, order.division_id):
        raise Http404(_("Not found."))
    return order


def state_of(order: SupervisionOrder, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    if order.reported_on is not None:
        return "reported"
    if order.circulated_on is not None:
        return "circulated"
    if order.urged_on is not None:
        return "urged"
    if today > order.deadline:
        return "overdue"
    return "open"


STATE_LABELS = {
    "reported": gettext_lazy("Reported"),
    "circulated": gettext_lazy("Circulated (通报)"),
    "urged": gettext_lazy("Urged (催办)"),
    "overdue": gettext_lazy("Overdue"),
    "open": gettext_lazy("Open, within its deadline"),
}


# --- writing -----------------------------------------------------------------------------------


@audited
def do_issue_order(
    *,
    actor: Actor,
    intensity: str,
    deadline: datetime.date,
    case: Case | None = None,
    body: Division | None = None,
    instructions: str = "",
) -> SupervisionOrder:
    """Issue a 督办 order on ``case`` or on ``body`` (exactly one): 403 unless ``actor`` supervises above it."""
    if (case is None) == (body is None):
        raise ValidationError({"case": _("Name either a case or a body to supervise, not both.")})
    division_code = case.division_id if case is not None else body.code  # type: ignore[union-attr]
    level = supervising_level(actor, division_code)
    if level is None:
        raise PermissionDenied(
            _(
                "A supervision order is issued by a supervisor above the supervised body;"
                " you supervise no level above it."
            )
        )
    if intensity not in Intensity.values:
        raise ValidationError({"intensity": _("Intensity: choose routine follow-up, flagged follow-up or a summons.")})
    today = timezone.localdate()
    if deadline <= today:
        raise ValidationError(
            {"deadline": _("Deadline: it must be after today (%(today)s).") % {"today": today.isoformat()}}
        )
    with transaction.atomic():
        if case is not None:
            Case.objects.select_for_update().filter(pk=case.pk).first()
        order = SupervisionOrder.objects.create(
            case=case,
            division_id=division_code,
            issued_at_division_id=level,
            intensity=intensity,
            deadline=deadline,
            instructions=" ".join(instructions.split()) if instructions else "",
            issued_by=require_staff(actor),
            issued_on=today,
        )
        steps.open_step(
            REPORT_STEP,
            order,
            division=division_code,
            due=deadline,
            params={"order": order.pk, "intensity": intensity, "case": case.number if case is not None else ""},
        )
        record(
            event_type="petition.supervision_issued",
            actor=actor,
            obj=case if case is not None else order,
            division_code=division_code,
            data={"order": order.pk, "intensity": intensity, "deadline": deadline, "issued_at": level},
        )
        notify(
            event=ISSUED_EVENT,
            context={"order": order.pk, "division": division_code, "deadline": deadline.isoformat()},
            dedupe_key=f"{ISSUED_EVENT}:{order.pk}",
            recipients=users_with_perm_at(HANDLE_CASES, division_code),
            division_code=division_code,
            link=reverse("petitions:supervision"),
        )
    return order


@audited
def do_report_order(order: SupervisionOrder, *, actor: Actor, report: str) -> SupervisionOrder:
    """The supervised body's completion report: closes the order (409 when already reported)."""
    text = " ".join(report.split())
    if not text:
        raise ValidationError({"report": _("Completion report: describe what was done; it cannot be empty.")})
    if len(text) > REPORT_LIMIT:
        raise ValidationError(
            {"report": _("Completion report: at most %(limit)s characters.") % {"limit": REPORT_LIMIT}}
        )
    if not scope.has_perm_at(actor, HANDLE_CASES, order.division_id):
        raise PermissionDenied(_("The completion report is filed by a caseworker of the supervised body."))
    with transaction.atomic():
        locked = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
        if locked.reported_on is not None:
            raise Conflict(_("This supervision order was already reported on."), current_status="reported")
        locked.report = text
        locked.reported_on = timezone.localdate()
        locked.reported_by = require_staff(actor)
        locked.save(update_fields=["report", "reported_on", "reported_by"])
        steps.close_step(locked, REPORT_STEP, actor=actor)
        record(
            event_type="petition.supervision_reported",
            actor=actor,
            obj=locked.case if locked.case_id else locked,
            division_code=locked.division_id,
            data={"order": locked.pk, "late": locked.reported_on > locked.deadline},
        )
        notify(
            event=REPORTED_EVENT,
            context={"order": locked.pk, "division": locked.division_id},
            dedupe_key=f"{REPORTED_EVENT}:{locked.pk}",
            recipients=supervisors_of(locked.issued_at_division_id),
            division_code=locked.issued_at_division_id,
            link=reverse("petitions:supervision"),
        )
    return locked


def scan_supervision(today: datetime.date | None = None) -> dict[str, int]:
    """Send the 催办 and record the 通报 of every open order that has reached its day (idempotent)."""
    today = today or timezone.localdate()
    counts = {"urged": 0, "circulated": 0}
    open_orders = SupervisionOrder.objects.filter(reported_on__isnull=True, deadline__lt=today).order_by("pk")
    for pk in open_orders.values_list("pk", flat=True):
        with transaction.atomic():
            order = SupervisionOrder.objects.select_for_update(of=("self",)).select_related("case").get(pk=pk)
            if order.reported_on is not None:
                continue
            link = reverse("petitions:supervision")
            if order.urged_on is None and today >= urge_day(order):
                order.urged_on = today
                order.save(update_fields=["urged_on"])
                record(
                    event_type="petition.supervision_urged",
                    actor=None,
                    obj=order.case if order.case_id else order,
                    division_code=order.division_id,
                    data={"order": order.pk, "deadline": order.deadline},
                )
                notify(
                    event=URGED_EVENT,
                    context={"order": order.pk, "division": order.division_id, "deadline": order.deadline.isoformat()},
                    dedupe_key=f"{URGED_EVENT}:{order.pk}",
                    recipients=users_with_perm_at(HANDLE_CASES, order.division_id),
                    division_code=order.division_id,
                    link=link,
                )
                counts["urged"] += 1
            if order.circulated_on is None and today >= circulate_day(order):
                order.circulated_on = today
                order.save(update_fields=["circulated_on"])
                record(
                    event_type="petition.supervision_circulated",
                    actor=None,
                    obj=order.case if order.case_id else order,
                    division_code=order.division_id,
                    data={"order": order.pk, "deadline": order.deadline, "working_days": circulate_days()},
                )
                notify(
                    event=CIRCULATED_EVENT,
                    context={"order": order.pk, "division": order.division_id, "deadline": order.deadline.isoformat()},
                    dedupe_key=f"{CIRCULATED_EVENT}:{order.pk}",
                    recipients=supervisors_of(order.issued_at_division_id),
                    division_code=order.issued_at_division_id,
                    link=link,
                )
                counts["circulated"] += 1
    return counts


# --- the workbench and the inbox (core.panels) ------------------------------------------------------

PANEL_LIMIT = 10


def orders_to_report(user: Any) -> dict[str, Any] | None:
    """Open 督办 orders on a body where the user is a caseworker: each waits for its completion report."""
    codes = scope.codes_with(user, HANDLE_CASES)
    if not codes:
        return None
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(division__code__startswith=code) if code != NATION_CODE else Q()
    rows = list(
        SupervisionOrder.objects.filter(q, reported_on__isnull=True)
        .select_related("case", "division")
        .order_by("deadline", "id")[: PANEL_LIMIT + 1]
    )
    if not rows:
        return None
    today = timezone.localdate()
    return {
        "rows": [{"order": o, "state": STATE_LABELS[state_of(o, today)]} for o in rows[:PANEL_LIMIT]],
        "more": len(rows) > PANEL_LIMIT,
    }


# --- the step of the report (core.steps) ------------------------------------------------------------


def step_title(params: dict[str, Any]) -> str:
    """ "督办 No. 12 (挂牌督办) · case 440106-2026-000001" from the step's stored parameters (no query)."""
    intensity = params.get("intensity", "")
    words = Intensity(intensity).label if intensity in Intensity.values else intensity
    title = _("Supervision order No. %(order)s (%(intensity)s)") % {
        "order": params.get("order", ""),
        "intensity": words,
    }
    if params.get("case"):
        title += " · " + _("case %(number)s") % {"number": params["case"]}
    return str(title)


def step_url(task: Any) -> str:
    """The 督办 page, at the order's row (its report form)."""
    order = ((task.process.data or {}).get(steps.PARAMS_KEY) or {}).get("order", "")
    return f"{reverse('petitions:supervision')}#order-{order}"
