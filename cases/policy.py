"""Maker-checker and recusal: who may not act on a case even with the right role.

- Nobody acts on a case whose subject is themselves (the staff member's ID blind index
  ``accounts.User.id_number_hmac`` equals the subject's ``id_number_hmac``).
- Whoever filed or verified a case cannot approve it.

Entry points call :func:`require_may_act`, which audits the refusal (``case.refused``, in
its own transaction so that the refusal is kept) and raises 403 with a clear message.
Actions re-check with :func:`refusal` as a last line of defence.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from audit.log import record

from .models import Case, VerificationResult

SELF = "recusal_self"
FILER_APPROVES = "maker_checker_filer"
VERIFIER_APPROVES = "maker_checker_verifier"


def refusal(user: Any, case: Case, *, approving: bool = False) -> tuple[str, str] | None:
    """``(code, message)`` when ``user`` must not act on ``case``, else None."""
    own = getattr(user, "id_number_hmac", "")
    if own and own == getattr(case.subject, "id_number_hmac", None):
        return SELF, _("You cannot act on a case about yourself; another member of staff must handle it.")
    if approving:
        if case.filed_by_id == user.pk:
            return FILER_APPROVES, _("You filed this case, so you cannot approve it (maker-checker).")
        if VerificationResult.objects.filter(case=case, verified_by=user).exists():
            return VERIFIER_APPROVES, _("You verified this case, so you cannot approve it (maker-checker).")
    return None


def require_may_act(user: Any, case: Case, *, action: str, approving: bool = False) -> None:
    """Raise 403 (and audit the refusal) when a maker-checker or recusal rule forbids ``action``."""
    found = refusal(user, case, approving=approving)
    if found is None:
        return
    code, message = found
    with transaction.atomic():
        record(event_type="case.refused", actor=user, obj=case, data={"action": action, "rule": code})
    raise PermissionDenied(message)


def require_not_own_subject(user: Any, subject: Any, *, action: str) -> None:
    """Raise 403 (and audit the refusal) when ``user`` is the subject (filing a case about oneself)."""
    own = getattr(user, "id_number_hmac", "")
    if not own or own != getattr(subject, "id_number_hmac", None):
        return
    with transaction.atomic():
        record(event_type="case.refused", actor=user, obj=subject, data={"action": action, "rule": SELF})
    raise PermissionDenied(_("You cannot file a case about yourself; another member of staff must do it."))
