"""The one place that turns a user into "what may I see" and "what may I do".

Every list is filtered by :func:`scope_q` / :func:`scoped`; every object view goes
through an ``access_*`` helper built on :func:`require_visible` (404 outside the
user's jurisdiction) and :func:`require_perm` (403 when visible but not allowed).

Grants are the permissions of the user's memberships in force today (a membership has a
start and an optional end date; ``jurisdictions.roles`` says what each role grants), read at
request time and cached on the user object for that day only (:func:`division_grants`), so a
request asks the database once however many checks it makes, a change of day needs no
nightly job, and every membership change drops the cache (:func:`forget_grants`). A grant
on a division covers its whole subtree: division codes are prefixes of their descendants'
codes. One exception to "prefixes": a grant at the 兵团 (``66``) or one of its 师 (``66NN``) also
covers the Xinjiang-coded (65…) cities and 团场 linked to those 师 (:class:`BingtuanLink`,
docs/bingtuan.md): the grant is copied onto each linked code when the grants are read.

The division tree itself is public reference data: any signed-in user reads any division's name
and code (:func:`read_division`); scope governs people and cases (:func:`access_division` is the
gate for a division's data).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache as shared_cache

from .models import (
    BINGTUAN_CODE,
    NATION_CODE,
    BingtuanLink,
    Division,
    Level,
    Membership,
    ancestor_codes,
    in_force_q,
    level_of_code,
    normalise_code,
)
from .perms import SUPERVISE, VIEW
from .roles import memberships_granting_q, permissions_for

if TYPE_CHECKING:
    from accounts.models import User

_CACHE_ATTR = "_laurel_division_grants"
_ROWS_ATTR = "_laurel_membership_rows"
MEMBERSHIPS = "memberships"  # the shared cache's namespace (core.cache), one stamp per user

# (division code, role, department, starts on) of a membership not ended by the day it was read for.
MembershipRow = tuple[str, str, str, datetime.date]


def membership_rows(user: Any) -> list[MembershipRow]:
    """The user's memberships in force today or starting later, as plain rows.

    Kept in the shared cache per user and day under the user's version stamp (``core.cache``):
    a membership starts and ends on a date, so a value read for one day is never used on the
    next, and every change of a membership retires the user's stamp (the model's signals,
    :func:`forget_grants`). Cached on the user object as well, so one request asks at most once.
    """
    today = timezone.localdate()
    cached = getattr(user, _ROWS_ATTR, None)
    if cached is not None and cached[0] == today:
        return cached[1]

    def load() -> list[MembershipRow]:
        return list(
            Membership.objects.filter(user_id=user.pk)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
            .order_by("pk")
            .values_list("division_id", "role", "department", "starts_on")
        )

    rows = shared_cache.versioned(*_membership_key(user, today), load)
    setattr(user, _ROWS_ATTR, (today, rows))
    return rows


def membership_cache_spec(user: Any) -> list[tuple[str, Any, str]]:
    """What :func:`membership_rows` reads from the shared cache for ``user`` (``core.cache.prefetch``),
    or nothing when this user object already holds today's rows."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    cached = getattr(user, _ROWS_ATTR, None)
    if cached is not None and cached[0] == today:
        return []
    return [_membership_key(user, today)]


def _membership_key(user: Any, today: datetime.date) -> tuple[str, Any, str]:
    """The shared cache's key of a user's membership rows for a day (read and prefetched alike)."""
    return (MEMBERSHIPS, user.pk, today.isoformat())


def in_force_rows(user: Any) -> list[MembershipRow]:
    """:func:`membership_rows` in force today (started, not ended)."""
    today = timezone.localdate()
    return [row for row in membership_rows(user) if row[3] <= today]


def division_grants(user: Any) -> dict[str, frozenset[str]]:
    """``{division_code: {codename, ...}}`` of the user's jurisdiction grants today.

    Computed from :func:`membership_rows` (the shared cache) and kept on the user object together
    with the day it was computed for: dropped at the date boundary (a long-lived user object in a
    worker recomputes on the next day) and by every membership change (:func:`forget_grants`).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    today = timezone.localdate()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None and cached[0] == today:
        return cached[1]
    grants: dict[str, set[str]] = {}
    for code, role, department, _starts in in_force_rows(user):
        grants.setdefault(code, set()).update(permissions_for(role, department))
    _extend_to_linked_units(grants)
    frozen = {code: frozenset(names) for code, names in grants.items()}
    setattr(user, _CACHE_ATTR, (today, frozen))
    return frozen


def _extend_to_linked_units(grants: dict[str, set[str]]) -> None:
    """Copy each grant at ``66``/``66NN`` onto the 65-coded units linked to the 师 below it (one query,
    only for 兵团 staff)."""
    bingtuan = [code for code in grants if code.startswith(BINGTUAN_CODE)]
    if not bingtuan:
        return
    q = Q(pk__in=[])
    for code in bingtuan:
        q |= Q(shi__code__startswith=code)
    for unit, shi in BingtuanLink.objects.filter(q).values_list("division_id", "shi_id"):
        for code in bingtuan:
            if shi.startswith(code):
                grants.setdefault(unit, set()).update(grants[code])


def covering_codes(division_code: str) -> list[str]:
    """The codes whose grants cover ``division_code``: its ancestors, and for a unit of the 兵团 its
    师 and the 兵团 (for "who may act here" questions asked of the memberships)."""
    codes = ancestor_codes(division_code)
    if division_code.startswith("65"):
        links = BingtuanLink.objects.filter(division_id__in=codes).values_list("shi_id", flat=True)
        codes += sorted({c for shi in links for c in ancestor_codes(shi)} - set(codes))
    return codes


def forget_user_memberships(user_id: Any) -> None:
    """Retire the cached memberships of ``user_id`` in every process (a membership changed)."""
    shared_cache.bump(MEMBERSHIPS, user_id)


def forget_grants(user: Any) -> None:
    """Drop the cached grants (after a membership change in the same request or test), here and in the shared cache."""
    for attr in (_CACHE_ATTR, _ROWS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)
    if getattr(user, "pk", None) is not None:
        forget_user_memberships(user.pk)


def codes_with(user: Any, codename: str) -> list[str]:
    """Division codes on which the user holds ``codename`` (each covers its subtree)."""
    return sorted(code for code, names in division_grants(user).items() if codename in names)


def has_perm_at(user: Any, codename: str, division_code: str) -> bool:
    """Whether ``codename`` is granted on ``division_code`` or any of its ancestors."""
    grants = division_grants(user)
    return any(codename in grants.get(code, ()) for code in ancestor_codes(division_code))


def can_see(user: Any, division_code: str) -> bool:
    return has_perm_at(user, VIEW, division_code)


def within_county(user: Any, codename: str = VIEW) -> bool:
    """Whether every division where the user holds ``codename`` is a county or below (exact list
    totals are cheap there; above it lists show a cached count)."""
    codes = codes_with(user, codename)
    return all(len(code) >= 6 for code in codes)


def scope_q(user: Any, *, codename: str = VIEW, prefix: str = "", division_field: str = "division_id") -> Q:
    """A filter over a :class:`~jurisdictions.models.Located` model for the user's subtree(s).

    ``prefix`` reaches a related model (``"subject__"``). A model that keeps the same
    ``province_code``/``city_code``/``county_code`` columns but names its exact division
    column differently passes ``division_field``. Users with no grant match nothing.
    """
    q = Q(pk__in=[])
    for code in codes_with(user, codename):
        level = level_of_code(code)
        if level == Level.NATION:
            return Q()
        column = {
            Level.PROVINCE: "province_code",
            Level.CITY: "city_code",
            Level.COUNTY: "county_code",
            Level.TOWNSHIP: division_field,
        }[level]  # type: ignore[index]
        q |= Q(**{f"{prefix}{column}": code})
    return q


def scoped(
    queryset: QuerySet, user: Any, *, codename: str = VIEW, prefix: str = "", division_field: str = "division_id"
) -> QuerySet:
    """``queryset`` limited to what ``user`` may see."""
    return queryset.filter(scope_q(user, codename=codename, prefix=prefix, division_field=division_field))


def division_scope_q(user: Any) -> Q:
    """Divisions the user holds a grant over: their subtrees, and the ancestors that name them."""
    q = Q(pk__in=[])
    ancestors: set[str] = set()
    for code in codes_with(user, VIEW):
        if code == NATION_CODE:
            return Q()
        q |= Q(code__startswith=code)
        ancestors.update(ancestor_codes(code))
    return q | Q(code__in=sorted(ancestors))


def visible_divisions(user: Any) -> QuerySet[Division]:
    """Divisions the user holds a grant over (and their ancestors): a scope filter, not a reading rule."""
    return Division.objects.filter(division_scope_q(user))


def require_visible(user: Any, division_code: str) -> None:
    """Raise 404 unless the division lies in the user's jurisdiction."""
    if not can_see(user, division_code):
        raise Http404(_("Not found."))


def require_perm(user: Any, codename: str, division_code: str) -> None:
    """Raise 403 unless the user holds ``codename`` at ``division_code`` (visibility checked first)."""
    require_visible(user, division_code)
    if not has_perm_at(user, codename, division_code):
        raise PermissionDenied(_("You are not allowed to do this here."))


def read_division(user: User | Any, code: str) -> Division:
    """The division ``code`` for any signed-in user (the tree is public reference data), else 404.

    For reading a place's name, code and children (the division API and pages). Accepts padded
    GB/T 2260 forms. Unknown codes are 404. Reading a division grants nothing over the people and
    cases in it; a view that shows or changes data *of* a division uses :func:`access_division`.
    """
    normalised = normalise_code(code)
    if level_of_code(normalised) is None or not getattr(user, "is_authenticated", False):
        raise Http404(_("Not found."))
    try:
        return Division.objects.get(code=normalised)
    except Division.DoesNotExist:
        raise Http404(_("Not found.")) from None


def access_division(user: User | Any, code: str) -> Division:
    """The division ``code`` if it lies in the user's jurisdiction (its subtree or an ancestor), else 404.

    The gate for views that show or change data of a division (letterheads, reports). Accepts
    padded GB/T 2260 forms (``440100`` → ``4401``). Unknown and out-of-scope codes are
    indistinguishable: both 404.
    """
    normalised = normalise_code(code)
    if level_of_code(normalised) is None:
        raise Http404(_("Not found."))
    visible = can_see(user, normalised) or any(c.startswith(normalised) for c in codes_with(user, VIEW))
    if not visible:
        raise Http404(_("Not found."))
    try:
        return Division.objects.get(code=normalised)
    except Division.DoesNotExist:
        raise Http404(_("Not found.")) from None


def access_located(user: Any, obj: Model | None, *, codename: str | None = None) -> Model:
    """Shared body of the per-type ``access_*`` helpers for Located objects.

    404 when ``obj`` is None or outside the user's jurisdiction; 403 when ``codename``
    is given and not held there.
    """
    if obj is None:
        raise Http404(_("Not found."))
    division_code = obj.division_id  # type: ignore[attr-defined]
    if codename is None:
        require_visible(user, division_code)
    else:
        require_perm(user, codename, division_code)
    return obj


def users_with_perm_at(codename: str, division_code: str) -> list[Any]:
    """Active users holding ``codename`` at ``division_code`` or above today (a grant covers its subtree), by id."""
    user_ids = Membership.objects.filter(
        memberships_granting_q(codename),
        in_force_q(timezone.localdate()),
        division_id__in=covering_codes(division_code),
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def supervisors_of(division_code: str) -> list[Any]:
    """The supervisors of a division: active holders of ``supervise`` over it, by id."""
    return users_with_perm_at(SUPERVISE, division_code)


def roles_of(user: Any) -> set[str]:
    """The roles the user holds anywhere (for navigation; never for authorisation)."""
    if not user.is_authenticated:
        return set()
    return {row[1] for row in in_force_rows(user)}


def audit_roles(actor: Any, division_codes: list[str]) -> str:
    """The actor's roles in force today at any of ``division_codes`` (all of them when empty), comma-joined.

    Registered with ``audit.log`` (``record()`` names the role an actor acted in) so that an
    audited action reads the roles from the shared cache instead of querying the memberships.
    """
    wanted = set(division_codes)
    return ",".join(sorted({row[1] for row in in_force_rows(actor) if not wanted or row[0] in wanted}))


def ancestors_of(codes: Iterable[str]) -> dict[str, Division]:
    """Division rows of every ancestor of ``codes`` in one query (for breadcrumbs)."""
    wanted = {a for code in codes for a in ancestor_codes(code)}
    return Division.objects.in_bulk(sorted(wanted))
