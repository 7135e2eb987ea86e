"""Log retention: access logs are kept ``LAUREL_LOG_RETENTION_DAYS`` (at least six months), then pruned.

The Cybersecurity Law (as amended 2025, Art. 23(3)) requires network and access logs to be kept
for no less than six months. The application's own access logs are django-axes' sign-in records
(``AccessLog``: every sign-in and sign-out with address and browser; ``AccessFailureLog``: every
failed attempt). ``prune_access_logs`` deletes only rows older than the retention period, and
never touches the audit trail: audit events are never pruned by the application (the operator
archives them, see docs/OPERATIONS.md). The web server's access log (gunicorn on stdout) is
kept by the process manager; the operator configures its retention to the same period.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

# Six months, counted generously (the longest six calendar months are 184 days).
MINIMUM_DAYS = 184


def retention() -> datetime.timedelta:
    return datetime.timedelta(days=max(int(settings.LAUREL_LOG_RETENTION_DAYS), MINIMUM_DAYS))


def prune_access_logs(now: datetime.datetime | None = None) -> int:
    """Delete access-log rows older than the retention period; return how many."""
    from axes.models import AccessFailureLog, AccessLog

    cutoff = (now or timezone.now()) - retention()
    deleted = 0
    for model in (AccessLog, AccessFailureLog):
        count, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
        deleted += count
    return deleted
