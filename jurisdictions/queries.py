"""Reading staff and memberships, always through the administrators' scope.

A staff account is visible to the administrators (system: ``manage_staff``; security:
``grant_roles``) whose subtree holds its home division (``StaffProfile``); to anyone else it
does not exist (404). Changing it then needs the right codename there (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden

from . import scope
from .models import Division, Membership, StaffProfile, normalise_code
from .perms import GRANT_ROLES, MANAGE_STAFF

STAFF_CODENAMES = (MANAGE_STAFF, GRANT_ROLES)


def is_staff_administrator(user: Any) -> bool:
    return any(scope.codes_with(user, codename) for codename in STAFF_CODENAMES)


def _staff_q(user: Any) -> Q:
    q = Q(pk__in=[])
    for codename in STAFF_CODENAMES:
        q |= scope.scope_q(user, codename=codename, prefix="staff_profile__")
    return q


def staff_for(user: Any, *, search: str = "", division: str = "", active: str = "") -> QuerySet[Any]:
    """Staff accounts the administrator may see, by home division then username."""
    qs = (
        get_user_model()
        .objects.filter(staff_profile__isnull=False)
        .filter(_staff_q(user))
        .select_related("staff_profile__division")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("division").order_by("starts_on", "pk"),
            )
        )
    )
    term = search.strip()
    if term:
        qs = qs.filter(Q(username__icontains=term) | Q(first_name__icontains=term) | Q(last_name__icontains=term))
    code = normalise_code(division) if division else ""
    if code:
        qs = qs.filter(Q(staff_profile__division_id=code) | Q(staff_profile__division__code__startswith=code))
    if active in ("yes", "no"):
        qs = qs.filter(is_active=(active == "yes"))
    return qs.order_by("staff_profile__division_id", "username")


def access_staff(user: Any, staff_id: Any, *, codename: str | None = None) -> Any:
    """A staff account in the administrator's scope (404 otherwise); with ``codename``, 403 unless held there."""
    try:
        pk = int(staff_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    staff = get_user_model().objects.filter(pk=pk).filter(_staff_q(user)).select_related("staff_profile").first()
    if staff is None:
        raise Http404(_("Not found."))
    if codename is not None and not scope.has_perm_at(user, codename, staff.staff_profile.division_id):
        raise Forbidden(
            _("Only a system administrator can change accounts.")
            if codename == MANAGE_STAFF
            else _("Only a security administrator can grant and end roles.")
        )
    return staff


def access_membership(user: Any, membership_id: Any) -> Membership:
    """A membership over a division where the user may grant roles (404 otherwise: they look alike)."""
    try:
        pk = int(membership_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    membership = Membership.objects.select_related("user", "division").filter(pk=pk).first()
    if membership is None or not scope.has_perm_at(user, GRANT_ROLES, membership.division_id):
        raise Http404(_("Not found."))
    return membership


def division_to_grant(user: Any, code: str) -> Division:
    """A division where the user may grant roles; any other (or unknown) code is 404."""
    normalised = normalise_code(code or "")
    division = Division.objects.filter(code=normalised).first()
    if division is None or not scope.has_perm_at(user, GRANT_ROLES, division.code):
        raise Http404(_("Not found."))
    return division


def division_to_staff(user: Any, code: str) -> Division:
    """A division where the user may create accounts; any other (or unknown) code is 404."""
    normalised = normalise_code(code or "")
    division = Division.objects.filter(code=normalised).first()
    if division is None or not scope.has_perm_at(user, MANAGE_STAFF, division.code):
        raise Http404(_("Not found."))
    return division


def require_not_self(actor: Any, staff: Any) -> None:
    """Administrators never change their own roles (403)."""
    if actor.pk == staff.pk:
        raise Forbidden(_("You cannot grant or end your own roles; another security administrator must do it."))


def divisions_administered(user: Any, codename: str) -> QuerySet[Division]:
    """The divisions (with their subtrees down to counties) where ``user`` holds ``codename``: form choices."""
    q = Q(pk__in=[])
    for code in scope.codes_with(user, codename):
        if code == "CN":
            q = Q(level__lte=3)
            break
        q |= Q(code__startswith=code, level__lte=3) | Q(code=code)
    return Division.objects.filter(q).order_by("code")


def memberships_of(staff: Any) -> list[Membership]:
    """Every membership of the staff member, current first, then future, then ended."""
    today = timezone.localdate()
    rows = list(Membership.objects.filter(user=staff).select_related("division", "granted_by", "ended_by"))

    def rank(m: Membership) -> tuple[int, Any, int]:
        return (0 if m.in_force(today) else 1 if m.starts_on > today else 2, m.starts_on, m.pk)

    return sorted(rows, key=rank)


def home_division_of(user: Any) -> str:
    """The home division code of an account ("" when it has none): for ``accounts.homes``."""
    return StaffProfile.objects.filter(user_id=user.pk).values_list("division_id", flat=True).first() or ""
