"""Pages: a division and its children (any division, to any signed-in user); staff administration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import actions as account_actions
from core.errors import Forbidden
from core.keyset import BadCursor, Sort, paginate
from core.pages import apply_errors, domain_errors_as_pages

from . import actions, forms, queries, scope
from .models import BINGTUAN_CODE, BingtuanLink, Division
from .perms import GRANT_ROLES, MANAGE_STAFF


@login_required
def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    division = scope.read_division(request.user, code)  # place names are public to signed-in users
    children = Division.objects.filter(parent=division).order_by("code")
    path = scope.ancestors_of([division.code])
    breadcrumbs = [path[c] for c in division.ancestor_codes if c in path and c != division.code]
    # The 兵团's Xinjiang-coded units: listed under their 师, and a unit names its 师 (docs/bingtuan.md).
    linked_units = (
        BingtuanLink.objects.filter(shi__code__startswith=division.code).select_related("division", "shi")
        if division.code.startswith(BINGTUAN_CODE)
        else BingtuanLink.objects.none()
    )
    shi_link = BingtuanLink.objects.filter(division_id__in=division.ancestor_codes).select_related("shi").first()
    return render(
        request,
        "jurisdictions/division_detail.html",
        {
            "division": division,
            "children": children,
            "breadcrumbs": breadcrumbs,
            "linked_units": linked_units,
            "shi": shi_link.shi if shi_link else None,
        },
    )


# --- staff administration (system and security administrators) ----------------------------------


def _link_builder(request: HttpRequest) -> Any:
    def build(token: str) -> str:
        return request.build_absolute_uri(reverse("accounts:welcome", args=[token]))

    return build


def _require_staff_administrator(user: Any) -> None:
    if not queries.is_staff_administrator(user):
        raise Forbidden(_("Only system and security administrators manage staff."))


# Staff by username, paged along the keyset (the accounts' unique username index), never by OFFSET.
STAFF_ORDER = Sort("username", "username")
STAFF_PAGE_SIZE = 50


@login_required
@domain_errors_as_pages
def staff_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_staff_administrator(user)
    params = request.GET
    staff = queries.staff_for(
        user, search=params.get("q", ""), division=params.get("division", ""), active=params.get("active", "")
    )
    try:
        page = paginate(
            staff, STAFF_ORDER, after=params.get("after", ""), before=params.get("before", ""), size=STAFF_PAGE_SIZE
        )
    except BadCursor:
        page = paginate(staff, STAFF_ORDER, size=STAFF_PAGE_SIZE)
    return render(
        request,
        "jurisdictions/staff_list.html",
        {
            "page": page,
            "query": urlencode({k: params.get(k, "") for k in ("q", "division", "active")}),
            "q": params.get("q", ""),
            "active": params.get("active", ""),
            "division_filter": params.get("division", ""),
            "divisions": queries.divisions_administered(user, MANAGE_STAFF)
            or queries.divisions_administered(user, GRANT_ROLES),
            "may_create": bool(scope.codes_with(user, MANAGE_STAFF)),
            "today": timezone.localdate(),
        },
    )


@login_required
@domain_errors_as_pages
def staff_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scope.codes_with(user, MANAGE_STAFF):
        raise Forbidden(_("Only a system administrator can create accounts."))
    divisions = queries.divisions_administered(user, MANAGE_STAFF)
    form = forms.StaffCreateForm(request.POST or None, divisions=divisions)
    if request.method == "POST":
        division = queries.division_to_staff(user, request.POST.get("division", ""))  # 404 outside the subtree
        if form.is_valid():
            data = form.cleaned_data
            try:
                staff, url, texted = actions.do_create_staff(
                    division=division,
                    username=data["username"],
                    full_name=data["full_name"],
                    phone=data["phone"],
                    staff_id_number=data["staff_id_number"],
                    actor=user,
                    link_for=_link_builder(request),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return render(
                    request,
                    "jurisdictions/staff_link.html",
                    {"staff": staff, "url": url, "texted": texted, "new": True},
                )
    return render(request, "jurisdictions/staff_new.html", {"form": form})


def _detail_context(request: HttpRequest, staff: Any, **forms_given: Any) -> dict[str, Any]:
    user = request.user
    home = staff.staff_profile.division_id
    may_manage = scope.has_perm_at(user, MANAGE_STAFF, home)
    may_grant = scope.has_perm_at(user, GRANT_ROLES, home) and staff.pk != user.pk
    memberships = queries.memberships_of(staff)
    today = timezone.localdate()
    endable = {
        m.pk
        for m in memberships
        if staff.pk != user.pk and not m.ended(today) and scope.has_perm_at(user, GRANT_ROLES, m.division_id)
    }
    context: dict[str, Any] = {
        "staff": staff,
        "home": staff.staff_profile.division,
        "memberships": memberships,
        "endable": endable,
        "today": today,
        "may_manage": may_manage,
        "may_grant": may_grant,
        "locked_out": may_manage and account_actions.is_locked_out(staff),
    }
    if may_manage:
        context["relatives"] = list(staff.declared_relatives.order_by("declared_at", "pk"))
        context["relative_form"] = forms_given.get("relative_form") or forms.RelativeForm()
        context["edit_form"] = forms_given.get("edit_form") or forms.StaffEditForm(
            initial={"full_name": staff.first_name, "phone": staff.phone}
        )
    if may_grant:
        context["membership_form"] = forms_given.get("membership_form") or forms.MembershipForm(
            divisions=queries.divisions_administered(user, GRANT_ROLES), initial={"division": home}
        )
    return context


@login_required
@domain_errors_as_pages
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = queries.access_staff(request.user, pk)
    return render(request, "jurisdictions/staff_detail.html", _detail_context(request, staff))


@login_required
@require_POST
@domain_errors_as_pages
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = queries.access_staff(request.user, pk, codename=MANAGE_STAFF)
    form = forms.StaffEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account_actions.do_update_staff_user(
                staff,
                actor=request.user,
                full_name=data["full_name"],
                phone=data["phone"],
                staff_id_number=data["staff_id_number"] or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Account details saved."))
            return redirect("staff:detail", pk=staff.pk)
    context = _detail_context(request, staff, edit_form=form)
    return render(request, "jurisdictions/staff_detail.html", context, status=400)


@login_required
@require_POST
@domain_errors_as_pages
def staff_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate, reactivate, unlock, or issue a new one-time link (system administrator)."""
    user = request.user
    staff = queries.access_staff(user, pk, codename=MANAGE_STAFF)
    what = request.POST.get("do", "")
    if what == "deactivate":
        if staff.pk == user.pk:
            raise Forbidden(_("You cannot deactivate your own account."))
        actions.do_deactivate_staff(staff, actor=user)
        messages.success(request, _("The account is deactivated. Its history stays."))
    elif what == "reactivate":
        account_actions.do_reactivate_user(staff, actor=user)
        messages.success(request, _("The account is active again."))
    elif what == "unlock":
        account_actions.do_unlock_user(staff, actor=user)
        messages.success(request, _("Sign-in is unlocked for this account."))
    elif what == "new_link":
        url, texted = account_actions.do_issue_initial_link(staff, actor=user, link_for=_link_builder(request))
        return render(request, "jurisdictions/staff_link.html", {"staff": staff, "url": url, "texted": texted})
    else:
        raise Http404(_("Not found."))
    return redirect("staff:detail", pk=staff.pk)


@login_required
@require_POST
@domain_errors_as_pages
def membership_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    staff = queries.access_staff(user, pk, codename=GRANT_ROLES)
    queries.require_not_self(user, staff)
    division = queries.division_to_grant(user, request.POST.get("division", ""))  # 404 outside the subtree
    form = forms.MembershipForm(request.POST, divisions=queries.divisions_administered(user, GRANT_ROLES))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_grant_membership(
                staff,
                division=division,
                role=data["role"],
                department=data["department"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                actor=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Membership granted."))
            return redirect("staff:detail", pk=staff.pk)
    context = _detail_context(request, staff, membership_form=form)
    return render(request, "jurisdictions/staff_detail.html", context, status=400)


@login_required
@require_POST
@domain_errors_as_pages
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = queries.access_membership(request.user, pk)
    queries.require_not_self(request.user, membership.user)
    actions.do_end_membership(membership, actor=request.user)
    messages.success(request, _("Membership ended: access stops now."))
    return redirect("staff:detail", pk=membership.user_id)


@login_required
@require_POST
@domain_errors_as_pages
def relative_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a close relative the staff member declared (system administrator), for the recusal rule."""
    staff = queries.access_staff(request.user, pk, codename=MANAGE_STAFF)
    form = forms.RelativeForm(request.POST)
    if form.is_valid():
        try:
            account_actions.do_declare_relative(
                staff,
                id_number=form.cleaned_data["id_number"],
                relation=form.cleaned_data["relation"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Close relative recorded."))
            return redirect("staff:detail", pk=staff.pk)
    context = _detail_context(request, staff, relative_form=form)
    return render(request, "jurisdictions/staff_detail.html", context, status=400)


@login_required
@require_POST
@domain_errors_as_pages
def relative_remove(request: HttpRequest, pk: int, relative_id: int) -> HttpResponse:
    staff = queries.access_staff(request.user, pk, codename=MANAGE_STAFF)
    relative = staff.declared_relatives.filter(pk=relative_id).first()
    if relative is None:
        raise Http404(_("Not found."))
    account_actions.do_remove_relative(relative, actor=request.user)
    messages.success(request, _("Close relative removed."))
    return redirect("staff:detail", pk=staff.pk)
