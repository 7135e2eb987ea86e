"""The recovery cases as the benefits pages reach them (``benefits.recovery_cases``, registered in
``CasesConfig.ready``): find each overpayment's latest case, and file one from an overpayment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from jurisdictions.perms import HANDLE_CASES

from . import actions, policy
from .models import Case, Kind, Status

# The states in which a recovery case has not yet decided its overpayment.
UNDECIDED = (Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL, Status.RETURNED)


def find(item_ids: list[int]) -> dict[int, Any]:
    """The latest recovery case of each overpayment (one query)."""
    from benefits.recovery_cases import RecoveryCase

    found: dict[int, Any] = {}
    rows = (
        Case.objects.filter(kind=Kind.RECOVERY, recovery_id__in=item_ids)
        .order_by("recovery_id", "-created_at", "-id")
        .values_list("recovery_id", "pk", "number", "status")
    )
    for item_id, pk, number, status in rows:
        if item_id not in found:
            found[item_id] = RecoveryCase(
                pk=pk, number=number, status=status, status_label=str(Status(status).label), open=status in UNDECIDED
            )
    return found


def file(
    item: Any,
    *,
    actor: Any,
    plan: str,
    amount: Any = None,
    instalments: Any = None,
    first_month: dt.date | None = None,
    reason: str = "",
) -> Any:
    """File the case that decides ``item`` on its person: a caseworker of the person's division (403
    otherwise; 404 outside the jurisdiction), never on their own record; 400 on the case's fields."""
    from benefits.recovery_cases import RecoveryCase
    from subjects.queries import access_subject

    subject = access_subject(actor, item.subject_id, codename=HANDLE_CASES)
    policy.require_not_own_subject(actor, subject, action="file")
    fields = {
        "recovery_id": item.pk,
        "recovery_plan": plan,
        "recovery_amount": amount,
        "recovery_instalments": instalments,
        "recovery_first_month": first_month,
        "recovery_reason": reason or "",
    }
    case = actions.do_file_case(
        subject,
        kind=Kind.RECOVERY,
        title=title_for(item),
        actor=actor,
        **{k: v for k, v in fields.items() if v not in (None, "")},
    )
    return RecoveryCase(
        pk=case.pk, number=case.number, status=case.status, status_label=str(case.get_status_display()), open=True
    )


def title_for(item: Any) -> str:
    """The case's title: the overpayment's months and amount."""
    return _("Decide the overpayment of %(amount)s yuan (%(first)s – %(last)s)") % {
        "amount": item.amount,
        "first": f"{item.first_month:%Y-%m}",
        "last": f"{item.last_month:%Y-%m}",
    }


def register() -> None:
    from benefits import recovery_cases

    recovery_cases.register(finder=find, filer=file)
