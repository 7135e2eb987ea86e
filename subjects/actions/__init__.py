"""Every write to the subject registry. One transaction each, audited, ID numbers masked.

Actions trust their caller: authorisation happens at the entry point (``queries.access_subject``).
The bulk import's writes live in :mod:`subjects.actions.imports` (re-exported here).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff, staff_or_none
from audit.log import record
from jurisdictions.models import Division
from subjects import extensions, ids
from subjects.actions.imports import do_open_import_batch as do_open_import_batch
from subjects.actions.imports import do_requeue_lost_imports as do_requeue_lost_imports
from subjects.actions.imports import run_import_batch as run_import_batch
from subjects.models import (
    TRACKED_FIELDS,
    Benefit,
    BenefitStatus,
    BenefitType,
    DuplicateFlag,
    IdReveal,
    Provenance,
    ReadVia,
    Subject,
    SubjectStatus,
)
from subjects.reads import note_reads

# Fields an action may set directly (the ID number and division get special handling).
EDITABLE_FIELDS = frozenset(TRACKED_FIELDS) - {"id_number"}
_AUDIT_TEXT_LIMIT = 120


class SubjectInvalid(ValidationError):
    """Field values that cannot be stored; ``message_dict`` maps field names to messages."""


class AlreadyRegistered(ValidationError):
    """The person is already on file (one person, one record, nationally).

    The message names only the county of the existing record; ``subject`` is that record,
    for the caller's own use (never show it to a user who may not see it).
    """

    def __init__(self, subject: Subject, county_name: str) -> None:
        super().__init__(
            {"id_number": [_("This person is already registered in %(county)s.") % {"county": county_name}]},
        )
        self.subject = subject
        self.county_name = county_name


def _division(division: Division | str) -> Division:
    if isinstance(division, Division):
        return division
    try:
        return Division.objects.get(code=division)
    except Division.DoesNotExist:
        raise SubjectInvalid({"division": [_("Unknown administrative division.")]}) from None


def _check_household_division(division: Division) -> None:
    if len(division.code) < 6:
        raise SubjectInvalid(
            {"division": [_("The household registration must be a county or a township, not a larger area.")]}
        )


def county_name(county_code: str) -> str:
    return Division.objects.filter(code=county_code).values_list("name", flat=True).first() or county_code


def history_context(actor: Actor | None, **metadata: Any) -> contextlib.AbstractContextManager[Any]:
    """Who and why, attached by PostgreSQL to the trigger history of what changes inside."""
    if connection.vendor != "postgresql":
        return contextlib.nullcontext()
    user = getattr(actor, "username", "") if getattr(actor, "is_authenticated", False) else ""
    return pghistory.context(user=user, **metadata)


def _provenance_entry(source: str, ref: str, at: dt.datetime) -> dict[str, str]:
    return {"source": Provenance(source).value, "ref": ref, "at": at.isoformat()}


def _clean_fields(values: dict[str, Any], instance: Subject) -> dict[str, Any]:
    """Run each model field's own validation; collect every problem at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field_name, value in values.items():
        if field_name not in EDITABLE_FIELDS:
            errors.setdefault(field_name, []).append(_("This field cannot be set here."))
            continue
        field = Subject._meta.get_field(field_name)
        if field.is_relation:
            cleaned[field_name] = value
            continue
        if value is None and not field.null:
            value = "" if field.empty_strings_allowed else None
        try:
            cleaned[field_name] = field.clean(value, instance)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors.setdefault(field_name, []).extend(exc.messages)
    if errors:
        raise SubjectInvalid(errors)
    return cleaned


def _check_against_id(info: ids.IdInfo, birth_date: Any, sex: Any) -> None:
    """What was entered must agree with what the ID number says."""
    errors: dict[str, list[str]] = {}
    if birth_date and birth_date != info.birth_date:
        errors["birth_date"] = [_("The birth date does not match the ID number.")]
    if sex and sex != info.sex:
        errors["sex"] = [_("The sex does not match the ID number.")]
    if errors:
        raise SubjectInvalid(errors)


def _check_related(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    point = values.get("collection_point")
    if point is not None and len(getattr(point, "code", "")) != 9:
        errors["collection_point"] = [_("The collection point must be a township or street.")]
    if errors:
        raise SubjectInvalid(errors)


def _audit_value(field: str, value: Any) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    text = str(value)
    return text if len(text) <= _AUDIT_TEXT_LIMIT else text[:_AUDIT_TEXT_LIMIT] + "…"


def do_register_subject(
    *,
    division: Division | str,
    id_number: str,
    name: str,
    actor: Actor | None,
    provenance: str = "caseworker_entry",
    source_ref: str = "",
    **fields: Any,
) -> Subject:
    """Put a person on file. ``division`` is the household registration (county or township).

    Raises :class:`subjects.ids.InvalidIdNumber` for a bad number, :class:`SubjectInvalid` for
    bad fields (including a birth date or sex that contradicts the number) and
    :class:`AlreadyRegistered` when the number is on file anywhere in the country. In the last
    case a :class:`DuplicateFlag` for both counties' supervisors is committed before raising
    (unless the caller's own enclosing transaction is rolled back).
    """
    try:
        return _register(
            division=division,
            id_number=id_number,
            name=name,
            actor=actor,
            provenance=provenance,
            source_ref=source_ref,
            fields=fields,
        )
    except AlreadyRegistered as exc:
        do_flag_duplicate(exc.subject, attempted_division=_division(division), actor=actor, source=provenance)
        raise


@transaction.atomic
def _register(
    *,
    division: Division | str,
    id_number: str,
    name: str,
    actor: Actor | None,
    provenance: str,
    source_ref: str,
    fields: dict[str, Any],
) -> Subject:
    info = ids.validate(id_number)
    division = _division(division)
    _check_household_division(division)
    Provenance(provenance)  # unknown provenance is a programming error: ValueError
    subject = Subject(division=division)
    values = _clean_fields({"name": name, **fields}, subject)
    if not (values.get("name") or "").strip():
        raise SubjectInvalid({"name": [_("Enter the name.")]})
    _check_against_id(info, values.get("birth_date"), values.get("sex"))
    _check_related(values)
    values["birth_date"] = info.birth_date
    values["sex"] = info.sex
    blind = ids.blind_index(info.number)
    existing = Subject.objects.filter(id_number_hmac=blind).only("pk", "county_code", "division_id").first()
    if existing is not None:
        raise AlreadyRegistered(existing, county_name(existing.county_code))
    for key, value in values.items():
        setattr(subject, key, value)
    subject.id_number_encrypted = ids.encrypt(info.number)
    subject.id_number_hmac = blind
    subject.id_number_masked = info.masked
    subject.created_by = staff_or_none(actor)
    now = timezone.now()
    entry = _provenance_entry(provenance, source_ref, now)
    subject.provenance = {"*": entry}
    try:
        with transaction.atomic():
            subject.save()
    except IntegrityError:
        # Lost a race with a concurrent registration of the same person.
        existing = Subject.objects.filter(id_number_hmac=blind).first()
        if existing is None:
            raise
        raise AlreadyRegistered(existing, county_name(existing.county_code)) from None
    record(
        event_type="subject.registered",
        actor=actor,
        obj=subject,
        data={
            "id_number": subject.id_number_masked,
            "category": subject.category,
            "provenance": provenance,
            "ref": source_ref,
        },
    )
    if subject.grievances.strip():
        _grievances_saved(subject, actor)
    return subject


def _grievances_saved(subject: Subject, actor: Actor | None) -> None:
    """The person's grievances were recorded: the apps above open their cases after the commit."""
    staff = staff_or_none(actor)
    extensions.grievances_saved(subject.pk, staff.pk if staff else None)


@transaction.atomic
def do_flag_duplicate(
    subject: Subject, *, attempted_division: Division, actor: Actor | None, source: str = ""
) -> DuplicateFlag:
    """Tell the supervisors of both counties that ``subject`` was registered again elsewhere."""
    flag = DuplicateFlag.objects.create(
        subject=subject,
        existing_county_code=subject.county_code,
        attempted_division=attempted_division,
        attempted_county_code=attempted_division.code[:6],
        attempted_by=staff_or_none(actor),
        source=source,
    )
    record(
        event_type="subject.duplicate_flagged",
        actor=actor,
        obj=subject,
        data={
            "id_number": subject.id_number_masked,
            "attempted_division": attempted_division.code,
            "flag": flag.pk,
        },
    )
    return flag


@transaction.atomic
def do_update_subject(
    subject: Subject, *, changes: dict[str, Any], provenance: str, actor: Actor | None, source_ref: str = ""
) -> Subject:
    """Change fields of ``subject``; each changed field records ``provenance``/``source_ref``.

    ``changes`` may hold ``id_number`` (raw; validated, re-encrypted, re-indexed) and
    ``division`` (a Division or code). Unchanged values are ignored; with nothing changed no
    event is written. Returns the locked, saved subject (a fresh instance).
    """
    Provenance(provenance)
    locked = Subject.objects.select_for_update().get(pk=subject.pk)
    changes = dict(changes)
    raw_id = changes.pop("id_number", None)
    if "division" in changes:
        changes["division"] = _division(changes["division"])
        _check_household_division(changes["division"])
    values = _clean_fields(changes, locked)
    _check_related(values)
    audit: dict[str, dict[str, Any]] = {}
    info: ids.IdInfo | None = None
    if raw_id is not None:
        info = ids.validate(raw_id)
        blind = ids.blind_index(info.number)
        if blind != locked.id_number_hmac:
            other = Subject.objects.filter(id_number_hmac=blind).exclude(pk=locked.pk).first()
            if other is not None:
                raise AlreadyRegistered(other, county_name(other.county_code))
            audit["id_number"] = {"old": locked.id_number_masked, "new": info.masked}
            locked.id_number_encrypted = ids.encrypt(info.number)
            locked.id_number_hmac = blind
            locked.id_number_masked = info.masked
            # The number decides birth date and sex.
            values.setdefault("birth_date", info.birth_date)
            values.setdefault("sex", info.sex)
    check = info or _current_info(locked)
    if check is not None:
        _check_against_id(check, values.get("birth_date"), values.get("sex"))
    for field, new in values.items():
        old = getattr(locked, field)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        audit[field] = {"old": _audit_value(field, old), "new": _audit_value(field, new)}
        setattr(locked, field, new)
    if not audit:
        return locked
    entry = _provenance_entry(provenance, source_ref, timezone.now())
    locked.provenance = {**locked.provenance, **dict.fromkeys(audit, entry)}
    with history_context(actor, source=provenance, ref=source_ref):
        locked.save()
    record(
        event_type="subject.updated",
        actor=actor,
        obj=locked,
        data={"changes": audit, "provenance": provenance, "ref": source_ref},
    )
    if "grievances" in audit and locked.grievances.strip():
        _grievances_saved(locked, actor)
    return locked


def _current_info(subject: Subject) -> ids.IdInfo | None:
    try:
        return ids.validate(ids.decrypt(subject.id_number_encrypted), check_division=False)
    except (ValueError, ids.InvalidIdNumber):
        return None


@transaction.atomic
def do_add_benefit(
    subject: Subject,
    *,
    benefit_type: str,
    amount: Any,
    start: dt.date,
    actor: Actor | None,
    provenance: str,
    source_ref: str = "",
) -> Benefit:
    """Record a benefit the subject receives (from collection, or once a case is approved)."""
    Provenance(provenance)
    Subject.objects.select_for_update().filter(pk=subject.pk).exists()
    errors: dict[str, list[str]] = {}
    if benefit_type not in BenefitType.values:
        errors["benefit_type"] = [_("Unknown benefit type.")]
    try:
        amount = Decimal(str(amount))
        if amount < 0 or not amount.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["amount"] = [_("Enter an amount of zero or more.")]
    if not isinstance(start, dt.date):
        errors["start"] = [_("Enter a valid date.")]
    if errors:
        raise SubjectInvalid(errors)
    benefit = Benefit.objects.create(
        subject=subject,
        benefit_type=benefit_type,
        amount=amount,
        start=start,
        provenance=provenance,
        source_ref=source_ref,
    )
    record(
        event_type="subject.benefit_added",
        actor=actor,
        obj=benefit,
        division_code=subject.division_id,
        data={
            "subject": subject.pk,
            "benefit_type": benefit_type,
            "amount": str(amount),
            "start": start.isoformat(),
            "provenance": provenance,
            "ref": source_ref,
        },
    )
    return benefit


@transaction.atomic
def do_end_benefit(
    benefit: Benefit,
    *,
    end: dt.date,
    reason: str,
    actor: Actor | None,
    provenance: str,
    source_ref: str = "",
) -> Benefit:
    """Stop a benefit from ``end`` (kept on file, status ended)."""
    Provenance(provenance)
    locked = Benefit.objects.select_for_update().select_related("subject").get(pk=benefit.pk)
    if locked.status == BenefitStatus.ENDED:
        raise SubjectInvalid({"end": [_("This benefit has already ended.")]})
    if end < locked.start:
        raise SubjectInvalid({"end": [_("The end cannot be before the start.")]})
    if not reason.strip():
        raise SubjectInvalid({"reason": [_("Give the reason for ending the benefit.")]})
    locked.end = end
    locked.end_reason = reason.strip()
    locked.status = BenefitStatus.ENDED
    locked.provenance = provenance
    locked.source_ref = source_ref
    locked.save()
    record(
        event_type="subject.benefit_ended",
        actor=actor,
        obj=locked,
        division_code=locked.subject.division_id,
        data={
            "subject": locked.subject_id,
            "end": end.isoformat(),
            "reason": locked.end_reason,
            "provenance": provenance,
            "ref": source_ref,
        },
    )
    return locked


@transaction.atomic
def do_merge_subjects(keep: Subject, duplicate: Subject, *, actor: Actor | None, reason: str) -> Subject:
    """Fold ``duplicate`` into ``keep``: one person, one record.

    The duplicate's benefits move to ``keep`` (they are the person's, and must not be paid
    twice); the duplicate itself stays on file, marked merged and pointing at ``keep``, with
    its own history and cases, so nothing is lost and every earlier reference still resolves.
    """
    if keep.pk == duplicate.pk:
        raise SubjectInvalid({"keep": [_("A record cannot be merged into itself.")]})
    if not reason.strip():
        raise SubjectInvalid({"reason": [_("Give the reason for the merge.")]})
    # Lock both rows in a fixed order, so two merges of the same pair cannot deadlock.
    locked = {
        s.pk: s for s in Subject.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
    }
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if duplicate.status == SubjectStatus.MERGED or keep.status == SubjectStatus.MERGED:
        raise SubjectInvalid({"keep": [_("One of these records has already been merged.")]})
    moved = list(Benefit.objects.filter(subject=duplicate).values_list("pk", flat=True))
    Benefit.objects.filter(pk__in=moved).update(subject=keep, updated_at=timezone.now())
    duplicate.status = SubjectStatus.MERGED
    duplicate.merged_into = keep
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    data = {
        "kept": keep.id_number_masked,
        "merged": duplicate.id_number_masked,
        "benefits_moved": moved,
        "reason": reason.strip(),
    }
    record(event_type="subject.merged", actor=actor, obj=keep, data=data)
    record(event_type="subject.merged_away", actor=actor, obj=duplicate, data=data)
    return keep


@transaction.atomic
def do_reveal_id_number(subject: Subject, *, actor: Actor, reason: str) -> str:
    """The full number, for a user the entry point has checked; records who, whom, why, when.

    The record never holds the number. An empty reason is refused.
    """
    reason = (reason or "").strip()
    if not reason:
        raise SubjectInvalid({"reason": [_("Give the reason for seeing the full ID number.")]})
    number = ids.decrypt(subject.id_number_encrypted)
    reveal = IdReveal.objects.create(subject=subject, user=require_staff(actor), reason=reason[:255])
    note_reads(actor, [subject.pk], via=ReadVia.REVEAL)
    record(
        event_type="subject.id_revealed",
        actor=actor,
        obj=subject,
        data={"id_number": subject.id_number_masked, "reason": reveal.reason, "reveal": reveal.pk},
    )
    return number


@transaction.atomic
def do_record_id_lookup(found: list[Subject], *, actor: Actor, where: str) -> None:
    """A search by full ID number: who looked up whom (masked) and from which page. Never the number.

    One event per person found; a search that found nobody is recorded too, under the
    searcher's home division (``accounts.homes``), so that auditors see fishing for numbers.
    """
    from accounts.homes import home_division

    for subject in found:
        record(
            event_type="subject.looked_up",
            actor=actor,
            obj=subject,
            data={"id_number": subject.id_number_masked, "where": where},
        )
    if not found:
        staff = staff_or_none(actor)
        record(
            event_type="subject.looked_up",
            actor=actor,
            object_type="subjects.subject",
            division_code=home_division(staff) if staff is not None else "",
            data={"found": 0, "where": where},
        )
