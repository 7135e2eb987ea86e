"""Subject pages: search, detail, create, edit, reveal, photo, CSV export. Thin: queries read, actions write."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.actions import do_remember_list, remembered_list
from audit.log import common_division, record
from audit.models import AuditEvent
from core import panels, replicas
from core.keyset import BadCursor, paginate
from core.pages import apply_errors
from core.spreadsheets import export_response
from jurisdictions import scope
from jurisdictions.models import Division
from jurisdictions.perms import VIEW

from . import extensions, queries, reads
from .actions import (
    AlreadyRegistered,
    do_add_benefit,
    do_record_id_lookup,
    do_register_subject,
    do_reveal_id_number,
    do_update_subject,
)
from .actions.proxies import do_record_proxy
from .forms import HANDLE, BenefitForm, ProxyForm, RevealForm, SearchForm, SubjectForm, sections_of
from .models import BenefitStatus, Provenance, ProxyAuthorisation, ReadVia, Subject

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def _apply_errors(form: Any, exc: ValidationError) -> None:
    """Put an action's validation errors on the form's fields (an ID number error has no field of its own)."""
    apply_errors(form, exc, default_field="id_number")


SUBJECT_LIST = "subjects"
# Remembered per user (accounts.ListPreference): never the name or the ID number searched for.
REMEMBERED = ("category", "status", "township", "sort")
EXPORT_FORMATS = ("csv", "xlsx")


def _search_filters(form: SearchForm) -> dict[str, str]:
    data = form.cleaned_data if form.is_valid() else {}
    return {k: data.get(k, "") for k in ("id_number", "name", "category", "township", "status")}


def _search_queryset(request: HttpRequest, form: SearchForm) -> QuerySet[Subject]:
    return queries.search(request.user, **_search_filters(form))


def _sort_of(form: SearchForm) -> str:
    sort = form.cleaned_data.get("sort") if form.is_valid() else ""
    return sort or queries.DEFAULT_SUBJECT_SORT


def _sort_headers(current: str) -> dict[str, dict[str, str]]:
    headers = {}
    for column, first in (("name", "name"), ("registered", "-registered")):
        other = first[1:] if first.startswith("-") else f"-{first}"
        if current in (first, other):
            state = "descending" if current.startswith("-") else "ascending"
            headers[column] = {"sort": other if current == first else first, "state": state}
        else:
            headers[column] = {"sort": first, "state": "none"}
    return headers


@sensitive_post_parameters("id_number")
@login_required
@never_cache
def search(request: HttpRequest) -> HttpResponse:
    """GET search. A full ID number typed here stays out of the URL: the form posts it."""
    if request.GET.get("reset"):
        do_remember_list(request.user, SUBJECT_LIST, {}, actor=request.user)  # type: ignore[arg-type]
        return redirect("subjects:search")
    saved = remembered_list(request.user, SUBJECT_LIST)
    source: QueryDict = request.POST if request.method == "POST" else request.GET
    if request.method != "POST" and not source and saved:
        source = QueryDict(mutable=True)
        source.update(saved)
    form = SearchForm(source or None, user=request.user)
    if request.method != "POST" and request.GET and form.is_valid():
        wanted = {k: str(v) for k in REMEMBERED if (v := form.cleaned_data.get(k))}
        if wanted != saved:
            do_remember_list(request.user, SUBJECT_LIST, wanted, actor=request.user)  # type: ignore[arg-type]
    sort = _sort_of(form)
    qs = _search_queryset(request, form)
    try:
        page = paginate(
            qs,
            queries.SUBJECT_SORTS[sort],
            after=source.get("after", ""),
            before=source.get("before", ""),
            size=PAGE_SIZE,
        )
    except BadCursor:
        page = paginate(qs, queries.SUBJECT_SORTS[sort], size=PAGE_SIZE)
    query = source.copy()
    for name in ("after", "before", "reset", "csrfmiddlewaretoken", "id_number"):  # never an ID number in a link
        query.pop(name, None)
    without_sort = query.copy()
    without_sort.pop("sort", None)
    can_create = bool(scope.codes_with(request.user, HANDLE))
    filters = _search_filters(form)
    searched_by_id = bool(form.is_bound and form.is_valid() and form.cleaned_data.get("id_number"))
    if searched_by_id:  # who looked up whom by full ID number is recorded, found or not
        do_record_id_lookup(list(page.rows), actor=request.user, where="register_search")
    return render(
        request,
        "subjects/search.html",
        {
            "form": form,
            "subjects": page.rows,
            "page": page,
            "headers": _sort_headers(sort),
            "total": queries.search_total(request.user, filters, qs),
            "query": query.urlencode(),
            "query_without_sort": without_sort.urlencode(),
            "remembered": bool(saved),
            "can_create": can_create,
            "searched_by_id": searched_by_id,
        },
    )


def _export_rows(qs: QuerySet[Subject], sort: str) -> Any:
    """Every person of the search in the screen's order, read along the keyset (never OFFSET)."""
    after, sent = "", 0
    while sent < EXPORT_LIMIT:
        page = paginate(qs, queries.SUBJECT_SORTS[sort], after=after, size=min(2000, EXPORT_LIMIT - sent))
        for s in page.rows:
            yield [
                s.pk,
                s.name,
                s.id_number_masked,
                s.get_sex_display(),
                s.birth_date.isoformat() if s.birth_date else "",
                s.get_category_display(),
                s.get_status_display(),
                s.division.name,
                s.get_employment_display(),
            ]
        sent += len(page.rows)
        if not page.next:
            return
        after = page.next


@login_required
def export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The search results, in the screen's order, as CSV (streamed) or XLSX: masked ID numbers,
    formula-like cells neutralised, recorded."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Not found."))
    form = SearchForm(request.GET or None, user=request.user)
    qs = _search_queryset(request, form)
    sort = _sort_of(form)
    header = [
        pgettext("subject", "Record"),
        pgettext("person", "Name"),
        _("ID number (masked)"),
        _("Sex"),
        _("Birth date"),
        _("Category"),
        _("Status"),
        _("Household registration"),
        _("Employment status"),
    ]
    record(
        event_type="subject.exported",
        actor=request.user,
        object_type="subjects.subject",
        division_code=common_division(scope.codes_with(request.user, VIEW)),
        data={
            "format": fmt,
            "filters": {k: v for k, v in request.GET.items() if k != "id_number"},
            "limit": EXPORT_LIMIT,
        },
    )
    # The rows are read as the download streams, from a replica when one has the user's writes.
    reads.note_reads_of(request.user, qs[:EXPORT_LIMIT], via=ReadVia.EXPORT)
    qs = replicas.on_replica(qs, request.user)
    return export_response(fmt, header, _export_rows(qs, sort), name="subjects", title=_("Subjects"))


# The person's own history in words (the auditor's workspace names every event type).
HISTORY_LABELS = {
    "subject.registered": gettext_lazy("Person registered"),
    "subject.updated": gettext_lazy("Personal data changed"),
    "subject.duplicate_flagged": gettext_lazy("Possible duplicate flagged"),
    "subject.benefit_added": gettext_lazy("Benefit added"),
    "subject.benefit_ended": gettext_lazy("Benefit ended"),
    "subject.id_revealed": gettext_lazy("ID number revealed"),
    "subject.looked_up": gettext_lazy("Person looked up by full ID number"),
    "subject.generated": gettext_lazy("Synthetic people generated"),
    "subject.import_batch": gettext_lazy("People imported"),
    "subject.merged": gettext_lazy("Duplicate record merged into this one"),
    "subject.merged_away": gettext_lazy("Record merged into another"),
}


# The person's page, in groups; each group's provenance is shown once, on one line.
DETAIL_SECTIONS = [
    (
        "identity",
        gettext_lazy("Basic information"),
        [
            "name",
            "id_number",
            "sex",
            "birth_date",
            "ethnicity",
            "political_affiliation",
            "category",
            "status",
        ],
    ),
    ("contact", gettext_lazy("Household registration and contact"), ["division", "hukou_address", "phone"]),
    (
        "service",
        gettext_lazy("Service record"),
        ["service_start", "service_end", "rank_class", "service_unit", "service_number"],
    ),
    (
        "living",
        gettext_lazy("Living conditions"),
        ["resettlement", "employment", "employer", "owns_home", "housing_tenure", "floor_area"],
    ),
    ("grievances", gettext_lazy("Grievances"), ["grievances"]),
    ("family", gettext_lazy("Family of a serviceman"), ["serviceman_name", "serviceman_status", "relation"]),
    (
        "confirmation",
        gettext_lazy("Signature confirmation"),
        ["confirmed_by", "confirmed_at", "confirmation_method", "collection_point"],
    ),
]


def age_on(birth_date: datetime.date, today: datetime.date) -> int:
    """Completed years of age on ``today``."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _value(subject: Subject, name: str) -> Any:
    if name == "id_number":
        return subject.id_number_masked
    if name in ("division", "collection_point"):
        division = getattr(subject, name)
        return division.name if division is not None else None
    display = getattr(subject, f"get_{name}_display", None)
    return display() if display else getattr(subject, name)


# Labels that read better on the person's page than the model's own.
DETAIL_LABELS = {"division": gettext_lazy("Household registration")}


def _label(name: str) -> str:
    if name in DETAIL_LABELS:
        return str(DETAIL_LABELS[name])
    field = Subject._meta.get_field("id_number_masked" if name == "id_number" else name)
    return capfirst(str(getattr(field, "verbose_name", name)))


def _day(entry: dict[str, Any]) -> str:
    """The local calendar day of a provenance entry's moment (stored as an ISO timestamp)."""
    raw = str(entry.get("at", ""))
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        return raw[:10]
    if timezone.is_naive(moment):
        return moment.date().isoformat()
    return timezone.localtime(moment).date().isoformat()


def _ref(entry: dict[str, Any]) -> str:
    """A provenance entry's reference as shown: offline collection says where, by whom and when."""
    if entry.get("source") == Provenance.OFFLINE_COLLECTION and entry.get("point_name"):
        try:
            moment = timezone.localtime(datetime.datetime.fromisoformat(str(entry.get("at"))))
            when = moment.strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            when = str(entry.get("at", ""))
        return _("collected offline at %(point)s by %(by)s at %(time)s") % {
            "point": entry["point_name"],
            "by": entry.get("by", ""),
            "time": when,
        }
    return str(entry.get("ref", ""))


def provenance_line(subject: Subject, names: list[str]) -> list[dict[str, Any]]:
    """Where a group's values came from: one entry per distinct (source, reference, day), with the
    fields it covers when the group has more than one source."""
    labels = dict(Provenance.choices)
    filled = [n for n in names if _value(subject, n) not in (None, "")] or names
    groups: dict[tuple[str, str, str], list[str]] = {}
    for name in filled:
        entry = subject.provenance_of("serviceman" if name == "serviceman_id_number" else name)
        if not entry:
            continue
        key = (str(labels.get(entry.get("source", ""), entry.get("source", ""))), _ref(entry), _day(entry))
        groups.setdefault(key, []).append(_label(name))
    several = len(groups) > 1
    return [
        {"source": source, "ref": ref, "day": day, "fields": fields if several else []}
        for (source, ref, day), fields in groups.items()
    ]


def _sections(subject: Subject) -> list[dict[str, Any]]:
    sections = []
    for key, title, names in DETAIL_SECTIONS:
        rows = [{"name": n, "label": _label(n), "value": _value(subject, n)} for n in names]
        if key == "identity":
            age = age_on(subject.birth_date, timezone.localdate())
            rows.insert(4, {"name": "age", "label": _("Age"), "value": _("%(years)d years") % {"years": age}})
        if key == "family" and not subject.is_family and all(r["value"] in (None, "") for r in rows):
            continue
        sections.append({"key": key, "title": title, "rows": rows, "provenance": provenance_line(subject, names)})
    return sections


@login_required
@never_cache
def detail(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = queries.access_subject(request.user, subject_id)
    reads.note_reads(request.user, [subject.pk], via=ReadVia.PAGE)
    field_labels = {
        f.name: capfirst(str(f.verbose_name)) for f in Subject._meta.get_fields() if hasattr(f, "verbose_name")
    }
    field_labels["id_number"] = _label("id_number")
    history = [
        {
            "at": e.occurred_at,
            "who": (e.actor.get_full_name() or e.actor_username) if e.actor else e.actor_username,
            "what": str(HISTORY_LABELS.get(e.event_type) or extensions.history_label(e.event_type) or e.event_type),
            "changes": [
                (field_labels.get(field, field), change.get("old"), change.get("new"))
                for field, change in (e.data.get("changes") or {}).items()
                if isinstance(change, dict)
            ],
            "reason": e.data.get("reason", ""),
        }
        for e in AuditEvent.objects.filter(object_type="subjects.subject", object_id=str(subject.pk))
        .select_related("actor")
        .order_by("-id")[:50]
    ]
    benefits = list(queries.benefits_of(subject))
    proxies = list(subject.proxies.all()[:20])
    sections = _sections(subject)
    return render(
        request,
        "subjects/detail.html",
        {
            "subject": subject,
            "identity": sections[0],
            "sections": sections[1:],
            "current_benefits": [b for b in benefits if b.status != BenefitStatus.ENDED],
            "proxies": proxies,
            "proxies_in_force": {p.pk for p in proxies if p.in_force(timezone.localdate())},
            "ended_benefits": [b for b in benefits if b.status == BenefitStatus.ENDED],
            "related": queries.related_people(subject, request.user),
            "history": history,
            "field_history": queries.field_history(subject),
            "can_edit": scope.has_perm_at(request.user, HANDLE, subject.division_id),
            "can_reveal": queries.can_reveal(request.user, subject),
            "reveal_form": RevealForm(),
            "actions": panels.render(panels.SUBJECT_ACTIONS, request, subject=subject),
            "panels": panels.render(panels.SUBJECT, request, subject=subject),
        },
    )


@sensitive_post_parameters("id_number", "serviceman_id_number")
@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not scope.codes_with(request.user, HANDLE):
        raise PermissionDenied(_("You are not allowed to do this here."))
    form = SubjectForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        division = data.pop("division")
        scope.require_perm(request.user, HANDLE, division.code)
        try:
            subject = do_register_subject(
                division=division,
                id_number=form.cleaned_data["id_number"],
                actor=request.user,
                provenance=form.cleaned_data["source"],
                **data,
            )
        except AlreadyRegistered as exc:
            form.add_error("id_number", exc.messages)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is now on file.") % {"name": subject.name})
            return redirect("subjects:detail", subject.pk)
    return render(request, "subjects/form.html", {"form": form, "sections": sections_of(form), "subject": None})


@sensitive_post_parameters("id_number", "serviceman_id_number")
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = queries.access_subject(request.user, subject_id, codename=HANDLE)
    form = SubjectForm(request.POST or None, request.FILES or None, instance=subject, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if form.cleaned_data.get("id_number"):
            changes["id_number"] = form.cleaned_data["id_number"]
        if changes.get("division") is not None:
            scope.require_perm(request.user, HANDLE, changes["division"].code)
        try:
            do_update_subject(subject, changes=changes, provenance=form.cleaned_data["source"], actor=request.user)
        except AlreadyRegistered as exc:
            form.add_error("id_number", exc.messages)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("subjects:detail", subject.pk)
    subject.refresh_from_db()
    return render(request, "subjects/form.html", {"form": form, "sections": sections_of(form), "subject": subject})


@login_required
@require_http_methods(["GET", "POST"])
def add_benefit(request: HttpRequest, subject_id: int) -> HttpResponse:
    """Record a benefit the person already receives (collection data; new benefits need a case)."""
    subject = queries.access_subject(request.user, subject_id, codename=HANDLE)
    form = BenefitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_add_benefit(
                subject,
                benefit_type=data["benefit_type"],
                amount=data["amount"],
                start=data["start"],
                actor=request.user,
                provenance=data["source"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The benefit is on file."))
            return redirect("subjects:detail", subject.pk)
    return render(request, "subjects/benefit_form.html", {"form": form, "subject": subject})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def reveal(request: HttpRequest, subject_id: int) -> HttpResponse:
    """Show the full number once, after a recorded reason. POST only shows it; nothing is cached."""
    subject = queries.access_subject(request.user, subject_id, codename=queries.REVEAL)
    form = RevealForm(request.POST or None)
    number = None
    if request.method == "POST" and form.is_valid():
        number = do_reveal_id_number(subject, actor=request.user, reason=form.cleaned_data["reason"])
    response = render(request, "subjects/reveal.html", {"subject": subject, "form": form, "number": number})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def photo(request: HttpRequest, subject_id: int) -> FileResponse:
    subject = queries.access_subject(request.user, subject_id)
    if not subject.photo:
        raise Http404(_("Not found."))
    response = FileResponse(subject.photo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def duplicates(request: HttpRequest) -> HttpResponse:
    if not scope.codes_with(request.user, "supervise"):
        raise PermissionDenied(_("You are not allowed to do this here."))
    flags = list(queries.duplicate_flags_for(request.user).select_related("subject", "attempted_division")[:200])
    names = dict(Division.objects.filter(code__in={f.existing_county_code for f in flags}).values_list("code", "name"))
    # Only the county and the masked number of a record outside the user's jurisdiction.
    rows = [
        {
            "flag": f,
            "visible": scope.can_see(request.user, f.subject.division_id),
            "existing_county": names.get(f.existing_county_code, f.existing_county_code),
        }
        for f in flags
    ]
    return render(request, "subjects/duplicates.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def add_proxy(request: HttpRequest, subject_id: int) -> HttpResponse:
    """代办: record who may act for the person (a family member, station staff), with the signed form."""
    subject = queries.access_subject(request.user, subject_id, codename=HANDLE)
    form = ProxyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_record_proxy(
                subject,
                proxy_name=data["proxy_name"],
                relation=data["relation"],
                proxy_phone=data["proxy_phone"],
                scope=data["scope"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                signed_form=data["signed_form"],
                actor=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The authorisation is on file."))
            return redirect("subjects:detail", subject.pk)
    return render(request, "subjects/proxy_form.html", {"form": form, "subject": subject})


@login_required
def proxy_form_file(request: HttpRequest, proxy_id: int) -> FileResponse:
    """The signed form, for those who may see the person."""
    proxy = ProxyAuthorisation.objects.filter(pk=proxy_id).select_related("subject").first()
    if proxy is None:
        raise Http404(_("Not found."))
    queries.access_subject(request.user, proxy.subject_id)
    response = FileResponse(proxy.signed_form.open("rb"), as_attachment=True)
    response["Cache-Control"] = "private, no-store"
    return response
