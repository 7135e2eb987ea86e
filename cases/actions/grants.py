"""Per-case exception grants: one user, one case, a reason and a period (security administrators)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, staff_or_none
from audit.log import record
from core.errors import Conflict
from jurisdictions import scope

from ..models import Case, CaseGrant

LONGEST_GRANT = datetime.timedelta(days=366)


@transaction.atomic
def do_grant_case_access(
    case: Case,
    *,
    user: Any,
    reason: str,
    ends_on: datetime.date | None,
    starts_on: datetime.date | None = None,
    actor: Actor | None,
) -> CaseGrant:
    """Open ``case`` (its tasks and documents) to ``user`` from ``starts_on`` (today) until ``ends_on``.

    ``ValidationError`` on the field, nothing saved: no reason, no end or an end not after the
    start, a start in the past, more than a year, an inactive account, someone who sees the case
    already, a grant in force or planned for that person, or the person the case is about.
    """
    today = timezone.localdate()
    reason = (reason or "").strip()
    starts_on = starts_on or today
    errors: dict[str, str] = {}
    if user is None or not user.is_active:
        errors["user"] = _("No active account with this username.")
    if not reason:
        errors["reason"] = _("Give the reason for the exception (who asked, for what).")
    if ends_on is None:
        errors["ends_on"] = _("Give the day the exception ends.")
    elif ends_on <= starts_on:
        errors["ends_on"] = _("The end date must be after the start date.")
    elif ends_on - starts_on > LONGEST_GRANT:
        errors["ends_on"] = _("An exception lasts one year at most.")
    if starts_on < today:
        errors["starts_on"] = _("The start date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    assert ends_on is not None
    locked = Case.objects.select_for_update(of=("self",)).select_related("subject").get(pk=case.pk)
    if scope.can_see(user, locked.division_id):
        raise ValidationError({"user": _("This person sees the case already through their own jurisdiction.")})
    own = getattr(user, "id_number_hmac", "")
    if own and own == locked.subject.id_number_hmac:
        raise ValidationError({"user": _("The case is about this person: they cannot be given access to it.")})
    if CaseGrant.objects.filter(case=locked, user=user, ended_at__isnull=True, ends_on__gt=today).exists():
        raise ValidationError({"user": _("This person already has an exception for this case; end it first.")})
    grant = CaseGrant.objects.create(
        case=locked,
        user=user,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_by=staff_or_none(actor),
    )
    record(
        event_type="case.access_granted",
        actor=actor,
        obj=locked,
        data={
            "grant": grant.pk,
            "user": user.username,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
        reason=reason,
    )
    return grant


@transaction.atomic
def do_end_case_grant(grant: CaseGrant, *, actor: Actor | None) -> CaseGrant:
    """End an exception now: access stops at once (the next request is refused). 409 if it has ended already."""
    locked = CaseGrant.objects.select_for_update().select_related("case", "user").get(pk=grant.pk)
    today = timezone.localdate()
    if locked.ended_at is not None or locked.ends_on <= today:
        raise Conflict(_("This exception has ended already."))
    locked.ended_at = timezone.now()
    locked.ended_by = staff_or_none(actor)
    locked.ends_on = max(today, locked.starts_on)
    locked.save(update_fields=["ended_at", "ended_by", "ends_on"])
    record(
        event_type="case.access_ended",
        actor=actor,
        obj=locked.case,
        data={"grant": locked.pk, "user": locked.user.username},
    )
    return locked
