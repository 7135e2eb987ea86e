"""Who sees a transfer, whose turn it is, the lists of both sides, and the summary of the person.

A transfer is seen by both sides: the sending county (its ``division``…) and the receiving one
(``to_division``…); anyone else gets a 404. Each side's step needs ``approve_cases`` there (403
otherwise); a step that is not the transfer's current one is a 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from core.errors import Conflict
from jurisdictions import scope

from . import nodes
from .models import Status, Transfer


def _in_q(user: Any, codename: str = scope.VIEW) -> Q:
    return scope.scope_q(user, codename=codename, prefix="to_", division_field="division_id")


def _out_q(user: Any, codename: str = scope.VIEW) -> Q:
    return scope.scope_q(user, codename=codename)


def transfers_for(user: Any, *, direction: str = "") -> QuerySet[Transfer]:
    """The transfers the user sees: ``out`` (from their jurisdiction), ``in`` (to it), or both."""
    q = {"in": _in_q(user), "out": _out_q(user)}.get(direction)
    if q is None:
        q = _in_q(user) | _out_q(user)
    return (
        Transfer.objects.filter(q)
        .select_related("subject", "division", "to_division", "proposed_by", "released_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def waiting_for(user: Any) -> QuerySet[Transfer]:
    """Open transfers whose current step the user may take (their side's approver)."""
    q = (Q(status=Status.PROPOSED) & _out_q(user, nodes.PERMISSIONS[nodes.RELEASE])) | (
        Q(status=Status.RELEASED) & _in_q(user, nodes.PERMISSIONS[nodes.ACCEPT])
    )
    return transfers_for(user).filter(q).order_by("due_at", "id")


def access_transfer(user: Any, transfer_id: Any) -> Transfer:
    """The transfer if the user is on either side of it (404 otherwise)."""
    try:
        pk = int(transfer_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    transfer = (
        Transfer.objects.select_related(
            "subject", "division", "to_division", "proposed_by", "released_by", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if transfer is None or not (
        scope.can_see(user, transfer.division_id) or scope.can_see(user, transfer.to_division_id)
    ):
        raise Http404(_("Not found."))
    return transfer


def current_node(transfer: Transfer) -> str:
    return {Status.PROPOSED: nodes.RELEASE, Status.RELEASED: nodes.ACCEPT}.get(transfer.status, "")


def side_code(transfer: Transfer, node: str) -> str:
    return transfer.division_id if node == nodes.RELEASE else transfer.to_division_id


def may_act(user: Any, transfer: Transfer, node: str | None = None) -> bool:
    """Whether the user may take the transfer's current step (``node``: only if it is that step)."""
    current = current_node(transfer)
    if not current or (node is not None and node != current):
        return False
    return scope.has_perm_at(user, nodes.PERMISSIONS[current], side_code(transfer, current))


def require_step(user: Any, transfer: Transfer, node: str | None = None) -> None:
    """409 when the step is not the transfer's current one; 403 when it is not the user's side or role."""
    current = current_node(transfer)
    if not current or (node is not None and node != current):
        raise Conflict(
            _("The transfer is “%(status)s”: this cannot be done now.") % {"status": Status(transfer.status).label},
            current_status=transfer.status,
        )
    if not scope.has_perm_at(user, nodes.PERMISSIONS[current], side_code(transfer, current)):
        raise PermissionDenied(_("This step is for an approver of the other county or of this one."))


def direction_of(user: Any, transfer: Transfer) -> str:
    """``out`` when the user is on the sending side, else ``in``."""
    return "out" if scope.can_see(user, transfer.division_id) else "in"


def person_summary(transfer: Transfer) -> dict[str, Any]:
    """What the receiving county is shown of the person: not the whole record.

    Name, masked ID number, sex, birth year, category, the benefits paid by veterans' affairs (type,
    monthly amount, status) and the open cases with the sending county's choice for each.
    """
    from benefits.models import Entitlement, EntitlementStatus
    from cases.models import Case, Kind
    from subjects.models import BenefitType, Category, Sex

    from .models import CaseChoice

    subject = transfer.subject
    benefits = [
        {
            "benefit_type": e.benefit_type,
            "benefit_label": str(BenefitType(e.benefit_type).label)
            if e.benefit_type in BenefitType.values
            else e.benefit_type,
            "monthly_amount": e.monthly_amount,
            "status": e.status,
            "status_label": str(EntitlementStatus(e.status).label),
        }
        for e in Entitlement.objects.filter(subject_id=subject.pk).order_by("id")
    ]
    ids = [int(pk) for pk in transfer.case_choices]
    cases = {c.pk: c for c in Case.objects.filter(pk__in=ids)}
    open_cases = [
        {
            "case": pk,
            "number": cases[pk].number,
            "kind": cases[pk].kind,
            "kind_label": str(Kind(cases[pk].kind).label),
            "choice": transfer.case_choices[str(pk)],
            "choice_label": str(CaseChoice(transfer.case_choices[str(pk)]).label),
        }
        for pk in sorted(ids)
        if pk in cases
    ]
    return {
        "name": subject.name,
        "id_number_masked": subject.id_number_masked,
        "sex": str(Sex(subject.sex).label) if subject.sex in Sex.values else "",
        "birth_year": subject.birth_date.year if subject.birth_date else None,
        "category": subject.category,
        "category_label": str(Category(subject.category).label) if subject.category in Category.values else "",
        "benefits": benefits,
        "cases": open_cases,
    }
