"""The rules of a case that decides a recovery (Art. 58), and how the benefits pages reach those cases.

An overpayment (:class:`benefits.models.RecoveryItem`) is decided — recover in full, in instalments,
or waive in whole or in part — by a case of kind ``recovery`` filed on the person (``cases``, above
``benefits``): intake review, then an approver (maker-checker: never the one who filed it), whose
approval applies the terms through :func:`benefits.actions.do_decide_recovery`. ``cases`` checks the
terms here when the case is filed, and registers here (:func:`register`, in its ``apps.py``) how the
benefits pages find an item's case and file one. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules
from .models import RecoveryItem, RecoveryPlan, RecoveryStatus

ARTICLE_58 = "第五十八条"
MAX_INSTALMENTS = 120


@dataclass(frozen=True)
class Terms:
    """What a recovery case asks the approver to decide (the arguments of ``do_decide_recovery``)."""

    item: RecoveryItem
    plan: str
    to_recover: Decimal
    instalments: int
    first_due: dt.date | None
    reason: str


def item_to_decide(subject: Any, recovery_id: Any) -> RecoveryItem:
    """The person's overpayment the case names, still undecided; else 400 on ``recovery_id``."""
    try:
        pk = int(recovery_id) if recovery_id not in (None, "") else 0
    except (TypeError, ValueError):
        pk = 0
    item = RecoveryItem.objects.filter(pk=pk, subject=subject).first() if 0 < pk < 2**63 else None
    if item is None:
        raise ValidationError({"recovery_id": _("Choose one of the person's overpayments (多发待遇).")})
    if item.status != RecoveryStatus.OPEN:
        raise ValidationError(
            {
                "recovery_id": _("This overpayment has already been decided (%(status)s).")
                % {"status": item.get_status_display()}
            }
        )
    return item


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"recovery_amount": _("Enter the amount to recover in yuan.")}) from None


def terms_of(
    item: RecoveryItem,
    *,
    plan: str,
    amount: Any = None,
    instalments: Any = None,
    first_month: dt.date | None = None,
    reason: str = "",
) -> Terms:
    """Check a recovery case's proposal against the overpayment; 400 naming the case's field.

    ``full``: the whole overpayment at once; ``instalments``: 2 to 120 monthly instalments of the
    whole overpayment (or of ``amount``, the rest waived with a reason); ``waiver``: ``amount``
    (default nothing) is recovered, the rest waived, which needs a reason. An amount above the
    overpayment is refused (Art. 58)."""
    if plan not in RecoveryPlan.values:
        names = "、".join(str(label) for label in RecoveryPlan.labels)
        raise ValidationError({"recovery_plan": _("Choose what to decide: %(names)s.") % {"names": names}})
    value = _amount(amount)
    errors: dict[str, str] = {}
    if value is not None and value < 0:
        errors["recovery_amount"] = _("The amount to recover cannot be negative.")
    elif value is not None and value > item.amount:
        errors["recovery_amount"] = _(
            "The amount to recover (%(amount)s) is more than the overpayment (%(overpaid)s, Art. 58 of the "
            "军人抚恤优待条例)."
        ) % {"amount": value, "overpaid": item.amount}
    count = 1
    if plan == RecoveryPlan.FULL:
        value = item.amount
    elif plan == RecoveryPlan.INSTALMENTS:
        value = item.amount if value is None else value
        try:
            count = int(instalments) if instalments not in (None, "") else 0
        except (TypeError, ValueError):
            count = 0
        if not 2 <= count <= MAX_INSTALMENTS:
            errors["recovery_instalments"] = _("Choose between 2 and %(max)d monthly instalments.") % {
                "max": MAX_INSTALMENTS
            }
    else:
        value = Decimal("0") if value is None else value
        if "recovery_amount" not in errors and value >= item.amount:
            errors["recovery_amount"] = _(
                "A waiver recovers less than the overpayment (%(overpaid)s): enter what is still recovered, 0 for all."
            ) % {"overpaid": item.amount}
        if instalments not in (None, ""):
            try:
                count = max(1, min(int(instalments), MAX_INSTALMENTS))
            except (TypeError, ValueError):
                count = 1
    if not errors and value is not None and value < item.amount and not reason.strip():
        errors["recovery_reason"] = _("Say why the overpayment is waived in whole or in part (Art. 58).")
    first = rules.month_of(first_month) if first_month else None
    if first is not None and first < rules.month_of(timezone.localdate()):
        errors["recovery_first_month"] = _("The first instalment cannot be due in a month already past.")
    if errors:
        raise ValidationError(errors)
    assert value is not None
    return Terms(
        item=item, plan=plan, to_recover=value, instalments=count, first_due=first, reason=reason.strip()[:255]
    )


# --- the cases that decide an item, as the benefits pages show them (filled by ``cases``) -------------


@dataclass(frozen=True)
class RecoveryCase:
    """The latest case filed to decide an overpayment: its page, number and state."""

    pk: int
    number: str
    status: str
    status_label: str
    open: bool


Finder = Callable[[list[int]], dict[int, RecoveryCase]]
Filer = Callable[..., RecoveryCase]
_finders: list[Finder] = []
_filers: list[Filer] = []


def register(*, finder: Finder, filer: Filer) -> None:
    """``cases`` registers how an item's case is found and how one is filed (``CasesConfig.ready``)."""
    _finders[:] = [finder]
    _filers[:] = [filer]


def cases_of(item_ids: Iterable[int]) -> dict[int, RecoveryCase]:
    """The latest recovery case of each item (by item id); none registered or filed: empty."""
    ids = sorted(set(item_ids))
    if not ids or not _finders:
        return {}
    return _finders[0](ids)


def file_case(
    item: RecoveryItem,
    *,
    actor: Any,
    plan: str,
    amount: Any = None,
    instalments: Any = None,
    first_month: dt.date | None = None,
    reason: str = "",
) -> RecoveryCase:
    """File the case that decides ``item`` (the filer ``cases`` registered; it checks the caller)."""
    if not _filers:
        raise RuntimeError("no recovery case filer is registered (cases)")
    return _filers[0](
        item, actor=actor, plan=plan, amount=amount, instalments=instalments, first_month=first_month, reason=reason
    )
