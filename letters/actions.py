"""Every write to letters goes through here (house style: one transaction, locks, audit, outbox).

``do_request_letter`` numbers the letter (gap-free per county and year, under a locked
counter row), snapshots the data it will print and enqueues the render job, all in the
caller's transaction: the job row exists if and only if the transaction commits
(django-tasks-db writes it through the same connection). The job (``do_issue_letter``)
renders once; nothing ever re-renders an issued letter — a correction is a new letter
that supersedes the old one (``do_supersede_letter``), and both are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff, staff_or_none
from audit.log import record
from core.counters import next_value
from core.errors import Conflict
from core.jobs import enqueue
from policies.citations import do_freeze_citations
from policies.models import PolicyArticle

from . import content, kinds, rendering, signing, storage
from .models import DELIVERED_METHODS, Dispatch, DispatchMethod, Letter, LetterCounter, Letterhead, Status

# Unambiguous characters only (no 0/O, 1/I/L): the code is read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def next_sequence(county_code: str, year: int) -> int:
    """The next gap-free document number of a county and year (call inside the requesting transaction)."""
    return next_value(LetterCounter, county_code=county_code, year=year)


def _create_letter(
    case: Any,
    *,
    kind: str,
    actor: Actor,
    details: dict[str, Any] | None,
    supersedes: Letter | None = None,
    supersede_reason: str = "",
) -> Letter:
    issued_on = timezone.localdate()
    county_code = case.division_id[:6]
    issuer = content.letterhead_for(case.division_id)
    # Validate before numbering (a refused request takes no number, even before the rollback).
    content.build_snapshot(
        case, kind=kind, issuer=issuer, number="", code="X" * CODE_LENGTH, issued_on=issued_on, details=details
    )
    sequence = next_sequence(county_code, issued_on.year)
    number = content.document_number(issuer["number_prefix"], issued_on.year, sequence)
    code = new_verification_code()
    while Letter.objects.filter(verification_code=code).exists():  # pragma: no cover - 31^10 codes
        code = new_verification_code()
    snapshot = content.build_snapshot(
        case,
        kind=kind,
        issuer=issuer,
        number=number,
        code=display_code(code),
        issued_on=issued_on,
        details=details,
        supersedes=supersedes,
        supersede_reason=supersede_reason,
    )
    letter = Letter.objects.create(
        division_id=case.division_id,
        case=case,
        kind=kind,
        year=issued_on.year,
        sequence=sequence,
        number=number,
        verification_code=code,
        snapshot=snapshot,
        template_version=rendering.TEMPLATE_VERSION,
        requested_by=staff_or_none(actor),
        supersedes=supersedes,
    )
    # The letter cites what its decision cited (a kind's snapshot lists them, each with its article
    # version ``id``, under ``citations`` or ``decision.citations``): the same versions, frozen with
    # the letter's number (``policies.Citation``, document kind ``letters.letter``).
    listed = snapshot.get("citations") or (snapshot.get("decision") or {}).get("citations") or []
    cited = [int(c["id"]) for c in listed]
    if cited:
        do_freeze_citations(
            "letters.letter",
            letter.pk,
            sorted(PolicyArticle.objects.filter(pk__in=cited), key=lambda a: cited.index(a.pk)),
            on=issued_on,
            division_code=case.division_id,
            label=number,
            actor=actor,
        )
    record(
        event_type="letter.requested",
        actor=actor,
        obj=letter,
        data={
            "number": number,
            "kind": kind,
            "case": case.number,
            "supersedes": supersedes.number if supersedes else "",
        },
    )
    enqueue_render(letter.pk)
    return letter


def enqueue_render(letter_id: int) -> None:
    """Queue the render job so that it exists if and only if the current transaction commits.

    The database backend (django-tasks-db) writes the job row through the same connection, so
    it commits or rolls back with the letter. A backend outside the database (RQ) is told only
    after the commit; a crash in between leaves a pending letter, which
    ``manage.py requeue_letters`` queues again.
    """
    enqueue("letters.tasks.render_letter", letter_id)


@transaction.atomic
def do_request_letter(case: Any, *, kind: str, actor: Actor, details: dict[str, Any] | None = None) -> Letter:
    """Request a letter about ``case``: numbered, snapshotted, and queued for rendering.

    ``details``: ``{"reasons": "…"}`` (required for a return for correction: what to correct),
    optionally ``"days"`` (to correct; default 15) and ``"attachments"`` (names listed under 附件).
    ``kind``: a registered kind (:mod:`letters.kinds`; 400 for an unknown one). Refuses (409) a
    second letter of a kind issued once per case (an acknowledgement, a decision) while one is
    in force: correct a letter with :func:`do_supersede_letter` instead.
    """
    spec = kinds.get(kind)
    case = kinds.lock_case(case.pk)
    in_force = Letter.objects.filter(case=case, kind__in=spec.one_in_force_among, superseded_at__isnull=True)
    if spec.one_in_force_among and in_force.exists():
        raise Conflict(_("This case already has such a letter; issue a correction that supersedes it instead."))
    return _create_letter(case, kind=kind, actor=actor, details=details)


def _details_of(letter: Letter) -> dict[str, Any]:
    snapshot = letter.snapshot
    details: dict[str, Any] = {"attachments": snapshot.get("attachments", [])}
    correction = snapshot.get("correction") or {}
    if correction.get("what"):
        details["reasons"] = correction["what"]
        details["days"] = correction.get("days", content.DEFAULT_CORRECTION_DAYS)
    return details


@transaction.atomic
def do_supersede_letter(letter: Letter, *, actor: Actor, reason: str, details: dict[str, Any] | None = None) -> Letter:
    """Issue a corrected letter (from the case's current data) that supersedes ``letter``; both are kept."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the letter is being corrected.")})
    old = Letter.objects.select_for_update().get(pk=letter.pk)
    if old.superseded_at is not None:
        raise Conflict(_("This letter has already been superseded."))
    if old.status == Status.PENDING:
        raise Conflict(_("This letter is still being rendered; wait until it is issued."))
    case = kinds.lock_case(old.case_id)
    old.superseded_at = timezone.now()
    old.supersede_reason = reason.strip()
    old.save(update_fields=["superseded_at", "supersede_reason"])
    new = _create_letter(
        case,
        kind=old.kind,
        actor=actor,
        details=details if details is not None else _details_of(old),
        supersedes=old,
        supersede_reason=reason.strip(),
    )
    record(
        event_type="letter.superseded",
        actor=actor,
        obj=old,
        data={"number": old.number, "by": new.number, "by_id": new.pk},
        reason=reason.strip(),
    )
    return new


@transaction.atomic
def do_set_aside_letters(case: Any, *, kinds_: tuple[str, ...], actor: Actor, reason: str) -> list[Letter]:
    """A higher body set aside the decision these letters of ``case`` gave (a grievance's 复查 or 复核
    changed or revoked it): they are no longer in force, so a new one of the same kind can be issued once
    the case is decided again. Nothing supersedes them; they are kept, each set-aside audited."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the letters are set aside.")})
    kinds.lock_case(case.pk)
    letters = list(
        Letter.objects.select_for_update()
        .filter(case_id=case.pk, kind__in=kinds_, superseded_at__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    for letter in letters:
        letter.superseded_at = now
        letter.supersede_reason = reason.strip()
        letter.save(update_fields=["superseded_at", "supersede_reason"])
        record(
            event_type="letter.set_aside",
            actor=actor,
            obj=letter,
            data={"number": letter.number, "kind": letter.kind, "case": case.number},
            reason=reason.strip(),
        )
    return letters


def _mark_failed(letter_id: int, error: str) -> None:
    with transaction.atomic():
        Letter.objects.filter(pk=letter_id).exclude(status=Status.ISSUED).update(
            status=Status.FAILED, error=error[:4000]
        )


def do_issue_letter(letter_id: int) -> Letter:
    """The render job's body: render, sign, store and mark issued — once.

    The slow part (rendering, signing) runs outside any transaction; the letter row is then
    locked and, if another run got there first, this run's bytes are discarded. Errors mark
    the letter failed with the reason and propagate.
    """
    letter = Letter.objects.get(pk=letter_id)
    if letter.status == Status.ISSUED:
        return letter
    snapshot = letter.snapshot
    try:
        pdf = rendering.letter_pdf(snapshot)
        signed = signing.sign_pdf(
            pdf, reason=f"{snapshot['title']} {snapshot['number']}", location=snapshot["issuer"]["bureau_name"]
        )
        signer = signing.signer_name()
    except Exception as exc:
        _mark_failed(letter_id, f"{type(exc).__name__}: {exc}")
        raise
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter_id)
        if letter.status == Status.ISSUED:
            return letter
        letter.file_name = storage.save_new(letter.county_code, letter.year, signed)
        letter.sha256 = hashlib.sha256(signed).hexdigest()
        letter.size = len(signed)
        letter.signer = signer
        letter.template_version = rendering.TEMPLATE_VERSION
        letter.status = Status.ISSUED
        letter.issued_at = timezone.now()
        letter.error = ""
        letter.save()
        record(
            event_type="letter.issued",
            actor=None,
            obj=letter,
            data={
                "number": letter.number,
                "kind": letter.kind,
                "sha256": letter.sha256,
                "size": letter.size,
                "template_version": letter.template_version,
            },
        )
        on_issued = kinds.get(letter.kind).on_issued
        if on_issued is not None:
            on_issued(letter)  # the issuing app's reaction (a decision letter: text the person served)
    return letter


@transaction.atomic
def do_retry_letter(letter: Letter, *, actor: Actor) -> Letter:
    """Queue a failed letter again (after the cause, e.g. a missing font, was fixed)."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.status != Status.FAILED or letter.superseded_at is not None:
        raise Conflict(_("Only a letter whose rendering failed can be retried."))
    letter.status = Status.PENDING
    letter.save(update_fields=["status"])
    record(event_type="letter.requested", actor=actor, obj=letter, data={"number": letter.number, "retry": True})
    enqueue_render(letter.pk)
    return letter


@transaction.atomic
def do_record_dispatch(
    letter: Letter,
    *,
    method: str,
    date: dt.date,
    actor: Actor,
    tracking_number: str = "",
    note: str = "",
) -> Dispatch:
    """Record that an issued letter was printed, mailed, signed for, e-delivered or handed over."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.status != Status.ISSUED:
        raise Conflict(_("Only an issued letter can be dispatched."))
    errors: dict[str, str] = {}
    if method not in DispatchMethod.values:
        errors["method"] = _("Choose how the letter was sent or delivered.")
    tracking_number = tracking_number.strip()
    if method == DispatchMethod.MAILED and not tracking_number:
        errors["tracking_number"] = _("Give the postal tracking number of a mailed letter.")
    if date > timezone.localdate():
        errors["date"] = _("The date cannot be in the future.")
    elif letter.issued_at and date < timezone.localtime(letter.issued_at).date():
        errors["date"] = _("The date cannot be before the letter was issued.")
    if errors:
        raise ValidationError(errors)
    dispatch = Dispatch.objects.create(
        letter=letter,
        method=method,
        date=date,
        tracking_number=tracking_number,
        note=note.strip(),
        recorded_by=require_staff(actor),
    )
    if method in DELIVERED_METHODS and (letter.delivered_on is None or date < letter.delivered_on):
        letter.delivered_on = date
        letter.save(update_fields=["delivered_on"])
    record(
        event_type="letter.dispatched",
        actor=actor,
        obj=letter,
        data={"number": letter.number, "method": method, "date": date, "tracking_number": tracking_number},
    )
    return dispatch


@transaction.atomic
def do_record_download(letter: Letter, *, actor: Actor, via: str) -> None:
    """Audit one download of a letter's PDF (``via``: "page" or "api")."""
    record(event_type="letter.downloaded", actor=actor, obj=letter, data={"number": letter.number, "via": via})


LETTERHEAD_FIELDS = (
    "bureau_name",
    "header_text",
    "number_prefix",
    "address",
    "postcode",
    "phone",
    "contact_person",
    "reconsideration_body",
    "reconsideration_days",
    "court",
    "lawsuit_months",
    "cc",
)


@transaction.atomic
def do_set_letterhead(division: Any, *, actor: Actor, seal: Any = None, **fields: Any) -> Letterhead:
    """Create or change the letterhead of a province, city or county (letters requested later use it)."""
    unknown = set(fields) - set(LETTERHEAD_FIELDS)
    if unknown:
        raise TypeError(f"unknown letterhead fields: {sorted(unknown)}")
    if len(division.code) > 6 or division.code == "CN":
        raise ValidationError({"division": _("Letterheads belong to a province, city or county.")})
    head = Letterhead.objects.select_for_update().filter(division=division).first()
    old = {f: getattr(head, f) for f in LETTERHEAD_FIELDS} if head else {}
    if head is None:
        head = Letterhead(division=division)
    for name, value in fields.items():
        setattr(head, name, value)
    if seal is not None:
        head.seal = seal
    head.updated_by = staff_or_none(actor)
    head.full_clean()
    head.save()
    changed = sorted(f for f in LETTERHEAD_FIELDS if old.get(f) != getattr(head, f))
    record(
        event_type="letter.letterhead_changed",
        actor=actor,
        obj=head,
        division_code=division.code,
        data={"fields": changed, "seal_changed": seal is not None},
    )
    return head
