"""Offline collection at township points: synced entries become import rows (README "Offline collection").

The collection page (``/collect/``) records entries without a network and sends them in batches
(``POST /api/v1/collect/sync/``). :func:`do_sync_collected` turns each entry into **one row of an
import batch** of the county template — checked by :class:`subjects.importer.RowReader` and
written by :func:`subjects.actions.imports.do_import_rows`, like a row of an uploaded file — with
the provenance "collected offline at point X by Y at time T". Each entry is written in its own
transaction with its :class:`~subjects.models.CollectedEntry` (unique idempotency key), so a
replayed batch or entry applies nothing twice. An entry whose register row changed after the
worklist was fetched is kept as a conflict; :func:`do_resolve_collected_conflict` settles it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Actor, require_staff
from audit.log import record
from core import bulk
from core.errors import Conflict, Forbidden, NotFound
from jurisdictions import scope
from jurisdictions.models import Division, normalise_code
from jurisdictions.perms import HANDLE_CASES
from subjects import ids
from subjects.actions.imports import (
    ImportRun,
    do_claim_import_batch,
    do_finish_import_batch,
    do_import_rows,
    do_open_import_batch,
)
from subjects.importer import COLUMN_BY_KEY, ErrorSink, ListedErrors, RowReader
from subjects.models import (
    CollectedEntry,
    CollectedStatus,
    ConfirmationMethod,
    ImportBatch,
    ImportSource,
    Provenance,
    Subject,
)

# The fields a collector confirms (or corrects) with the person, besides the signature.
CONFIRM_FIELDS = ("phone", "hukou_address", "employment")
# The columns of an entry's import row (county template keys, in this order).
ROW_KEYS = (
    "id_number",
    "name",
    "category",
    "division",
    *CONFIRM_FIELDS,
    "confirmed_by",
    "confirmed_at",
    "confirmation_method",
    "collection_point",
)
HEADER = [COLUMN_BY_KEY[key].headers[0] for key in ROW_KEYS]
# The collection form requires the person's signature for every entry (签字确认).
SIGNATURE_REQUIRED = True
SIGNATURE_MAX_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BATCH_LIMIT = 200
ALREADY_RECEIVED = gettext_noop("Already received: nothing applied again.")


@dataclass
class Entry:
    """One entry as the collecting browser recorded it (already decrypted by the browser)."""

    key: str
    point: str
    collected_at: dt.datetime
    signature: bytes | None = None
    subject_id: int | None = None
    version: dt.datetime | None = None  # the register row's updated_at as the worklist carried it
    name: str = ""  # a person not on the worklist: name, ID number, category
    id_number: str = ""
    category: str = ""
    values: dict[str, str] = field(default_factory=dict)  # CONFIRM_FIELDS


@dataclass
class Outcome:
    key: str
    result: str  # applied, duplicate, conflict, rejected
    entry: int | None = None
    subject: int | None = None
    message: str = ""


def _label(key: str) -> str:
    if key in COLUMN_BY_KEY:
        return str(COLUMN_BY_KEY[key].label)
    return _("worklist version") if key == "version" else _("signature")


def _refuse(number: int, entry: Entry, key: str, reason: str) -> str:
    return _("Entry %(n)s (%(key)s), %(field)s: %(reason)s") % {
        "n": number,
        "key": entry.key,
        "field": _label(key),
        "reason": reason,
    }


def _check(entries: list[Entry], actor: Actor) -> tuple[dict[str, Division], dict[int, Subject]]:
    """The batch's points and people, or the refusal: 404 outside the jurisdiction, 403 not
    allowed, 400 naming each entry and field that cannot be taken (nothing written)."""
    if not entries:
        raise ValidationError({"entries": [_("The batch holds no entries.")]})
    if len(entries) > BATCH_LIMIT:
        raise ValidationError({"entries": [_("At most %(n)s entries per batch.") % {"n": BATCH_LIMIT}]})
    points: dict[str, Division] = {}
    for code in {normalise_code(e.point) for e in entries}:
        division = Division.objects.filter(code=code, level=4).first()
        if division is None or not scope.can_see(actor, code):
            raise NotFound()
        if not scope.has_perm_at(actor, HANDLE_CASES, code):
            raise Forbidden()
        points[code] = division
    wanted = {e.subject_id for e in entries if e.subject_id is not None}
    people = {
        s.pk: s
        for s in Subject.objects.filter(scope.scope_q(actor, codename=HANDLE_CASES), pk__in=wanted).only(
            "id", "name", "id_number_encrypted", "division_id", "county_code", "updated_at"
        )
    }
    if wanted - set(people):
        raise NotFound()
    problems: list[str] = []
    for number, entry in enumerate(entries, start=1):
        if SIGNATURE_REQUIRED and not entry.signature:
            problems.append(_refuse(number, entry, "signature", _("the person's signature is required.")))
        elif entry.signature and (
            not entry.signature.startswith(PNG_MAGIC) or len(entry.signature) > SIGNATURE_MAX_BYTES
        ):
            problems.append(_refuse(number, entry, "signature", _("not a PNG image of at most 512 KB.")))
        if entry.subject_id is None:
            for key, value in (("id_number", entry.id_number), ("name", entry.name), ("category", entry.category)):
                if not value.strip():
                    problems.append(_refuse(number, entry, key, _("required for a person not on the worklist.")))
        elif entry.version is None:
            problems.append(_refuse(number, entry, "version", _("the worklist's version is missing.")))
    if problems:
        raise ValidationError({"entries": problems})
    return points, people


def _provenance(collected: CollectedEntry, point: Division, actor: Actor) -> dict[str, str]:
    return {
        "source": Provenance.OFFLINE_COLLECTION.value,
        "ref": f"collect:{collected.pk}",
        "at": collected.collected_at.isoformat(),
        "point": point.code,
        "point_name": point.name,
        "by": getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", ""),
    }


def _cells(entry_values: dict[str, str], *, number18: str, point: Division, collected_at: dt.datetime) -> list[str]:
    """The entry as one row of the county template (an empty cell keeps what is on file)."""
    values = {
        **entry_values,
        "id_number": number18,
        "confirmed_at": timezone.localdate(collected_at).isoformat(),
        "confirmation_method": ConfirmationMethod.ON_SITE.value,
        "collection_point": point.code,
    }
    if entry_values.get("name"):  # a person not yet on file is registered at the point
        values["division"] = point.code
    return [str(values.get(key) or "") for key in ROW_KEYS]


def _open_run(division: Division, *, actor: Actor, file_name: str, sha256: str) -> ImportRun:
    batch = do_open_import_batch(
        division=division, source=ImportSource.COUNTY, file_name=file_name, dry_run=False, actor=actor, sha256=sha256
    )
    claim = do_claim_import_batch(batch)
    assert claim is not None  # the batch was opened just now, by this call
    now = timezone.now()
    reader = RowReader(
        ImportSource.COUNTY, scope_codes=scope.codes_with(actor, HANDLE_CASES), now=now, errors=ListedErrors()
    )
    reader.use_header(HEADER)
    reader.render = bulk.uses_copy()
    county_names = dict(Division.objects.filter(level=3).values_list("code", "name"))
    return ImportRun(batch=batch, claim=claim, reader=reader, actor=actor, now=now, county_names=county_names)


def _finish_run(run: ImportRun, *, actor: Actor) -> ImportBatch:
    listed = run.reader.counts.errors
    assert isinstance(listed, ListedErrors)
    report = ErrorSink()  # the batch's error report, as an uploaded file's
    for item in listed.items:
        report.append(item)
    run.reader.counts.errors = report
    try:
        return do_finish_import_batch(run.batch, claim=run.claim, counts=run.reader.counts, actor=actor)
    finally:
        report.close()


def _import(run: ImportRun, collected: CollectedEntry, number: int, cells: list[str], point: Division) -> None:
    """Write ``collected``'s row through the import (in the caller's transaction); set its outcome."""
    reader = run.reader
    listed = reader.counts.errors
    assert isinstance(listed, ListedErrors)
    before = len(listed.items)
    reader.seen.clear()  # entries are separate visits: the same person twice is not a repeated row
    run.provenance = _provenance(collected, point, run.actor)
    try:
        rows = reader.check([(number, cells)])
        do_import_rows(run, rows, read=1)
    finally:
        run.provenance = None
    reasons = [f"{e.column}: {e.reason}" for e in listed.items[before:]]
    if reasons or not rows:
        collected.status = CollectedStatus.REJECTED
        collected.message = "; ".join(reasons)[:2000]
    else:
        collected.subject_id = Subject.objects.filter(id_number_hmac=rows[0].hmac).values_list("pk", flat=True).first()
    collected.batch = run.batch
    collected.save()


def do_sync_collected(entries: list[Entry], *, actor: Actor) -> list[Outcome]:
    """Take a batch of collected entries; one outcome per entry, in order.

    Checked first as a whole (:func:`_check`: nothing is written when an entry lacks its
    signature or lies outside the jurisdiction). Entries whose key is known are ``duplicate``
    (nothing applied again). The others open one import batch and are written one transaction
    each: ``applied`` (an import row with its provenance), ``conflict`` (the register row changed
    since the worklist was fetched: kept for a caseworker) or ``rejected`` (the import refused
    the row, with its reason). Audited: the batch (``subject.import_batch``), each conflict and
    the sync (``subject.collection_synced``).
    """
    points, people = _check(entries, actor)
    known: dict[str, int | None] = dict(
        CollectedEntry.objects.filter(key__in=[e.key for e in entries]).values_list("key", "pk")
    )
    outcomes: list[Outcome] = []
    fresh: list[tuple[int, Entry]] = []
    for number, entry in enumerate(entries, start=1):
        if entry.key in known:
            outcomes.append(Outcome(entry.key, "duplicate", known[entry.key], message=_(ALREADY_RECEIVED)))
            continue
        known[entry.key] = None
        outcomes.append(Outcome(entry.key, ""))
        fresh.append((number, entry))
    if fresh:
        first = points[normalise_code(fresh[0][1].point)]
        digest = hashlib.sha256("\n".join(e.key for _n, e in fresh).encode()).hexdigest()
        file_name = _("Offline collection at %(point)s") % {"point": first.name}
        run = _open_run(first, actor=actor, file_name=file_name, sha256=digest)
        for number, entry in fresh:
            outcomes[number - 1] = _sync_one(run, number, entry, points, people, actor)
        _finish_run(run, actor=actor)
    totals = {result: sum(o.result == result for o in outcomes) for result in ("applied", "duplicate", "conflict")}
    record(
        event_type="subject.collection_synced",
        actor=actor,
        division_code=next(iter(points)),
        data={"entries": len(entries), **totals, "rejected": len(entries) - sum(totals.values())},
    )
    return outcomes


def _sync_one(
    run: ImportRun,
    number: int,
    entry: Entry,
    points: dict[str, Division],
    people: dict[int, Subject],
    actor: Actor,
) -> Outcome:
    point = points[normalise_code(entry.point)]
    now = timezone.now()
    collected_at = min(entry.collected_at, now)
    values = {k: v.strip() for k, v in entry.values.items() if k in CONFIRM_FIELDS and v and v.strip()}
    masked = ""
    if entry.subject_id is None:
        values.update(name=entry.name.strip(), category=entry.category.strip(), confirmed_by=entry.name.strip())
        masked = ids.mask(entry.id_number)[:18]  # an invalid number: the import's check names the reason
    else:
        values["confirmed_by"] = people[entry.subject_id].name
    try:
        with transaction.atomic():
            record_ = CollectedEntry(
                key=entry.key,
                division=point,
                subject_id=entry.subject_id,
                status=CollectedStatus.APPLIED,
                values=values,
                id_number_masked=masked,
                worklist_version=entry.version,
                collected_by=require_staff(actor),
                collected_at=collected_at,
                synced_at=now,
            )
            record_.save()
            if entry.signature:
                record_.signature.save(f"{record_.pk}.png", ContentFile(entry.signature), save=True)
            if entry.subject_id is not None:
                subject = Subject.objects.select_for_update().only("id", "updated_at", "id_number_encrypted")
                current = subject.get(pk=entry.subject_id)
                if current.updated_at != entry.version:
                    record_.status = CollectedStatus.CONFLICT
                    record_.message = _("The register row changed after the worklist was fetched.")
                    record_.save()
                    record(
                        event_type="subject.collection_conflict",
                        actor=actor,
                        obj=record_,
                        data={"key": entry.key, "subject": entry.subject_id, "fields": sorted(values)},
                    )
                    return Outcome(entry.key, "conflict", record_.pk, entry.subject_id, record_.message)
                number18 = ids.decrypt(current.id_number_encrypted)
            else:
                number18 = entry.id_number
            _import(
                run, record_, number, _cells(values, number18=number18, point=point, collected_at=collected_at), point
            )
    except IntegrityError:  # the same key synced at the same moment by another request
        return Outcome(entry.key, "duplicate", message=_(ALREADY_RECEIVED))
    result = "applied" if record_.status == CollectedStatus.APPLIED else "rejected"
    return Outcome(entry.key, result, record_.pk, record_.subject_id, record_.message)


@transaction.atomic
def do_resolve_collected_conflict(entry: CollectedEntry, *, keep: str, actor: Actor) -> CollectedEntry:
    """Settle a conflict: ``keep="mine"`` applies what was collected (an import row, with the
    collection's provenance), ``keep="theirs"`` keeps the register as it is. Audited
    (``subject.collection_resolved``); 409 when it was settled meanwhile."""
    if keep not in ("mine", "theirs"):
        raise ValidationError({"keep": [_("Choose the collected values or the register's.")]})
    locked = CollectedEntry.objects.select_for_update().select_related("division").get(pk=entry.pk)
    if locked.status != CollectedStatus.CONFLICT:
        raise Conflict(_("This conflict was already resolved."), current_status=locked.status)
    if keep == "mine":
        subject = Subject.objects.select_for_update().get(pk=locked.subject_id or 0)
        digest = hashlib.sha256(f"resolve:{locked.key}".encode()).hexdigest()
        file_name = _("Offline collection at %(point)s") % {"point": locked.division.name}
        run = _open_run(locked.division, actor=actor, file_name=file_name, sha256=digest)
        locked.status = CollectedStatus.KEPT_MINE  # unless the import refuses the row (rejected)
        cells = _cells(
            locked.values,
            number18=ids.decrypt(subject.id_number_encrypted),
            point=locked.division,
            collected_at=locked.collected_at,
        )
        _import(run, locked, 1, cells, locked.division)
        _finish_run(run, actor=actor)
    else:
        locked.status = CollectedStatus.KEPT_THEIRS
    locked.resolved_by = require_staff(actor)
    locked.resolved_at = timezone.now()
    locked.save()
    record(
        event_type="subject.collection_resolved",
        actor=actor,
        obj=locked,
        data={"key": locked.key, "subject": locked.subject_id, "keep": keep, "status": locked.status},
    )
    return locked


def entry_values(data: dict[str, Any]) -> dict[str, str]:
    """The fields to confirm of an incoming entry (as text)."""
    return {key: str(data.get(key) or "") for key in CONFIRM_FIELDS}
