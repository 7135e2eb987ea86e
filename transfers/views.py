"""Transfer pages: the list (incoming, outgoing, waiting for me), the proposal form from the person's
page, one transfer with the summary of the person and its side's buttons. Thin: authorise through
``transfers.queries``, call one action, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from jurisdictions import scope
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, SUPERVISE
from subjects.queries import access_subject

from . import actions, nodes, queries
from .models import CaseChoice, Status

PAGE_SIZE = 200
DIRECTIONS = ("in", "out")


def _require_staff(user: Any) -> None:
    if not any(scope.codes_with(user, c) for c in (HANDLE_CASES, APPROVE_CASES, SUPERVISE)):
        raise Http404(_("Not found."))


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    direction = request.GET.get("direction", "")
    waiting = request.GET.get("waiting") == "1"
    if waiting:
        transfers = queries.waiting_for(request.user)
    else:
        transfers = queries.transfers_for(request.user, direction=direction if direction in DIRECTIONS else "")
    rows = [(t, queries.direction_of(request.user, t)) for t in transfers[:PAGE_SIZE]]
    return render(
        request,
        "transfers/list.html",
        {"rows": rows, "direction": direction if direction in DIRECTIONS else "", "waiting": waiting},
    )


@login_required
def propose(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = access_subject(request.user, subject_id, codename=nodes.PROPOSE_PERMISSION)
    open_cases = actions.open_cases_of(subject)
    errors: dict[str, list[str]] = {}
    posted: Any = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        choices = {str(c.pk): request.POST.get(f"case_{c.pk}", CaseChoice.STAY) for c in open_cases}
        try:
            transfer = actions.do_propose_transfer(
                subject,
                to=request.POST.get("to", ""),
                reason=request.POST.get("reason", ""),
                effective_month=request.POST.get("effective_month", ""),
                cases=choices,
                actor=request.user,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("The transfer is proposed: it waits for the approval of this county."))
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "transfers/propose.html",
        {
            "subject": subject,
            "open_cases": open_cases,
            "choices": CaseChoice.choices,
            "errors": errors,
            "posted": posted,
            "this_month": timezone.localdate().strftime("%Y-%m"),
        },
        status=400 if errors else 200,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = queries.access_transfer(request.user, pk)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "release":
                queries.require_step(request.user, transfer, nodes.RELEASE)
                actions.do_release_transfer(transfer, actor=request.user)
                done = _("The transfer is approved by this county and sent to the receiving county.")
            elif step == "accept":
                queries.require_step(request.user, transfer, nodes.ACCEPT)
                actions.do_accept_transfer(transfer, actor=request.user)
                done = _("The transfer is accepted: the person's file is now in this county.")
            elif step == "refuse":
                queries.require_step(request.user, transfer)
                actions.do_refuse_transfer(transfer, actor=request.user, reasons=request.POST.get("reasons", ""))
                done = _("The transfer is refused.")
            else:
                raise ValidationError({"step": _("Choose what to do with the transfer.")})
        except ValidationError as exc:
            errors = exc.message_dict
        except (PermissionDenied, Conflict) as exc:
            errors = {"step": [str(exc)]}
        else:
            messages.success(request, done)
            return redirect("transfers:detail", pk=transfer.pk)
    node = queries.current_node(transfer)
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "person": queries.person_summary(transfer),
            "may_act": queries.may_act(request.user, transfer),
            "node": node,
            "release_node": nodes.RELEASE,
            "accept_node": nodes.ACCEPT,
            "direction": queries.direction_of(request.user, transfer),
            "errors": errors,
            "posted": request.POST,
            "open": transfer.status in (Status.PROPOSED, Status.RELEASED),
        },
        status=400 if errors else 200,
    )
