"""Grievances recorded at collection become grievance cases (issue 23, item 2).

The collection form and the bulk import record a person's grievances in ``Subject.grievances``.
After the write commits, ``subjects`` queues the jobs ``petitions`` registered with it
(``subjects.extensions``, filled in :mod:`petitions.apps`): one job per import batch, one per
form save (:mod:`petitions.tasks`). Each person's non-empty text opens one grievance case in
the county's queue under the grievance process (:func:`petitions.actions.do_register_petition`,
channel 来访: the text was taken in person at a collection point), linked to the person.

A text opens a case once: :class:`petitions.models.CollectedGrievance` keys it by the person and
the SHA-256 of the text (whitespace folded), so a re-import or a second run of the job opens
nothing; a changed text opens a new case whose ``related_case`` is the previous one's.
"""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.log import record
from cases.models import Case
from core import jobs
from subjects.models import ImportBatch, ImportStatus, Subject

from .actions import do_register_petition
from .models import Channel, CollectedBatch, CollectedGrievance

logger = logging.getLogger(__name__)

# The job that opens an import batch's grievances (registered in subjects.extensions).
BATCH_JOB = "petitions.tasks.open_collected_grievances"


def grievance_hash(text: str) -> str:
    """The key of a grievance text: SHA-256 of the text with its whitespace folded."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def system_actor() -> User:
    """The account that registers collected grievances when no person did (``LAUREL_SYSTEM_USERNAME``)."""
    username = getattr(settings, "LAUREL_SYSTEM_USERNAME", "laurel-system")
    user, created = User.objects.get_or_create(username=username, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def do_open_collected_grievance(subject_id: int, *, actor: User, import_batch_id: int | None = None) -> Case | None:
    """Open the grievance case of the person's recorded grievances, unless that text has one already.

    Returns the new case, or None (no person, an empty text, a text already opened, or a
    registration refused by a rule: the refusal is audited by the registration itself).
    """
    subject = Subject.objects.select_for_update().filter(pk=subject_id).first()
    if subject is None or not subject.grievances.strip():
        return None
    text = subject.grievances.strip()
    digest = grievance_hash(text)
    if CollectedGrievance.objects.filter(subject=subject, text_hash=digest).exists():
        return None
    previous = CollectedGrievance.objects.filter(subject=subject).select_related("case").order_by("-pk").first()
    where = (
        _("Recorded at information collection (import batch %(batch)s).") % {"batch": import_batch_id}
        if import_batch_id
        else _("Recorded at information collection on the person's record.")
    )
    try:
        case = do_register_petition(
            subject, actor=actor, channel=Channel.VISIT, request=text, facts=where, reasons=text
        )
    except ValidationError as exc:
        logger.warning("collected grievance of subject %s not registered: %s", subject_id, exc.messages)
        return None
    if previous is not None and case.related_case_id is None:
        Case.objects.filter(pk=case.pk).update(related_case=previous.case)
        case.related_case = previous.case
    CollectedGrievance.objects.create(subject=subject, text_hash=digest, case=case, import_batch_id=import_batch_id)
    record(
        event_type="petition.collected",
        actor=actor,
        obj=case,
        data={
            "subject": subject.pk,
            "import_batch": import_batch_id,
            "text_hash": digest,
            "previous": previous.case.number if previous is not None else "",
        },
    )
    return case


# --- the batch job done, and the sweep of lost ones ----------------------------------------------

# A batch finished this long ago without its grievances opened may have lost its job.
COLLECT_GRACE = datetime.timedelta(minutes=10)
# Batches older than this are not looked at again.
COLLECT_HORIZON = datetime.timedelta(days=7)
SWEEP_LIMIT = 100


@transaction.atomic
def do_mark_batch_collected(batch_id: int, *, opened: int) -> None:
    """Record that ``batch_id``'s grievances were opened (``opened`` cases by this run)."""
    done, created = CollectedBatch.objects.get_or_create(import_batch_id=batch_id, defaults={"opened": opened})
    if not created and opened:
        CollectedBatch.objects.filter(pk=done.pk).update(opened=F("opened") + opened)


@transaction.atomic
def do_requeue_uncollected_batches(*, now: datetime.datetime | None = None) -> int:
    """Queue again the job of finished batches whose grievances were not opened (its job was lost).

    Only where a queued job can be lost (a broker told after the commit, ``core.jobs``): on the
    database backend the job commits with the batch and a dead worker's job is run again by
    ``core.jobs.recover_expired_jobs``.
    """
    if jobs.backend_is_transactional():
        return 0
    now = now or timezone.now()
    lost = list(
        ImportBatch.objects.filter(
            status=ImportStatus.DONE,
            dry_run=False,
            finished_at__lt=now - COLLECT_GRACE,
            finished_at__gte=now - COLLECT_HORIZON,
        )
        .exclude(pk__in=CollectedBatch.objects.values("import_batch_id"))
        .order_by("finished_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for batch_id in lost:
        jobs.enqueue(BATCH_JOB, batch_id)
    return len(lost)
