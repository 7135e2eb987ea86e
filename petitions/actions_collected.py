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

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.log import record
from cases.models import Case
from subjects.models import Subject

from .actions import do_register_petition
from .models import Channel, CollectedGrievance

logger = logging.getLogger(__name__)


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
