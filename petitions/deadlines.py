"""A petition's statutory limits, counted on the working-day calendar (``policies.calendar``).

- accept by: 15 calendar days after the matter was received (Art. 22), moved to the next working
  day when it ends on a rest day;
- handle by: 60 calendar days after acceptance (Art. 31), plus the days the clock was paused
  (each pause with a recorded reason), moved the same way; counted again from the day a 复查 or 复核
  changed or revoked the opinion and sent the matter back to be handled again (``redo_on``);
- extended to: the unmoved handling limit plus the approved extension (≤ 30 days, Art. 34), moved;
- review request by: 30 calendar days after the decision (the 复查 request window, Art. 35);
- acknowledge by / object by: a forwarded matter is signed for (签收), or objected to with reasons,
  within 5 working days of its receipt by the receiving body (Art. 23; the settings
  ``LAUREL_PETITION_ACKNOWLEDGE_WORKING_DAYS`` and ``LAUREL_PETITION_OBJECTION_WORKING_DAYS``, the
  12345 practice being 2).

A limit is provisional (暂按) when the calendar says a year it touches has not been loaded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from policies.calendar import Limit, calendar_limit, working_limit

from .models import Petition


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def accept_days() -> int:
    return _days("LAUREL_PETITION_ACCEPT_DAYS", 15)


def handle_days() -> int:
    return _days("LAUREL_PETITION_HANDLE_DAYS", 60)


def max_extension_days() -> int:
    return _days("LAUREL_PETITION_MAX_EXTENSION_DAYS", 30)


def review_request_days() -> int:
    return _days("LAUREL_PETITION_REVIEW_REQUEST_DAYS", 30)


def acknowledge_working_days() -> int:
    return _days("LAUREL_PETITION_ACKNOWLEDGE_WORKING_DAYS", 5)


def objection_working_days() -> int:
    return _days("LAUREL_PETITION_OBJECTION_WORKING_DAYS", 5)


def acknowledge_by(petition: Petition) -> Limit | None:
    """The last day the receiving body may sign for (签收) the forwarded matter (None when not forwarded)."""
    if petition.forwarded_on is None:
        return None
    return working_limit(petition.forwarded_on, acknowledge_working_days())


def object_by(petition: Petition) -> Limit | None:
    """The last day the receiving body may object (Art. 23): none once it was designated."""
    if petition.forwarded_on is None or petition.designated:
        return None
    return working_limit(petition.forwarded_on, objection_working_days())


@dataclass(frozen=True)
class Deadlines:
    accept_by: Limit
    handle_by: Limit | None
    extended_to: Limit | None
    review_request_by: Limit | None

    @property
    def provisional(self) -> bool:
        return any(limit is not None and limit.provisional for limit in self.limits())

    def limits(self) -> tuple[Limit | None, ...]:
        return (self.accept_by, self.handle_by, self.extended_to, self.review_request_by)

    def current(self) -> Limit | None:
        """The limit the petition runs against now (the due date of its open step)."""
        return self.extended_to or self.handle_by


def deadlines_of(petition: Petition) -> Deadlines:
    accept_by = calendar_limit(petition.received_on, accept_days())
    handle_by = extended_to = review = None
    # Handled again after a 复查 or 复核 set the opinion aside: the limits count from that day.
    handling_since = petition.redo_on or petition.accepted_on
    if handling_since is not None:
        base = handle_days() + petition.paused_days
        handle_by = calendar_limit(handling_since, base)
        if petition.extension_days:
            # The extension adds its days to the unmoved limit, then moves the end as any limit.
            extended_to = calendar_limit(handling_since, base + petition.extension_days)
    if petition.decided_on is not None:
        review = calendar_limit(petition.decided_on, review_request_days())
    return Deadlines(accept_by, handle_by, extended_to, review)


def paused_so_far(petition: Petition, today: datetime.date) -> int:
    """Days of the running pause (0 when the clock runs)."""
    if petition.paused_since is None:
        return 0
    return max((today - petition.paused_since).days, 0)
