"""The bulk import's writes: open a batch, claim it, write its rows chunk by chunk, close it.

:func:`run_import_batch` drives one run: :class:`subjects.importer.RowReader` checks the rows
(no writes), and each chunk of good rows is written by :func:`do_import_rows` in its own
transaction, so good rows are kept whatever happens to bad ones or to a later chunk. Inserts
and updates are set-based (:mod:`core.bulk`: ``COPY`` into staging and one statement on
PostgreSQL, the ORM's bulk calls elsewhere).

A run first **claims** its batch (:func:`do_claim_import_batch`: only a pending batch can be
claimed, under a row lock), and every later write checks the claim in its transaction, so the
background job is safe to run twice (a duplicate enqueue, or the sweep re-queueing a batch) and
only one run writes a batch. A run holds its batch under a **lease** renewed by every
committed chunk. A batch whose job may have been lost — pending and silent longer than
:data:`PENDING_GRACE` (the web process died between the commit and the enqueue, or the broker
was down), or running with a lease lapsed for :data:`STALE_AFTER` (the worker died) — is put
back to pending and queued again by :func:`do_requeue_lost_imports` (the periodic
``sweep_imports`` job); a run that lost its claim stops at its next chunk, and the new run
**resumes after the last committed chunk**: progress, counts and the byte length of the
streamed error report commit with each chunk, so no row is written or reported twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import multiprocessing
import signal
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import BooleanField, Field, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, staff_or_none
from audit.log import record
from core import bulk
from core.jobs import enqueue
from core.readers import UnreadableFile, file_sha256
from jurisdictions.models import Division, Located
from notifications.outbox import notify
from subjects import extensions, ids, summary
from subjects.apps import IMPORT_FINISHED
from subjects.importer import (
    CREATING_SOURCES,
    FK_COLUMNS,
    PROVENANCE_OF_SOURCE,
    REQUIRED_FOR_NEW,
    VALUE_KEYS,
    Counts,
    ErrorSink,
    ParsedRow,
    RowError,
    RowReader,
)
from subjects.models import DuplicateFlag, ImportBatch, ImportSource, ImportStatus, Subject

IMPORT_JOB = "subjects.tasks.import_batch"
# A pending batch silent this long may have lost its job (queued on commit, never delivered).
PENDING_GRACE = dt.timedelta(minutes=5)
# A running batch writes a chunk every few seconds; silent this long, its worker is gone.
STALE_AFTER = dt.timedelta(minutes=10)
SWEEP_LIMIT = 100


class ImportClaimLost(Exception):
    """Another run owns the batch now (this one was presumed dead): stop without writing."""


@transaction.atomic
def do_open_import_batch(
    *,
    division: Division,
    source: str,
    file_name: str,
    dry_run: bool,
    actor: Actor | None,
    upload: Any | None = None,
    sha256: str = "",
) -> ImportBatch:
    """Open an import batch (recorded: who imports what, where).

    With ``upload`` (the web form) the file is stored and the background job queued
    (``core.jobs.enqueue``: in the transaction on the database backend, after the commit on
    RQ), so the job exists only when the batch does; without it the caller (the command
    line) runs :func:`run_import_batch` itself.
    """
    batch = ImportBatch(
        division=division,
        source=source,
        file_name=file_name[:255],
        sha256=sha256,
        dry_run=dry_run,
        created_by=staff_or_none(actor),
        heartbeat_at=timezone.now(),
    )
    batch.save()
    if upload is not None:
        upload.seek(0)
        batch.file.save(f"import-{batch.pk}.{file_name.rsplit('.', 1)[-1].lower()}", upload, save=True)
        enqueue(IMPORT_JOB, batch.pk)
    record(
        event_type="subject.import_opened",
        actor=actor,
        obj=batch,
        data={
            "source": source,
            "file_name": batch.file_name,
            "sha256": sha256,
            "dry_run": dry_run,
            "background": upload is not None,
        },
    )
    return batch


@transaction.atomic
def do_claim_import_batch(batch: ImportBatch, *, sha256: str = "") -> str | None:
    """Make the caller's run the owner of the pending ``batch``; returns its claim, or None.

    None when the batch is gone, finished, or running under another live claim. On success the
    batch is running under a fresh lease, its file's ``sha256`` recorded when given, and
    ``batch`` updated in place. Its progress is kept: a batch taken from a dead run (see
    :func:`do_requeue_lost_imports`) resumes after its last committed chunk, with the counts
    and error report committed with that chunk.
    """
    locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if locked is None or locked.status != ImportStatus.PENDING:
        return None
    claim = uuid.uuid4().hex
    now = timezone.now()
    sha256 = sha256 or locked.sha256
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, claim=claim, heartbeat_at=now, sha256=sha256
    )
    locked.status, locked.claim, locked.heartbeat_at, locked.sha256 = ImportStatus.RUNNING, claim, now, sha256
    for name in (
        "status",
        "claim",
        "heartbeat_at",
        "sha256",
        "processed_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "error_offset",
    ):
        setattr(batch, name, getattr(locked, name))
    return claim


def _hold(batch: ImportBatch, claim: str) -> None:
    """Lock the batch for this transaction; raise :class:`ImportClaimLost` unless ``claim`` still owns it."""
    held = (
        ImportBatch.objects.select_for_update()
        .filter(pk=batch.pk, claim=claim, status=ImportStatus.RUNNING)
        .values_list("pk", flat=True)
        .first()
    )
    if held is None:
        raise ImportClaimLost(batch.pk)


@dataclass
class ImportRun:
    """One run over one batch: its claim, its reader (and counts), who runs it, since when."""

    batch: ImportBatch
    claim: str
    reader: RowReader
    actor: Actor | None
    now: dt.datetime
    county_names: dict[str, str] = field(default_factory=dict)
    # The provenance written with the next rows, when not the source's (offline collection:
    # where, by whom and when each entry was collected).
    provenance: dict[str, str] | None = None

    @property
    def source(self) -> ImportSource:
        return self.reader.source

    def entry(self) -> dict[str, str]:
        if self.provenance is not None:
            return self.provenance
        provenance = PROVENANCE_OF_SOURCE[self.source]
        return {"source": provenance.value, "ref": f"import:{self.batch.pk}", "at": self.now.isoformat()}

    def user(self) -> Any | None:
        return self.actor if getattr(self.actor, "is_authenticated", False) else None


@transaction.atomic
def do_import_rows(run: ImportRun, rows: list[ParsedRow], *, read: int) -> None:
    """Write one chunk of checked rows (``read``: rows of the file it covers) under the run's claim.

    New people are inserted, known ones updated with the cells that differ; a person on file
    outside the importer's jurisdiction is refused and flagged. Rejections go to the reader's
    counts; the batch's progress commits with the rows.
    """
    _hold(run.batch, run.claim)
    if rows:
        _write(run, rows)
    counts = run.reader.counts
    counts.processed += read
    # The chunk's rejections are on disk before its rows commit; a resumed run cuts the report
    # back to this length, so a row is reported exactly once whatever happens after.
    offset = counts.errors.commit_point()
    ImportBatch.objects.filter(pk=run.batch.pk).update(
        processed_rows=counts.processed,
        total_rows=run.reader.estimated_rows,
        created_count=counts.created,
        updated_count=counts.updated,
        unchanged_count=counts.unchanged,
        rejected_count=counts.rejected,
        error_offset=offset,
        heartbeat_at=timezone.now(),
    )


# PostgreSQL: a chunk's rows are staged once (only the file's columns), checked against the
# register by one join on the blind index, then inserted and updated from the staging table.
STAGE = "subjects_import_stage"
VERDICTS = "subjects_import_verdicts"
# What each staged row becomes: inserted (no subject, its encrypted number) or updated (the
# subject and the keys of its changed cells). Rows refused or unchanged are not in it.
VERDICT_COLUMNS = [("rn", "integer"), ("subject_id", "bigint"), ("token", "text"), ("changed", "text[]")]

# Found on file, per row number: (subject id, its county, the keys of the cells that differ).
Found = dict[int, tuple[int, str, list[str]]]
Update = tuple[ParsedRow, int, list[str]]


def _write(run: ImportRun, rows: list[ParsedRow]) -> None:
    if bulk.uses_copy():
        _write_staged(run, rows)
    else:
        _write_orm(run, rows)


def _sort(run: ImportRun, rows: list[ParsedRow], found: Found) -> tuple[list[ParsedRow], list[Update]]:
    """Split checked rows into inserts and updates; reject (and flag) the others, count the unchanged."""
    reader, counts = run.reader, run.reader.counts
    inserts: list[ParsedRow] = []
    updates: list[Update] = []
    flags: list[DuplicateFlag] = []
    for row in rows:
        current = found.get(row.number)
        if current is None:
            if run.source not in CREATING_SOURCES:
                reader.reject(row.number, "id_number", _("This person is not on file."), row.number18)
                counts.rejected += 1
                continue
            missing = [k for k in REQUIRED_FOR_NEW if k not in row.values]
            if missing:
                for key in missing:
                    reader.reject(row.number, key, _("Required for a person not yet on file."))
                counts.rejected += 1
                continue
            inserts.append(row)
            continue
        subject_id, county_code, changed = current
        if not reader.in_scope(county_code):
            county = run.county_names.get(county_code, county_code)
            reader.reject(
                row.number,
                "id_number",
                _("This person is already registered in %(county)s.") % {"county": county},
                row.number18,
            )
            counts.rejected += 1
            attempted = row.values.get("division") or (reader.scope_codes or ["CN"])[0]
            flags.append(
                DuplicateFlag(
                    subject_id=subject_id,
                    existing_county_code=county_code,
                    attempted_division_id=attempted,
                    attempted_county_code=attempted[:6],
                    attempted_by=run.user(),
                    source=run.source,
                )
            )
            continue
        if changed:
            updates.append((row, subject_id, changed))
        else:
            counts.unchanged += 1
    if flags and not run.batch.dry_run:
        DuplicateFlag.objects.bulk_create(flags)
    return inserts, updates


def _tokens(rows: list[ParsedRow]) -> list[str]:
    """The rows' encrypted numbers (made here unless a checker process already made them)."""
    missing = [r for r in rows if not r.token]
    for row, token in zip(missing, ids.encrypt_many(r.number18 for r in missing), strict=True):
        row.token = token
    return [r.token for r in rows]


def _lost_races(run: ImportRun, rows: list[ParsedRow], inserted: set[str]) -> int:
    for row in rows:
        if row.hmac not in inserted:  # lost a race with a concurrent registration
            run.reader.reject(
                row.number,
                "id_number",
                _("Registered at the same moment by someone else; import the file again."),
                row.number18,
            )
            run.reader.counts.rejected += 1
    return len(inserted)


def _column(key: str) -> str:
    field = Subject._meta.get_field(key)
    assert isinstance(field, Field) and field.column
    return field.column


def _write_staged(run: ImportRun, rows: list[ParsedRow]) -> None:
    """PostgreSQL: stage, check, insert and update the chunk set-based (a fixed number of statements)."""
    counts = run.reader.counts
    keys = run.reader.staged_keys()
    attnames = ["id_number_hmac", "id_number_masked", *(FK_COLUMNS.get(k, k) for k in keys)]
    bulk.stage(
        STAGE,
        [r.line for r in rows],
        columns=[("rn", "integer")],
        model=Subject,
        attnames=attnames,
        keys=["rn", "id_number_hmac"],
    )
    differs = ", ".join(f's."{c}" IS NOT NULL AND s."{c}" IS DISTINCT FROM t."{c}"' for c in map(_column, keys))
    with connection.cursor() as cursor:
        # One probe of the blind index per staged row (LIMIT 1 keeps the planner from turning the
        # lateral join into a hash of the whole register, which it did while the register's
        # statistics were older than its rows: each chunk then read every row written before it).
        cursor.execute(
            f'SELECT s.rn, t.id, t.county_code, ARRAY[{differs}] FROM "{STAGE}" s '  # noqa: S608
            f'CROSS JOIN LATERAL (SELECT * FROM "{Subject._meta.db_table}" r '
            f"WHERE r.id_number_hmac = s.id_number_hmac LIMIT 1) t"
        )
        found: Found = {
            rn: (subject_id, county, [k for k, d in zip(keys, flags, strict=True) if d])
            for rn, subject_id, county, flags in cursor.fetchall()
        }
    inserts, updates = _sort(run, rows, found)
    if run.batch.dry_run:
        counts.created += len(inserts)
        counts.updated += len(updates)
        return
    if not inserts and not updates:
        return
    verdicts = [f"{row.number}\t\\N\t{token}\t\\N" for row, token in zip(inserts, _tokens(inserts), strict=True)]
    verdicts += [f"{row.number}\t{subject_id}\t\\N\t{{{','.join(changed)}}}" for row, subject_id, changed in updates]
    bulk.stage(VERDICTS, verdicts, columns=VERDICT_COLUMNS, keys=["rn"])
    # The chunk's people, as one array: each is an index probe into the register, never a scan of
    # it (a semi-join did scan it, twice per chunk, while its statistics lagged behind its rows).
    table = Subject._meta.db_table
    touched = RawSQL(  # noqa: S611 (names of this module's own tables)
        f'"{table}"."id_number_hmac" = ANY(ARRAY(SELECT s.id_number_hmac FROM "{STAGE}" s '  # noqa: S608
        f'JOIN "{VERDICTS}" v ON v.rn = s.rn))',
        (),
        output_field=BooleanField(),
    )
    user = run.user()
    # The dashboards' counts: the chunk's rows counted before and after the writes; a chunk of new
    # people only (an initial load) had nothing to count before, so only its inserted rows after.
    tracked = summary.track(queryset=Subject.objects.filter(touched)) if updates else contextlib.nullcontext()
    with tracked:
        if inserts:
            inserted = bulk.insert_from(
                Subject,
                f'FROM "{STAGE}" s JOIN "{VERDICTS}" v ON v.rn = s.rn WHERE v.subject_id IS NULL',
                staged=attnames,
                expressions={
                    "id_number_encrypted": "v.token",
                    "province_code": "left(s.division_id, 2)",
                    "city_code": "left(s.division_id, 4)",
                    "county_code": "left(s.division_id, 6)",
                },
                values={
                    "provenance": {"*": run.entry()},
                    "created_by_id": user.pk if user else None,
                    "import_batch_id": run.batch.pk,
                    "created_at": run.now,
                    "updated_at": run.now,
                },
                unique="id_number_hmac",
            )
            counts.created += _lost_races(run, inserts, inserted)
            if not updates:
                summary.count_inserted(inserted)
        if updates:
            _update_staged(run, keys)
            counts.updated += len(updates)


def _update_staged(run: ImportRun, keys: list[str]) -> None:
    """Each updated row's changed cells (only those), their provenance, and the codes of a new division."""
    assignments = [
        f""""{c}" = CASE WHEN '{k}' = ANY(v.changed) THEN s."{c}" ELSE t."{c}" END"""
        for k, c in zip(keys, map(_column, keys), strict=True)
    ]
    if "division" in keys:
        assignments += [
            f"""{c} = CASE WHEN 'division' = ANY(v.changed) THEN left(s.division_id, {n}) ELSE t.{c} END"""
            for c, n in (("province_code", 2), ("city_code", 4), ("county_code", 6))
        ]
    assignments += [
        "provenance = COALESCE(t.provenance, '{}'::jsonb)"
        " || (SELECT jsonb_object_agg(k, %s::jsonb) FROM unnest(v.changed) k)",
        "updated_at = %s",
        "import_batch_id = %s",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{Subject._meta.db_table}" t SET {", ".join(assignments)} '  # noqa: S608
            f'FROM "{STAGE}" s JOIN "{VERDICTS}" v ON v.rn = s.rn WHERE v.subject_id = t.id',
            [json.dumps(run.entry()), run.now, run.batch.pk],
        )


def _write_orm(run: ImportRun, rows: list[ParsedRow]) -> None:
    """SQLite: the existence lookup and the comparison in Python, the writes by the ORM's bulk calls."""
    counts = run.reader.counts
    existing = _existing([r.hmac for r in rows])
    found: Found = {}
    for row in rows:
        current = existing.get(row.hmac)
        if current is not None:
            changed = [
                key
                for key, value in row.values.items()
                if _comparable(current.get(FK_COLUMNS.get(key, key))) != _comparable(value)
            ]
            found[row.number] = (current["id"], current["county_code"], changed)
    inserts, updates = _sort(run, rows, found)
    if run.batch.dry_run:
        counts.created += len(inserts)
        counts.updated += len(updates)
        return
    counts.created += _insert(run, inserts)
    by_hmac = {r.hmac: existing[r.hmac] for r, _id, _changed in updates}
    _update(run, [(row, {k: row.values[k] for k in changed}, by_hmac[row.hmac]) for row, _id, changed in updates])
    counts.updated += len(updates)


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return value


def _existing(hmacs: list[str]) -> dict[str, dict[str, Any]]:
    fields = ["id", "id_number_hmac", "county_code", "provenance"] + [FK_COLUMNS.get(k, k) for k in VALUE_KEYS]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(hmacs), 5000):
        for item in Subject.objects.filter(id_number_hmac__in=hmacs[start : start + 5000]).values(*fields):
            found[item["id_number_hmac"]] = item
    return found


def _insert(run: ImportRun, rows: list[ParsedRow]) -> int:
    if not rows:
        return 0
    tokens = _tokens(rows)
    user = run.user()
    records = []
    for row, token in zip(rows, tokens, strict=True):
        item: dict[str, Any] = {FK_COLUMNS.get(k, k): v for k, v in row.values.items()}
        item.update(Located.codes_for(item["division_id"]))
        item.update(
            provenance={"*": run.entry()},
            created_by_id=user.pk if user else None,
            import_batch_id=run.batch.pk,
            created_at=run.now,
            updated_at=run.now,
            id_number_encrypted=token,
            id_number_hmac=row.hmac,
            id_number_masked=ids.mask(row.number18),
        )
        records.append(item)
    with summary.track(hmacs=[r.hmac for r in rows]):  # the dashboards' counts, aggregated per chunk
        inserted = bulk.insert_new(Subject, records, unique="id_number_hmac")
    return _lost_races(run, rows, inserted)


def _update(run: ImportRun, updates: list[tuple[ParsedRow, dict[str, Any], dict[str, Any]]]) -> None:
    """Write only each row's own changed columns (rows of one chunk change different ones)."""
    if not updates:
        return
    entry = run.entry()
    changes: dict[int, dict[str, Any]] = {}
    for _row, changed, current in updates:
        values: dict[str, Any] = {}
        for key, value in changed.items():
            values[FK_COLUMNS.get(key, key)] = value
            if key == "division":
                values.update(Located.codes_for(value))
        values["provenance"] = {**(current["provenance"] or {}), **dict.fromkeys(changed, entry)}
        values["updated_at"] = run.now
        values["import_batch_id"] = run.batch.pk
        changes[current["id"]] = values
    with summary.track(ids=list(changes)):  # the dashboards' counts, aggregated per chunk
        bulk.update_rows(Subject, changes)


@transaction.atomic
def do_close_import_batch(batch: ImportBatch, *, claim: str, status: str, message: str) -> ImportBatch:
    """End ``batch`` without importing (the file is unusable, or was imported before) under ``claim``."""
    _hold(batch, claim)
    batch.refresh_from_db()
    batch.status = status
    batch.message = message
    batch.finished_at = timezone.now()
    batch.claim = ""
    batch.save()
    return batch


@transaction.atomic
def do_finish_import_batch(batch: ImportBatch, *, claim: str, counts: Counts, actor: Actor | None) -> ImportBatch:
    """Record the run's result under ``claim``: counts, error report, audit event and the uploader's notice."""
    _hold(batch, claim)
    batch.refresh_from_db()
    batch.processed_rows = counts.processed
    batch.total_rows = max(batch.total_rows, counts.processed)
    batch.created_count = counts.created
    batch.updated_count = counts.updated
    batch.unchanged_count = counts.unchanged
    batch.rejected_count = counts.rejected
    batch.status = ImportStatus.DONE
    batch.finished_at = timezone.now()
    batch.claim = ""
    if counts.errors:
        batch.error_file.save(f"import-{batch.pk}-errors.csv", File(counts.errors.report()), save=False)
    batch.save()
    if not batch.dry_run:
        extensions.import_committed(batch.pk)  # e.g. the grievances recorded become cases (petitions)
    record(
        event_type="subject.import_batch",
        actor=actor,
        obj=batch,
        data={
            "source": batch.source,
            "sha256": batch.sha256,
            "dry_run": batch.dry_run,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": counts.rejected,
        },
    )
    notify(
        event=IMPORT_FINISHED,
        recipients=[batch.created_by] if batch.created_by else [],
        context={
            "name": batch.file_name,
            "ok": counts.created + counts.updated + counts.unchanged,
            "errors": counts.rejected,
        },
        dedupe_key=f"import.finished:{batch.pk}",
        division_code=batch.division_id,
    )
    return batch


def run_import_batch(
    batch: ImportBatch,
    path: Path,
    *,
    actor: Actor | None,
    scope_codes: list[str] | None,
    progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
) -> ImportBatch | None:
    """Import ``path`` into the registry as ``batch``; None when another run has the batch.

    Not one transaction: a claim, then one transaction per chunk of rows, then the result.
    Never raises for bad input (the batch says why); an internal error fails the batch (rows
    imported so far are kept) and is raised again.
    """
    claim = do_claim_import_batch(batch, sha256=batch.sha256 or file_sha256(path))
    if claim is None:
        return None
    try:
        return _run(batch, path, claim=claim, actor=actor, scope_codes=scope_codes, progress=progress, size=batch_size)
    except ImportClaimLost:
        return None
    except Exception:
        with contextlib.suppress(ImportClaimLost):  # the run that took over reports for itself
            do_close_import_batch(
                batch,
                claim=claim,
                status=ImportStatus.FAILED,
                message=_("The import stopped because of an internal error; rows imported so far are kept."),
            )
        raise


def _run(
    batch: ImportBatch,
    path: Path,
    *,
    claim: str,
    actor: Actor | None,
    scope_codes: list[str] | None,
    progress: Callable[[int], None] | None,
    size: int | None,
) -> ImportBatch:
    previous = (
        ImportBatch.objects.filter(sha256=batch.sha256, source=batch.source, status=ImportStatus.DONE, dry_run=False)
        .exclude(pk=batch.pk)
        .order_by("id")
        .first()
    )
    if previous is not None and not batch.dry_run:
        message = _("This file was already imported (batch %(id)s); nothing changed.") % {"id": previous.pk}
        return do_close_import_batch(batch, claim=claim, status=ImportStatus.DONE, message=message)
    now = timezone.now()
    errors = ErrorSink(error_spool(batch), offset=batch.error_offset, count=batch.rejected_count)
    reader = RowReader(batch.source, scope_codes=scope_codes, now=now, errors=errors)
    reader.render = bulk.uses_copy()  # rows come as COPY lines for the staging table
    try:
        rows = reader.rows(path)
    except UnreadableFile as exc:
        errors.close(delete=True)
        return do_close_import_batch(batch, claim=claim, status=ImportStatus.FAILED, message=str(exc))
    if batch.processed_rows:  # resuming after a dead run: its committed chunks stay as they are
        reader.skip(rows, batch.processed_rows)
        counts = reader.counts
        counts.processed, counts.created, counts.updated = (
            batch.processed_rows,
            batch.created_count,
            batch.updated_count,
        )
        counts.unchanged, counts.rejected = batch.unchanged_count, batch.rejected_count
    run = ImportRun(
        batch=batch,
        claim=claim,
        reader=reader,
        actor=actor,
        now=now,
        county_names=dict(Division.objects.filter(level=3).values_list("code", "name")),
    )
    chunk_size = size or settings.LAUREL_IMPORT_BATCH_SIZE
    workers = settings.LAUREL_IMPORT_WORKERS
    checked = _checked_in_parallel(reader, rows, chunk_size, workers) if workers else reader.chunks(rows, chunk_size)
    for read, good in checked:
        do_import_rows(run, good, read=read)
        if progress:
            progress(read)
    done = do_finish_import_batch(batch, claim=claim, counts=reader.counts, actor=actor)
    reader.counts.errors.close(delete=True)  # stored with the batch now
    return done


_CHECKER: RowReader | None = None  # the run's reader, inherited by the forked checker processes


def _parse_chunk(chunk: list[tuple[int, list[str] | None]]) -> tuple[list[ParsedRow], list[RowError], int]:
    assert _CHECKER is not None
    return _CHECKER.parse(chunk)


# Rows per piece handed to a checker process: smaller than a written chunk, so the first write
# waits for one piece, not a whole chunk, and the processes keep checking while the job writes.
PIECE_ROWS = 1000


def _default_sigterm() -> None:
    """In a checker process: SIGTERM ends it again. The parent may run inside a worker (``db_worker``)
    whose SIGTERM handler only asks it to stop after its job: inherited, it would keep a checker blocked
    on the pool's queue alive through the pool's ``terminate`` (which waits for it forever)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _checked_in_parallel(
    reader: RowReader, rows: Iterator[tuple[int, list[str] | None]], size: int, workers: int
) -> Iterator[tuple[int, list[ParsedRow]]]:
    """(rows read, good rows) per chunk, as :meth:`RowReader.chunks`, with the cells checked,
    the numbers indexed and encrypted, the rows rendered for ``COPY`` by ``workers`` forked
    processes.

    The file is handed out in pieces of :data:`PIECE_ROWS` rows and taken back in file order;
    at most about two chunks are in flight (the file is never read ahead further). The parent
    keeps what must be one for the whole file: the repeated-person check and the streamed
    error report. The processes never touch the database (they inherit the reader with its
    lookup tables).
    """
    global _CHECKER
    _CHECKER = reader
    reader.dedupe_late = True
    piece_rows = min(size, PIECE_ROWS)
    in_flight = max(2 * workers, 2 * -(-size // piece_rows))
    pending: deque[tuple[int, Any]] = deque()
    read, good = 0, []
    with multiprocessing.get_context("fork").Pool(workers, initializer=_default_sigterm) as pool:
        try:
            piece: list[tuple[int, list[str] | None]] = []
            handed = 0  # rows of the current chunk handed out (a piece never spans two chunks)
            for item in itertools.chain(rows, [None]):
                if item is not None:
                    piece.append(item)
                    if len(piece) < piece_rows and handed + len(piece) < size:
                        continue
                    handed = (handed + len(piece)) % size
                if piece:
                    pending.append((len(piece), pool.apply_async(_parse_chunk, (piece,))))
                    piece = []
                while pending and (len(pending) >= in_flight or item is None):
                    count, result = pending.popleft()
                    checked, errors, rejected = result.get()
                    reader.take(errors, rejected)
                    read += count
                    good += reader.accept(checked)
                    if read == size or (item is None and not pending):
                        yield read, good
                        read, good = 0, []
        finally:
            _CHECKER = None
            reader.dedupe_late = False


def error_spool(batch: ImportBatch) -> Path:
    """Where the batch's error report is streamed while it runs (next to the uploaded files, so any
    worker that can read the upload can resume the report)."""
    return Path(settings.MEDIA_ROOT) / "subjects" / "import-spool" / f"import-{batch.pk}-errors.csv"


@transaction.atomic
def do_requeue_lost_imports(*, now: dt.datetime | None = None) -> int:
    """Recover the batches whose run may be lost; returns how many were queued again or closed.

    A run holds its batch under a lease: each committed chunk renews it (``heartbeat_at``),
    and it lapses :data:`STALE_AFTER` later. Uploaded batches pending and silent for
    :data:`PENDING_GRACE`, or running with a lapsed lease, go back to pending (the claim
    dropped: a run still alive stops at its next chunk) and are queued again; the next run
    resumes after the last committed chunk (:func:`do_claim_import_batch`). Each gets a fresh
    sign of life, so the next sweep leaves it alone for a while. A command-line batch (no
    stored file to resume from) whose lease lapsed is closed as failed, its rows kept.
    """
    now = now or timezone.now()
    silent = ImportBatch.objects.alias(seen=Coalesce("heartbeat_at", "created_at")).filter(
        Q(status=ImportStatus.PENDING, seen__lt=now - PENDING_GRACE, file__gt="")
        | Q(status=ImportStatus.RUNNING, seen__lt=now - STALE_AFTER)
    )
    recovered = 0
    for batch in silent.select_for_update(skip_locked=True).order_by("pk")[:SWEEP_LIMIT]:
        if batch.file:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.PENDING, claim="", heartbeat_at=now)
            enqueue(IMPORT_JOB, batch.pk)
        else:
            message = _("The process running this import stopped; rows imported so far are kept.")
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.FAILED, claim="", message=message, finished_at=now
            )
            error_spool(batch).unlink(missing_ok=True)
        recovered += 1
    return recovered
