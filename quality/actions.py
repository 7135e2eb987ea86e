"""Quality review actions: the monthly draw and a reviewer's finding (each one transaction, audited).

Each drawn decision waits for its finding as a step (``core.steps``, kind :data:`STEP`): listed in
``/api/v1/tasks/``, the inbox and the workbench counts of the supervisors at the level above the
decision (``queries.review_level``) — never of those who took part in it — due
``LAUREL_QUALITY_REVIEW_WORKING_DAYS`` working days after the draw and counted by the SLA scan.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, staff_or_none
from audit.log import audited, record
from cases.actions import do_file_case
from cases.models import Kind
from cases.sla import add_working_days
from core import steps
from core.errors import Conflict

from . import queries
from .models import Finding, QualityReview, QualitySample

STEP = "quality_review"  # the step kind of a drawn decision waiting for its finding


def review_working_days() -> int:
    """A drawn decision's time for its finding, in working days (``LAUREL_QUALITY_REVIEW_WORKING_DAYS``)."""
    return int(getattr(settings, "LAUREL_QUALITY_REVIEW_WORKING_DAYS", 20))


def _open_review_step(review: QualityReview, case: Any, due: datetime.date) -> None:
    steps.open_step(
        STEP,
        review,
        division=queries.review_level(review.division_id),
        due=due,
        params={"case": case.number, "month": f"{review.sample.month:%Y-%m}"},
        not_by=sorted(queries.participants(case)),
    )


def sample_size(population: int, share: Decimal, minimum: int) -> int:
    """How many of ``population`` are drawn: the share rounded up, at least ``minimum``, at most all."""
    return min(population, max(minimum, math.ceil(population * share)))


def draw(ids: list[int], *, seed: int, unit: str, share: Decimal, minimum: int) -> list[int]:
    """The drawn ids, reproducible: the ids sorted, a generator seeded with the seed and the unit."""
    population = sorted(ids)
    rng = random.Random(f"{seed}:{unit}")  # noqa: S311 (a reproducible audit sample, not a secret)
    return sorted(rng.sample(population, sample_size(len(population), share, minimum)))


@audited
@transaction.atomic
def do_draw_quality_sample(month: datetime.date, *, seed: int, actor: Actor) -> list[QualitySample]:
    """Draw ``month``'s closed decisions of every county for review and record the draws.

    Units drawn already for that month are left as they are (a second run only draws new units).
    """
    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("Only a month that has ended can be drawn.")})
    share = Decimal(str(settings.LAUREL_QUALITY_SHARE))
    minimum = int(settings.LAUREL_QUALITY_MINIMUM)
    units: dict[str, list[int]] = {}
    for pk, division_id in queries.closed_decisions(month).values_list("pk", "division_id"):
        units.setdefault(queries.unit_of(division_id), []).append(pk)
    done = set(QualitySample.objects.filter(month=month).values_list("division_id", flat=True))
    samples = []
    user = staff_or_none(actor)
    for unit in sorted(units):
        if unit in done:
            continue
        ids = units[unit]
        drawn = draw(ids, seed=seed, unit=unit, share=share, minimum=minimum)
        try:
            with transaction.atomic():
                sample = QualitySample.objects.create(
                    division_id=unit,
                    month=month,
                    seed=seed,
                    share=share,
                    minimum=minimum,
                    population_size=len(ids),
                    population_ids=sorted(ids),
                    drawn_ids=drawn,
                    drawn_by=user,
                )
        except IntegrityError:
            raise Conflict(_("This month is being drawn at the same moment: try again.")) from None
        cases = {c.pk: c for c in queries.closed_decisions(month).filter(pk__in=drawn)}
        reviews = QualityReview.objects.bulk_create(
            [
                QualityReview(
                    sample=sample,
                    case_id=pk,
                    **QualityReview.codes_for(cases[pk].division_id),
                    division_id=cases[pk].division_id,
                )
                for pk in drawn
            ]
        )
        due = add_working_days(timezone.localdate(), review_working_days())
        for review in reviews:
            _open_review_step(review, cases[review.case_id], due)
        record(
            event_type="quality.sample_drawn",
            actor=actor,
            obj=sample,
            data={
                "month": f"{month:%Y-%m}",
                "seed": seed,
                "population": len(ids),
                "drawn": drawn,
            },
        )
        samples.append(sample)
    return samples


@audited
@transaction.atomic
def do_record_finding(review: QualityReview, *, finding: str, note: str = "", actor: Any) -> QualityReview:
    """Record ``actor``'s finding on a drawn decision; a wrong decision opens a reconsideration case.

    403 for someone not at the level above; ``ValidationError`` (nothing changed) for someone who took
    part in the decision, an unknown finding or a wrong decision without a note; 409 when already reviewed.
    """
    locked = (
        QualityReview.objects.select_for_update(of=("self",)).select_related("case", "case__subject").get(pk=review.pk)
    )
    refusal = queries.review_refusal(actor, locked)
    if refusal and queries.took_part(actor, locked.case):
        raise ValidationError({"reviewer": queries.took_part_message()})
    if refusal:
        raise PermissionDenied(refusal)
    if locked.finding:
        raise Conflict(_("This decision has been reviewed already."))
    note = (note or "").strip()
    if finding not in Finding.values:
        raise ValidationError({"finding": _("Choose agree, minor issue or wrong decision.")})
    if finding != Finding.AGREE and not note:
        raise ValidationError({"note": _("Say what is wrong with the decision.")})
    if finding == Finding.WRONG:
        locked.reconsideration = do_file_case(
            locked.case.subject,
            kind=Kind.RECONSIDERATION,
            title=_("Reconsideration after quality review of %(number)s") % {"number": locked.case.number},
            description=note,
            actor=actor,
            duplicate_action="link",
            contested_case=locked.case,
        )
    locked.finding = finding
    locked.note = note
    locked.reviewer = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["finding", "note", "reviewer", "reviewed_at", "reconsideration"])
    steps.close_step(locked, STEP, actor=actor)
    record(
        event_type="quality.finding",
        actor=actor,
        obj=locked,
        data={
            "case": locked.case.number,
            "finding": finding,
            "reconsideration": locked.reconsideration.number if locked.reconsideration else "",
        },
        reason=note,
    )
    return locked
