"""The public tracking pages under /track/: no staff sign-in, large type, one column on a phone."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from benefits import notices
from benefits.models import NoticeEntry, PublicNotice
from cases.models import Case
from core.errors import DomainError
from core.pages import apply_errors
from letters.views import pdf_response
from subjects.models import Subject

from . import actions, queries, throttle, tokens
from .forms import CodeForm, DeclarationForm, LookupForm, ObjectionForm, PersonCodeForm, PersonForm, RateForm

# Per address, on top of the per-case and per-phone locks (portal.throttle).
IP_RATE = "30/h"


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/too_many.html", status=429)


def _status_page(
    request: HttpRequest, case: Case, *, rate_form: RateForm | None = None, status: int = 200
) -> HttpResponse:
    token = tokens.issue(case.pk)
    view = queries.public_view(case)
    return render(
        request,
        "portal/status.html",
        {"view": view, "token": token, "rate_form": rate_form or RateForm(initial={"token": token})},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key=throttle.client_address, rate=IP_RATE, method="POST", block=False)
def lookup(request: HttpRequest) -> HttpResponse:
    """Step 1: the case number or 查询码 and the ID suffix; a code is texted when they match."""
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _too_many(request)
        form = LookupForm(request.POST)
        if form.is_valid():
            try:
                actions.do_send_tracking_code(ref=form.cleaned_data["case"], id_last6=form.cleaned_data["id_last6"])
            except ValidationError as exc:
                apply_errors(form, exc)
            except DomainError:
                return _too_many(request)
            else:
                code_form = CodeForm(
                    initial={"case": form.cleaned_data["case"], "id_last6": form.cleaned_data["id_last6"]}
                )
                return render(request, "portal/code.html", {"form": code_form})
        return render(request, "portal/lookup.html", {"form": form}, status=400)
    return render(request, "portal/lookup.html", {"form": LookupForm()})


@require_POST
@ratelimit(key=throttle.client_address, rate=IP_RATE, method="POST", block=False)
def open_case(request: HttpRequest) -> HttpResponse:
    """Step 2: the texted code opens the case's page."""
    if getattr(request, "limited", False):
        return _too_many(request)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            case = actions.do_open_tracking(
                ref=form.cleaned_data["case"],
                id_last6=form.cleaned_data["id_last6"],
                sms_code=form.cleaned_data["sms_code"],
                via="page",
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="sms_code")
        except DomainError:
            return _too_many(request)
        else:
            return _status_page(request, case)
    return render(request, "portal/code.html", {"form": form}, status=400)


@require_GET
def download(request: HttpRequest, token: str, letter_id: int) -> HttpResponse | FileResponse:
    """A notice of the case, within the 30 minutes of the pass (the same verified PDF staff print)."""
    try:
        case_id = tokens.case_id_of(token)
    except DomainError as exc:
        return render(request, "portal/expired.html", {"message": exc.detail}, status=404)
    letter = queries.letter_of_case(case_id, letter_id)
    if letter is None:
        return render(request, "portal/expired.html", {}, status=404)
    actions.do_record_download(letter.case, letter_number=letter.number)
    return pdf_response(letter)


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """The person rates the handling of their closed case (好差评)."""
    form = RateForm(request.POST)
    token = request.POST.get("token", "")
    try:
        case_id = tokens.case_id_of(token)
    except DomainError as exc:
        return render(request, "portal/expired.html", {"message": exc.detail}, status=404)
    case = Case.objects.select_related("subject").get(pk=case_id)
    if form.is_valid():
        try:
            actions.do_rate_from_public_page(
                case, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="score")
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            return render(request, "portal/thanks.html", {"case": case})
    return _status_page(request, case, rate_form=form, status=400)


# --- a person: who read my data, declare a change -------------------------------------------------


@require_http_methods(["GET", "POST"])
@ratelimit(key=throttle.client_address, rate=IP_RATE, method="POST", block=False)
def person(request: HttpRequest) -> HttpResponse:
    """The full ID number (and what for); a code is texted to the phone on file when the person is on file."""
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _too_many(request)
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                actions.do_send_person_code(id_number=form.cleaned_data["id_number"])
            except ValidationError as exc:
                apply_errors(form, exc)
            except DomainError:
                return _too_many(request)
            else:
                code_form = PersonCodeForm(initial=form.cleaned_data)
                return render(request, "portal/person_code.html", {"form": code_form})
        return render(request, "portal/person.html", {"form": form}, status=400)
    return render(
        request, "portal/person.html", {"form": PersonForm(initial={"purpose": request.GET.get("for", "access")})}
    )


@require_POST
@ratelimit(key=throttle.client_address, rate=IP_RATE, method="POST", block=False)
def person_open(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return _too_many(request)
    form = PersonCodeForm(request.POST)
    if form.is_valid():
        purpose = form.cleaned_data["purpose"]
        try:
            subject = actions.do_check_person(
                id_number=form.cleaned_data["id_number"], sms_code=form.cleaned_data["sms_code"], purpose=purpose
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="sms_code")
        except DomainError:
            return _too_many(request)
        else:
            if purpose == "declare":
                token = tokens.issue_person(subject.pk)
                return render(request, "portal/declare.html", {"form": DeclarationForm(initial={"token": token})})
            until = timezone.localdate()
            since = until - datetime.timedelta(days=365)
            lines = queries.access_log(subject, since=since, until=until)
            return render(request, "portal/access_log.html", {"lines": lines, "since": since, "until": until})
    return render(request, "portal/person_code.html", {"form": form}, status=400)


@require_POST
def declare(request: HttpRequest) -> HttpResponse:
    form = DeclarationForm(request.POST, request.FILES)
    try:
        subject_id = tokens.subject_id_of(request.POST.get("token", ""))
    except DomainError as exc:
        return render(request, "portal/expired.html", {"message": exc.detail}, status=404)
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        return render(request, "portal/expired.html", {}, status=404)
    if form.is_valid():
        try:
            case = actions.do_declare_change(
                subject,
                change=form.cleaned_data["change"],
                value=form.cleaned_data["value"],
                details=form.cleaned_data["details"],
                declarant=form.cleaned_data["declarant"],
                relation=form.cleaned_data["relation"],
                field=form.cleaned_data["field"],
                files=request.FILES.getlist("attachments"),
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="details")
        else:
            return render(request, "portal/declared.html", {"case": case})
    return render(request, "portal/declare.html", {"form": form}, status=400)


# --- 公示: proposed lists with masked personal data, open to objections ------------------------------


def _entries(notice: PublicNotice) -> list[NoticeEntry]:
    # Only the masked columns are read: the person's record is never touched by the public page.
    return list(
        NoticeEntry.objects.filter(notice=notice)
        .only("row", "masked_name", "masked_id", "township", "benefit", "amount", "note")
        .order_by("row")
    )


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    """The notices published and still open for objections."""
    return render(request, "portal/notice_list.html", {"notices": list(notices.public_notices()[:200])})


def _notice_page(
    request: HttpRequest, notice: PublicNotice, *, form: ObjectionForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/notice.html",
        {
            "notice": notice,
            "entries": _entries(notice),
            "open": notices.in_window(notice),
            "form": form or ObjectionForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key=throttle.client_address, rate=IP_RATE, method="POST", block=False)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A 公示 and, during its window, the objection form (each objection becomes a case)."""
    notice = notices.public_notice(pk)
    if request.method != "POST":
        return _notice_page(request, notice)
    if getattr(request, "limited", False):
        return _too_many(request)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            objection = notices.do_raise_objection(notice, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc, default_field="text")
        else:
            return render(request, "portal/objection_received.html", {"notice": notice, "objection": objection})
    return _notice_page(request, notice, form=form, status=400)


@require_GET
def notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as posted on the stations' boards (A4, print stylesheet)."""
    notice = notices.public_notice(pk)
    return render(request, "portal/notice_print.html", {"notice": notice, "entries": _entries(notice)})
