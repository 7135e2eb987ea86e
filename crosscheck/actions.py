"""Every write of the cross-check: loads, runs, send-downs, settlements, adjudications, tokens.

Actions trust their caller: authorisation happens at the entry point (``crosscheck.queries``).
Audit events are per operation (one load, one run, one county's send-down, one decision),
not per staged row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff, staff_or_none
from audit.log import record
from jurisdictions.models import Department, Division
from subjects.actions import do_merge_subjects

from . import checks, loader, reuse
from .models import (
    BatchStatus,
    DatasetBatch,
    DatasetRow,
    Discrepancy,
    DiscrepancyStatus,
    DuplicateSuspect,
    FeedToken,
    Kind,
    Overpayment,
    Run,
    RunStatus,
    SendDown,
    SuspectStatus,
)

Progress = Callable[[int], None] | None  # rows done since the last call
StepProgress = Callable[[int, int], None] | None  # (steps done, steps in all)


# --- loading ------------------------------------------------------------------------------------


def do_load_dataset(
    data: bytes,
    *,
    file_name: str,
    department: str,
    actor: Actor | None,
    layout: str = "",
    coverage_code: str = "",
    token: FeedToken | None = None,
    scope_code: str = "",
    progress: Progress = None,
) -> tuple[DatasetBatch, bool]:
    """Load one department file; returns ``(batch, created)``.

        The same file (by SHA-256) for the same department is loaded once: a second call returns
        the first batch with ``created`` False. A token with a division scope loads only rows of
        that division (others are reported as rejected), and so does ``scope_code`` (a staff
    upload: the division the uploader answers for). Raises :class:`loader.DatasetFileError`
        when the whole file is unusable; bad rows are reported in ``batch.errors`` and skipped.
    """
    Department(department)  # unknown department: ValueError (a programming error)
    sha = hashlib.sha256(data).hexdigest()
    existing = DatasetBatch.objects.filter(department=department, sha256=sha).first()
    if existing is not None:
        return existing, False
    scope = token.division_id if token is not None and token.division_id else scope_code
    coverage = coverage_code or scope
    parsed = loader.parse(
        data, file_name, department=department, layout_name=layout, scope_code=scope, progress=progress
    )
    try:
        with transaction.atomic():
            batch = DatasetBatch.objects.create(
                department=department,
                layout=parsed.layout.name,
                file_name=file_name[:255],
                sha256=sha,
                coverage_code=coverage,
                loaded_by=staff_or_none(actor),
                token=token,
                total_rows=parsed.total,
            )
            loader.write_rows(batch.pk, parsed.rows)
            write_unidentified(batch, parsed.unidentified)
            loader.analyze()
            batch.loaded_rows = len(parsed.rows)
            batch.rejected_rows = parsed.rejected
            batch.errors = [e.as_dict() for e in parsed.errors]
            batch.status = BatchStatus.LOADED
            batch.finished_at = timezone.now()
            batch.save()
            record(
                event_type="crosscheck.dataset_loaded",
                actor=actor,
                obj=batch,
                division_code=coverage,
                data={
                    "department": department,
                    "layout": parsed.layout.name,
                    "file": batch.file_name,
                    "sha256": sha,
                    "rows": parsed.total,
                    "loaded": batch.loaded_rows,
                    "rejected": batch.rejected_rows,
                    "token": token.key_prefix if token else "",
                },
            )
    except IntegrityError:
        # The same file was loaded concurrently: theirs stands.
        existing = DatasetBatch.objects.filter(department=department, sha256=sha).first()
        if existing is None:
            raise
        return existing, False
    return batch, True


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_unidentified(batch: DatasetBatch, rows: list[dict[str, Any]]) -> None:
    """Keep the rejected rows that name a person but lack a valid ID number, for linkage (crosscheck.linkage)."""
    from .models import UnidentifiedRow

    keep = []
    for values in rows:
        rest = {k: v for k, v in values.items() if k not in ("row_number", "id_problem")}
        keep.append(
            UnidentifiedRow(
                batch=batch,
                row_number=values["row_number"],
                id_problem=values["id_problem"],
                name=values["name"],
                sex=values.get("sex", ""),
                birth_date=values["birth_date"],
                county_code=values.get("county_code", ""),
                values={k: _jsonable(v) for k, v in rest.items()},
            )
        )
    UnidentifiedRow.objects.bulk_create(keep, batch_size=2000)


MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def do_load_upload(
    upload: Any,
    *,
    department: str,
    actor: Actor | None,
    layout: str = "",
    file_name: str = "",
    coverage_code: str = "",
    token: FeedToken | None = None,
) -> tuple[DatasetBatch, bool]:
    """Load an uploaded file (the feed endpoint, the upload page and its API share this).

    Staff uploads (no token) keep only rows inside ``coverage_code``; a file that is unusable as
    a whole raises ``ValidationError`` on ``file`` (nothing stored); bad rows are skipped and
    listed in ``batch.errors`` (every good row is kept).
    """
    if upload is None:
        raise ValidationError({"file": [_("Attach the file in the field 'file'.")]})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("The file is too large.")]})
    try:
        return do_load_dataset(
            upload.read(),
            file_name=file_name or getattr(upload, "name", "") or "feed.csv",
            department=department,
            layout=layout,
            coverage_code=coverage_code,
            scope_code=coverage_code if token is None else "",
            actor=actor,
            token=token,
        )
    except loader.DatasetFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from None


# --- runs ---------------------------------------------------------------------------------------


def do_run_crosscheck(
    *,
    actor: Actor | None,
    department: str = "",
    division_code: str = "",
    as_of: dt.date | None = None,
    on_step: StepProgress = None,
) -> Run:
    """Compare the registry with the current department batches; returns the finished run.

    Repeatable: a discrepancy still found is refreshed (never duplicated), one no longer
    found by a check that ran is closed ("confirmed" if it had been sent down). A run without
    ``department`` runs every department's checks plus the registry's own (missing data,
    suspected duplicates). ``as_of`` (default today) is the month overpayments run to.
    """
    if department:
        Department(department)
    run = Run.objects.create(
        department=department,
        division_code="" if division_code == "CN" else division_code,
        started_by=staff_or_none(actor),
    )
    try:
        with transaction.atomic():
            _run(run, actor=actor, as_of=as_of or timezone.localdate(), on_step=on_step)
    except Exception as exc:
        Run.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, message=type(exc).__name__, finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def _run(run: Run, *, actor: Actor | None, as_of: dt.date, on_step: StepProgress) -> None:
    checks.tune_session()
    reusing = reuse.enabled()
    if reusing:
        reuse.note(run)  # the snapshot the checks read under, taken before anything is read
    the_plan = checks.plan(run.pk, department=run.department, division_code=run.division_code, as_of=as_of)
    run.batches = [{"layout": name, "batches": [b.pk for b in bs]} for name, bs in the_plan.batches.items()]
    if reusing:
        run.inputs = reuse.fingerprint(the_plan, run.department)
        earlier = reuse.unchanged_since(run, run.inputs)
        if earlier is not None:
            # Nothing the checks read changed since that run: they would find what it found and write nothing.
            run.reused_from = earlier
            run.county_counts, run.counts, run.found = earlier.county_counts, earlier.counts, earlier.found
            reuse.done_writing()
            _finish(run, actor=actor, as_of=as_of, opened=0, closed=0, suspects=0)
            if on_step:
                on_step(1, 1)
            return
        reuse.prune()
    checker = checks.Checker(the_plan)
    steps = [*checker.steps(), lambda: None]  # the last step: merge (below)
    total = len(steps) + (1 if the_plan.with_registry_checks else 0)
    for done, step in enumerate(steps[:-1], start=1):
        step()
        if on_step:
            on_step(done, total)
    opened, closed, found = checks.merge(the_plan)
    if on_step:
        on_step(len(steps), total)
    suspects = checker.suspects() if the_plan.with_registry_checks else 0
    if on_step:
        on_step(total, total)
    if reusing:
        reuse.done_writing()
    counts: dict[str, int] = defaultdict(int)
    for per_kind in found.values():
        for kind, n in per_kind.items():
            counts[kind] += n
    run.county_counts = found
    run.found = sum(counts.values())
    run.counts = dict(counts)
    _finish(run, actor=actor, as_of=as_of, opened=opened, closed=closed, suspects=suspects)


def _finish(run: Run, *, actor: Actor | None, as_of: dt.date, opened: int, closed: int, suspects: int) -> None:
    run.opened = opened
    run.closed = closed
    run.suspects = suspects
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    data = {
        "department": run.department,
        "batches": run.batches,
        "found": run.found,
        "opened": opened,
        "closed": closed,
        "suspects": suspects,
        "as_of": as_of.isoformat(),
    }
    if run.reused_from_id:
        data["reused_from"] = run.reused_from_id
    record(event_type="crosscheck.run", actor=actor, obj=run, division_code=run.division_code, data=data)
    _notify_finished(run, actor)


def _notify_finished(run: Run, actor: Actor | None) -> None:
    """Outbox rows for the supervisors of the run's division (and whoever started it)."""
    from django.urls import reverse

    from jurisdictions.scope import supervisors_of
    from notifications.outbox import notify

    from .apps import CROSSCHECK_FINISHED

    recipients = supervisors_of(run.division_code or "CN")
    if getattr(actor, "is_authenticated", False) and actor not in recipients:
        recipients.append(actor)
    notify(
        event=CROSSCHECK_FINISHED,
        recipients=recipients,
        context={"name": f"#{run.pk}", "problems": run.found},
        dedupe_key=f"crosscheck.finished:{run.pk}",
        division_code=run.division_code,
        link=reverse("crosscheck:run", args=[run.pk]),
    )


# --- send-down ----------------------------------------------------------------------------------


def _value(field: str, text: str) -> Any:
    if field == "owns_home":
        return text == "yes"
    return text


def _case_fields(item: Discrepancy) -> dict[str, Any]:
    """What case a discrepancy becomes: its kind, title, the change proposed and who verifies."""
    from cases.models import BenefitChange
    from cases.models import Kind as CaseKind
    from subjects.models import Benefit, BenefitStatus

    subject = item.subject
    evidence = _("Cross-check run %(run)s; %(department)s batch %(batch)s.") % {
        "run": item.last_run_id,
        "department": Department(item.department).label if item.department else _("the register"),
        "batch": item.batch.file_name if item.batch else "-",
    }
    departments = [item.department] if item.department else []
    base = {"departments": departments, "channel": "referral", "evidence": evidence}
    benefits = []
    if item.kind == Kind.DECEASED_RECEIVING:
        benefits = list(Benefit.objects.filter(subject=subject, status=BenefitStatus.ACTIVE).order_by("-amount", "pk"))
    if benefits:
        main = benefits[0]
        death = item.death_date or timezone.localdate()
        return {
            **base,
            "kind": CaseKind.BENEFIT_CLAIM,
            "title": _("Suspend benefits: deceased per public security"),
            "description": _(
                "Public security records the death on %(date)s; %(n)s benefit(s) are still paid. "
                "Overpaid so far: %(months)s month(s), %(amount)s yuan."
            )
            % {"date": death, "n": len(benefits), "months": item.months_overpaid, "amount": item.amount_overpaid},
            "benefit_type": main.benefit_type,
            "benefit_change": BenefitChange.END,
            "benefit_id": main.pk,
            # Paid to the end of the month of death (the month of death is owed, not overpaid).
            "benefit_start": max(month_end(death), main.start),
        }
    if item.kind == Kind.BENEFIT_CONTRADICTED:
        active = Benefit.objects.filter(subject=subject, status=BenefitStatus.ACTIVE, benefit_type=item.field).first()
        if active is not None:
            return {
                **base,
                "kind": CaseKind.BENEFIT_CLAIM,
                "title": _("End a benefit the department does not confirm"),
                "description": _("The department does not list this person as receiving this benefit."),
                "benefit_type": item.field,
                "benefit_change": BenefitChange.END,
                "benefit_id": active.pk,
                "benefit_start": max(timezone.localdate(), active.start),
            }
        row = (
            DatasetRow.objects.filter(batch_id=item.batch_id, id_hmac=subject.id_number_hmac)
            .exclude(amount=None)
            .first()
        )
        return {
            **base,
            "kind": CaseKind.BENEFIT_CLAIM,
            "title": _("Record a benefit the department pays"),
            "description": _("The department lists this person as receiving a benefit the register does not show."),
            "benefit_type": item.field,
            "benefit_change": BenefitChange.ADD,
            "benefit_amount": row.amount if row is not None else Decimal("0"),
            "benefit_start": timezone.localdate(),
        }
    if item.kind in (Kind.DECEASED_ON_FILE, Kind.DECEASED_RECEIVING):
        # (Receiving, but the benefits ended since the run: only the status is left to correct.)
        corrections: dict[str, Any] = {"status": "deceased"}
    elif item.kind == Kind.TWO_COUNTIES:
        corrections = {"division": item.dataset_value}
    elif item.kind == Kind.MISMATCH and item.field in ("sex", "birth_date"):
        # Sex and birth date follow from the ID number on file: the county verifies the number
        # (or the department corrects its record); nothing is proposed.
        corrections = {item.field: item.registry_value}
    elif item.kind == Kind.MISMATCH:
        corrections = {item.field: _value(item.field, item.dataset_value)}
    elif item.kind == Kind.NOT_IN_HUKOU:
        # Nothing to propose: the county checks the ID number and registration.
        corrections = {"division": subject.division_id}
    else:  # MISSING: the county completes the field.
        corrections = {item.field: ""}
    return {
        **base,
        "kind": CaseKind.DATA_CORRECTION,
        "title": _("Correct the register: %(kind)s") % {"kind": item.get_kind_display()},
        "description": _("Field: %(field)s. On file: %(registry)s. Department: %(dataset)s.")
        % {"field": item.field or "-", "registry": item.registry_value or "-", "dataset": item.dataset_value or "-"},
        "corrections": corrections,
    }


@transaction.atomic
def do_send_down(items: Iterable[Discrepancy], *, actor: Actor) -> list[SendDown]:
    """Send open discrepancies down (下发): per county a send-down, per discrepancy one case.

    Discrepancies no longer open (sent meanwhile, closed by a run) are skipped, so sending
    twice never files a second case.
    """
    from cases.actions import do_file_case

    pks = sorted({item.pk for item in items})
    locked = list(
        Discrepancy.objects.select_for_update()
        .filter(pk__in=pks, status=DiscrepancyStatus.OPEN)
        .order_by("county_code", "pk")
    )
    by_county: dict[str, list[Discrepancy]] = defaultdict(list)
    for item in locked:
        by_county[item.county_code].append(item)
    sent: list[SendDown] = []
    now = timezone.now()
    for county, group in sorted(by_county.items()):
        send_down = SendDown.objects.create(division_id=county, sent_by=require_staff(actor), count=len(group))
        numbers: list[str] = []
        for item in group:
            fields = _case_fields(item)
            case = do_file_case(item.subject, actor=actor, duplicate_action="link", **fields)
            item.case = case
            item.send_down = send_down
            item.status = DiscrepancyStatus.SENT
            item.sent_at = now
            item.save(update_fields=["case", "send_down", "status", "sent_at"])
            numbers.append(case.number)
        record(
            event_type="crosscheck.sent_down",
            actor=actor,
            obj=send_down,
            data={"count": len(group), "discrepancies": [i.pk for i in group], "cases": numbers},
        )
        sent.append(send_down)
    return sent


# --- settlement (a send-down case was applied) ----------------------------------------------------


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month: a death ends periodic benefits there."""
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def months_overpaid(death: dt.date, start: dt.date, as_of: dt.date) -> int:
    """Monthly payments for the months after the death month (or from the start, if later) to ``as_of``."""
    first = max(death.year * 12 + death.month + 1, start.year * 12 + start.month)
    return max(0, as_of.year * 12 + as_of.month - first + 1)


@transaction.atomic
def do_settle_case(case: Any, *, actor: Actor | None) -> list[Discrepancy]:
    """A send-down case reached "database updated": mark its discrepancies corrected.

    For a death, end every benefit still paid at the end of the month of death (or at the
    benefit's start, if later), mark the person deceased and record the overpayment to recover:
    the months after the month of death. Benefits paid by veterans' affairs under the statute
    (``benefits``) end through ``benefits.actions.do_record_death``: their overpayment is the lines
    stored after the month of death, and the funeral grant (丧葬补助) is a line to the survivor.
    A later run that no longer finds the discrepancy confirms it.
    """
    from benefits import actions as benefit_actions
    from benefits.models import RecoveryCause, RecoveryItem
    from subjects import actions as subject_actions
    from subjects.models import Benefit, BenefitStatus, SubjectStatus

    items = list(Discrepancy.objects.select_for_update().filter(case_id=case.pk, status=DiscrepancyStatus.SENT))
    now = timezone.now()
    for item in items:
        if item.kind == Kind.DECEASED_RECEIVING and item.death_date is not None:
            death = item.death_date
            as_of = timezone.localdate(case.applied_at or now)
            benefit_actions.do_record_death(
                item.subject, died_on=death, actor=actor, survivor=case.agent_name, source_ref=case.number
            )
            for benefit in Benefit.objects.filter(subject_id=item.subject_id, status=BenefitStatus.ACTIVE):
                subject_actions.do_end_benefit(
                    benefit,
                    end=max(month_end(death), benefit.start),
                    reason=_("Deceased per public security (%(date)s).") % {"date": death},
                    actor=actor,
                    provenance="approved_case",
                    source_ref=case.number,
                )
            breakdown = []
            total_months = 0
            total = Decimal("0")
            ended = Benefit.objects.filter(subject_id=item.subject_id, status=BenefitStatus.ENDED, end__gte=death)
            for benefit in ended.select_related("entitlement").order_by("pk"):
                if hasattr(benefit, "entitlement"):
                    recovery = RecoveryItem.objects.filter(
                        entitlement=benefit.entitlement, cause=RecoveryCause.DEATH
                    ).first()
                    months = recovery.months if recovery else 0
                    amount = recovery.amount if recovery else Decimal("0")
                else:
                    months = months_overpaid(death, benefit.start, as_of)
                    amount = benefit.amount * months
                breakdown.append(
                    {
                        "benefit": benefit.pk,
                        "type": benefit.benefit_type,
                        "monthly": str(benefit.amount),
                        "months": months,
                        "amount": str(amount),
                    }
                )
                total_months = max(total_months, months)
                total += amount
            overpayment = Overpayment.objects.create(
                subject_id=item.subject_id,
                discrepancy=item,
                case=case,
                division_id=item.division_id,
                death_date=death,
                months=total_months,
                amount=total,
                breakdown=breakdown,
            )
            subject = item.subject
            if subject.status != SubjectStatus.DECEASED:
                subject_actions.do_update_subject(
                    subject,
                    changes={"status": SubjectStatus.DECEASED},
                    provenance="approved_case",
                    actor=actor,
                    source_ref=case.number,
                )
            record(
                event_type="crosscheck.overpayment_recorded",
                actor=actor,
                obj=overpayment,
                data={"case": case.number, "months": total_months, "amount": str(total), "breakdown": breakdown},
            )
        item.status = DiscrepancyStatus.CORRECTED
        item.corrected_at = now
        item.save(update_fields=["status", "corrected_at"])
    return items


# --- duplicates ---------------------------------------------------------------------------------


def _snapshot(subject: Any) -> dict[str, Any]:
    return {
        "id": subject.pk,
        "name": subject.name,
        "id_number": subject.id_number_masked,
        "sex": subject.sex,
        "birth_date": subject.birth_date.isoformat(),
        "division": subject.division_id,
        "category": subject.category,
        "status": subject.status,
    }


@transaction.atomic
def do_decide_duplicate(
    suspect: DuplicateSuspect, *, actor: Actor, decision: str, keep: Any | None = None, note: str = ""
) -> DuplicateSuspect:
    """A person's decision on a suspected duplicate: the same person (merge, keeping ``keep``) or distinct.

    Both records are kept as they were in the decision's snapshot (the history). A merge
    folds the other record into ``keep`` through ``subjects.actions.do_merge_subjects`` in the
    same transaction: benefits move, the other record stays on file marked merged.
    """
    from core.errors import Conflict

    locked = DuplicateSuspect.objects.select_for_update().select_related("subject_a", "subject_b").get(pk=suspect.pk)
    if locked.status != SuspectStatus.PENDING:
        raise Conflict(_("This pair has already been decided."), current_status=locked.status)
    if decision not in (SuspectStatus.MERGE, SuspectStatus.DISTINCT):
        raise ValidationError({"decision": _("Choose merge or distinct.")})
    if decision == SuspectStatus.MERGE and (keep is None or keep.pk not in (locked.subject_a_id, locked.subject_b_id)):
        raise ValidationError({"keep": _("Say which of the two records to keep.")})
    if decision == SuspectStatus.DISTINCT and not note.strip():
        raise ValidationError({"note": _("Say how you know they are different people.")})
    locked.status = decision
    locked.keep = keep if decision == SuspectStatus.MERGE else None
    locked.note = note.strip()
    locked.snapshot = {"a": _snapshot(locked.subject_a), "b": _snapshot(locked.subject_b)}
    locked.decided_by = staff_or_none(actor)
    locked.decided_at = timezone.now()
    locked.save()
    if decision == SuspectStatus.MERGE:
        assert keep is not None  # checked above
        other = locked.subject_b if keep.pk == locked.subject_a_id else locked.subject_a
        do_merge_subjects(
            keep, other, actor=actor, reason=locked.note or _("Duplicate confirmed in cross-check review.")
        )
    record(
        event_type="crosscheck.duplicate_decided",
        actor=actor,
        obj=locked,
        data={
            "decision": decision,
            "keep": locked.keep_id,
            "a": locked.subject_a.id_number_masked,
            "b": locked.subject_b.id_number_masked,
            "note": locked.note,
        },
    )
    return locked


# --- feed tokens --------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def do_issue_feed_token(
    *, name: str, department: str, actor: Actor | None, division: Division | None = None
) -> tuple[FeedToken, str]:
    """A new token for a department system; the key is returned once and stored only hashed."""
    Department(department)
    key = secrets.token_urlsafe(32)
    token = FeedToken.objects.create(
        name=name,
        department=department,
        division=division,
        key_hash=hash_key(key),
        key_prefix=key[:8],
        created_by=staff_or_none(actor),
    )
    record(
        event_type="crosscheck.token_issued",
        actor=actor,
        obj=token,
        division_code=division.code if division else "",
        data={"name": name, "department": department, "prefix": token.key_prefix},
    )
    return token, key


@transaction.atomic
def do_revoke_feed_token(token: FeedToken, *, actor: Actor | None) -> FeedToken:
    locked = FeedToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(
            event_type="crosscheck.token_revoked",
            actor=actor,
            obj=locked,
            division_code=locked.division_id or "",
            data={"department": locked.department, "prefix": locked.key_prefix},
        )
    return locked
