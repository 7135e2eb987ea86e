"""The person served rates a closed case's handling (好差评): from the public page, an SMS link or a call-back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Actor, User
from audit.log import record
from core.errors import Conflict

from .. import extensions
from ..models import Case, Rating, RatingSource
from ._base import lock

COMMENT_LIMIT = 1000


@transaction.atomic
def do_rate_case(
    case: Case,
    *,
    score: int,
    comment: str = "",
    source: str = RatingSource.PUBLIC,
    actor: Actor | None = None,
    round: int | None = None,
) -> Rating:
    """Record one rating of ``case`` (once per round); only a case that is no longer open can be rated.

    ``actor`` is the member of staff who recorded a call-back, or ``None`` when the person rated
    on the public page. The audit event carries the score, never the comment (it may name people).
    ``round``: 0 rates the handling; ``None`` asks the rules apps registered (``cases.extensions``:
    a grievance's rectification is rated in round 1), else 0.
    """
    case = lock(case)
    errors: dict[str, list[str]] = {}
    if case.is_open:
        errors["case"] = [_("The case is still being handled: it can be rated once it is closed.")]
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = [_("Choose a score from 1 (very dissatisfied) to 5 (very satisfied).")]
    if len(comment) > COMMENT_LIMIT:
        errors["comment"] = [_("Keep the comment to %(limit)s characters.") % {"limit": COMMENT_LIMIT}]
    if source not in RatingSource.values:
        errors["source"] = [_("Unknown source of the rating.")]
    if errors:
        raise ValidationError(errors)
    if round is None:
        round = extensions.next_rating_round(case)
    if Rating.objects.filter(case=case, round=round).exists():
        raise Conflict(_("This case has already been rated."), current_status=case.status)
    recorder = actor if isinstance(actor, User) else None
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case,
                round=round,
                score=score,
                comment=comment.strip(),
                source=source,
                recorded_by=recorder,
            )
    except IntegrityError:
        raise Conflict(_("This case has already been rated."), current_status=case.status) from None
    record(
        event_type="case.rated",
        actor=recorder,
        obj=case,
        data={"score": score, "round": round, "source": source},
        actor_role="" if recorder is None else None,
    )
    extensions.after_rating(case, rating)
    return rating
