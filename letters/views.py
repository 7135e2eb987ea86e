"""Letter pages: a case's letters, one letter (download, dispatch, correction), undelivered
letters per county, letterheads, and the public verification page.

Thin: authorise through ``letters.queries.access_letter`` / ``jurisdictions.scope`` (404 outside
the jurisdiction, 403 not allowed) — a case through ``letters.kinds.access_case``, which the
cases app registers — call one action, render. Every download is audited.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict
from jurisdictions import scope
from jurisdictions.models import Division, Level

from . import actions, kinds, queries, storage
from .forms import DispatchForm, LetterheadForm, RequestLetterForm, SupersedeForm
from .models import Letter, Letterhead, Status

PAGE_SIZE = 100


def conflicts_as_409(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Conflict as exc:
            return render(request, "letters/conflict.html", {"message": str(exc.detail)}, status=409)

    return wrapper


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def pdf_response(letter: Letter) -> HttpResponse | FileResponse:
    """The stored PDF, after checking it still matches its recorded SHA-256."""
    try:
        data = storage.read(letter.file_name, letter.sha256)
    except storage.LetterFileError:
        return HttpResponse(
            _("The stored file of this letter is missing or damaged; it is not served. Tell an administrator."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    import io

    response = FileResponse(
        io.BytesIO(data), content_type="application/pdf", as_attachment=True, filename=f"{letter.number}.pdf"
    )
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    return response


# --- one case, one letter ---------------------------------------------------------------------


@login_required
@require_GET
def case_letters(request: HttpRequest, case_id: int) -> HttpResponse:
    case = kinds.access_case(request.user, case_id)
    return render(
        request,
        "letters/case_letters.html",
        {
            "case": case,
            "letters": list(queries.letters_of_case(case)),
            "may_request": scope.has_perm_at(request.user, queries.HANDLE, case.division_id),
            "request_form": RequestLetterForm(),
        },
    )


@login_required
@require_POST
@conflicts_as_409
def request_letter(request: HttpRequest, case_id: int) -> HttpResponse:
    """A caseworker asks for a letter of a kind that may be requested by hand (an acknowledgement,
    a return for correction)."""
    case = kinds.access_case(request.user, case_id, codename=queries.HANDLE)
    form = RequestLetterForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
        return redirect("letters:case", case_id=case.pk)
    details = {"reasons": form.cleaned_data["reasons"], "days": form.cleaned_data["days"]}
    try:
        letter = actions.do_request_letter(case, kind=form.cleaned_data["kind"], actor=request.user, details=details)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("letters:case", case_id=case.pk)
    messages.success(request, _("Letter %(number)s is being issued.") % {"number": letter.number})
    return redirect("letters:detail", pk=letter.pk)


@login_required
@require_GET
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = queries.access_letter(request.user, pk)
    division = letter.division_id
    return render(
        request,
        "letters/letter_detail.html",
        {
            "letter": letter,
            "dispatches": list(letter.dispatches.select_related("recorded_by")),
            "superseded_by": Letter.objects.filter(supersedes=letter).first(),
            "may_dispatch": letter.status == Status.ISSUED
            and scope.has_perm_at(request.user, queries.HANDLE, division),
            "may_supersede": letter.superseded_at is None
            and letter.status != Status.PENDING
            and scope.has_perm_at(request.user, queries.supersede_codename(letter), division),
            "may_retry": letter.status == Status.FAILED and scope.has_perm_at(request.user, queries.HANDLE, division),
            "dispatch_form": DispatchForm(),
            "supersede_form": SupersedeForm(),
        },
    )


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    letter = queries.access_letter(request.user, pk)
    if letter.status != Status.ISSUED:
        return render(
            request, "letters/conflict.html", {"message": _("This letter has not been issued yet.")}, status=409
        )
    actions.do_record_download(letter, actor=request.user, via="page")
    return pdf_response(letter)


@login_required
@require_POST
@conflicts_as_409
def dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    letter = queries.access_letter(request.user, pk, codename=queries.HANDLE)
    form = DispatchForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_dispatch(
                letter,
                method=form.cleaned_data["method"],
                date=form.cleaned_data["date"],
                tracking_number=form.cleaned_data["tracking_number"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Recorded."))
    else:
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
    return redirect("letters:detail", pk=letter.pk)


@login_required
@require_POST
@conflicts_as_409
def supersede(request: HttpRequest, pk: int) -> HttpResponse:
    letter = queries.access_letter(request.user, pk)
    letter = queries.access_letter(request.user, pk, codename=queries.supersede_codename(letter))
    form = SupersedeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
        return redirect("letters:detail", pk=letter.pk)
    try:
        new = actions.do_supersede_letter(letter, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("letters:detail", pk=letter.pk)
    messages.success(request, _("A corrected letter %(number)s is being issued.") % {"number": new.number})
    return redirect("letters:detail", pk=new.pk)


@login_required
@require_POST
@conflicts_as_409
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    letter = queries.access_letter(request.user, pk, codename=queries.HANDLE)
    actions.do_retry_letter(letter, actor=request.user)
    messages.success(request, _("The letter is queued for rendering again."))
    return redirect("letters:detail", pk=letter.pk)


# --- lists ------------------------------------------------------------------------------------


@login_required
@require_GET
def undelivered(request: HttpRequest) -> HttpResponse:
    """Issued letters in force that have not reached the person, per county of the user's jurisdiction."""
    county = request.GET.get("county", "").strip()
    if county:
        scope.access_division(request.user, county)  # 404 outside the jurisdiction
    qs = queries.undelivered(request.user, county=county)
    rows = list(qs[: PAGE_SIZE + 1])
    counties = Division.objects.filter(scope.division_scope_q(request.user), level=Level.COUNTY).filter(
        code__in=queries.undelivered(request.user).values("county_code")
    )
    return render(
        request,
        "letters/undelivered.html",
        {"letters": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "county": county, "counties": counties},
    )


# --- letterheads ------------------------------------------------------------------------------


@login_required
def letterhead_edit(request: HttpRequest, code: str) -> HttpResponse:
    """An administrator sets the letterhead, seal and appeal details of a province, city or county."""
    division = scope.access_division(request.user, code)
    scope.require_perm(request.user, "administer", division.code)
    if len(division.code) > 6:
        return render(
            request,
            "letters/conflict.html",
            {"message": _("Letterheads belong to a province, city or county.")},
            status=400,
        )
    head = Letterhead.objects.filter(division=division).first()
    form = LetterheadForm(request.POST or None, request.FILES or None, instance=head)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in LetterheadForm.Meta.fields}
        try:
            actions.do_set_letterhead(division, actor=request.user, seal=form.cleaned_data.get("seal_upload"), **fields)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Saved. Letters requested from now on use it."))
            return redirect("letters:letterhead", code=division.code)
    return render(request, "letters/letterhead_form.html", {"division": division, "form": form, "head": head})


# --- public verification ----------------------------------------------------------------------


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public (no sign-in): enough to confirm a letter is authentic, nothing more.

    A code that is no letter's may be another registered document's (``kinds.find_document``:
    a submitted report), shown on the same page.
    """
    try:
        letter = queries.letter_by_code(code)
    except Http404:
        document = kinds.find_document(queries.normalise_code(code))
        if document is None:
            raise
        return render(request, "letters/verify_document.html", {"document": document})
    snapshot = letter.snapshot
    superseded_by = getattr(letter, "superseded_by", None) if letter.superseded_at else None
    return render(
        request,
        "letters/verify.html",
        {
            "letter": letter,
            "bureau": snapshot["issuer"]["bureau_name"],
            "issued_on": snapshot.get("issued_on_cn", ""),
            "name_masked": snapshot["subject"]["name_masked"],
            "superseded_by": superseded_by,
        },
    )
