"""回访 by SMS link: when a grievance is decided, the petitioner is texted a link to rate the handling.

The text carries the case number, the link to the public page (``/track/``) and the case's 查询码,
sealed in the outbox row until sent (``notifications.secret_texts``); with the last six digits of the
ID number and a one-time code, the public page opens the case and its 好差评 form
(``portal.actions.do_rate_from_public_page``). A decision made again (重新办理) invites again.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications.secret_texts import text_sealed

EVENT = "petition.rate_invite"
# The invitation's code is wiped from the outbox if it could not be sent within this time.
LIFETIME = datetime.timedelta(days=30)


def public_link() -> str:
    return settings.LAUREL_PUBLIC_BASE_URL.rstrip("/") + reverse("portal:lookup")


def invite_rating(case: Any, *, decided_on: datetime.date) -> bool:
    """Queue the invitation (inside the decision's transaction); whether one was queued (a phone on file)."""
    phone = (getattr(case.subject, "phone", "") or "").strip()
    if not phone or not case.query_code:
        return False
    row = text_sealed(
        EVENT,
        phone=phone,
        secrets={"code": case.query_code},
        context={"case": case.number, "link": public_link()},
        until=timezone.now() + LIFETIME,
        dedupe_key=f"{EVENT}:{case.pk}:{decided_on.isoformat()}",
        division_code=case.division_id,
    )
    return row is not None
