"""Quality review pages: the drawn decisions, one review with its finding form, the report.
Thin: authorise through ``quality.queries``, call one action, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import Conflict
from jurisdictions import scope
from jurisdictions.perms import SUPERVISE

from . import actions, queries
from .models import Finding

PAGE_SIZE = 200


def _require_supervisor(user: object) -> None:
    if not scope.codes_with(user, SUPERVISE):
        raise PermissionDenied(_("Only supervisors see quality reviews."))


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request.user)
    reviews = queries.reviews_for(request.user)
    waiting = request.GET.get("waiting") == "1"
    if waiting:
        reviews = reviews.filter(finding="")
    return render(request, "quality/list.html", {"reviews": reviews[:PAGE_SIZE], "waiting": waiting})


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = queries.access_review(request.user, pk)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            actions.do_record_finding(
                review,
                finding=request.POST.get("finding", ""),
                note=request.POST.get("note", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except (PermissionDenied, Conflict) as exc:
            errors = {"reviewer": [str(exc)]}
        else:
            messages.success(request, _("The finding is recorded."))
            return redirect("quality:review", pk=review.pk)
    return render(
        request,
        "quality/review.html",
        {
            "review": review,
            "refusal": "" if review.finding else queries.review_refusal(request.user, review),
            "findings": Finding.choices,
            "errors": errors,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request.user)
    return render(request, "quality/report.html", queries.report(request.user))
