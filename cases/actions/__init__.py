"""Every write to a case goes through here, by sub-area.

- :mod:`.filing`: file a case (numbering, kind rules, duplicates, starting its process), withdraw it;
- :mod:`.decisions`: the steps' work (intake review: accept, return for correction, refuse;
  verification, decision, correction) and the automatic nodes after them;
  :func:`do_complete_task` dispatches a task's fields to its step;
- :mod:`.steps`: who holds a task (claim, release, reassign);
- :mod:`.sla`: SLA rules, the working-day calendar, escalation and the periodic SLA scan;
- :mod:`.attachments`: documents (stored by ``cases.storage``);
- :mod:`.grants`: per-case exception grants (one user, one case, a reason and a period).

Each action runs in one transaction, locks the case row first (``select_for_update``; the
one serialisation point for a case, taken before viewflow's own process lock), applies a
model-local FSM transition, writes the audit event, and drives the viewflow task if the
action completes one. A lost race surfaces as ``core.errors.Conflict`` or django-fsm's
``TransitionNotAllowed``/``ConcurrentTransition`` (both answered with 409 by the API and
the pages) and rolls everything back. Actions trust their caller: authorisation happens
at the entry point (``cases.queries.access_*`` and ``cases.policy``).
"""

from ._base import case_of_process
from .attachments import do_add_attachment, do_record_download
from .decisions import (
    do_apply_decision,
    do_close_case,
    do_complete_task,
    do_conclude_verification,
    do_decide,
    do_record_verification,
    do_refuse_intake,
    do_resubmit_case,
    do_return_at_intake,
    do_review_intake,
    effective_date,
    missing_lines,
)
from .filing import (
    KIND_FIELDS,
    DuplicateCase,
    correctable_fields,
    do_file_case,
    do_transition,
    do_withdraw_case,
    number_case,
    open_cases_like,
    validate_kind_fields,
)
from .grants import do_end_case_grant, do_grant_case_access
from .ratings import do_rate_case
from .sla import do_clear_calendar_day, do_escalate_case, do_set_calendar_day, do_set_sla_rule, scan_sla
from .steps import do_claim_task, do_reassign_task, do_release_task

__all__ = [
    "KIND_FIELDS",
    "DuplicateCase",
    "case_of_process",
    "correctable_fields",
    "do_add_attachment",
    "do_apply_decision",
    "do_claim_task",
    "do_clear_calendar_day",
    "do_close_case",
    "do_complete_task",
    "do_conclude_verification",
    "do_decide",
    "do_end_case_grant",
    "do_escalate_case",
    "do_file_case",
    "do_grant_case_access",
    "do_rate_case",
    "do_reassign_task",
    "do_record_download",
    "do_record_verification",
    "do_refuse_intake",
    "do_release_task",
    "do_resubmit_case",
    "do_return_at_intake",
    "do_review_intake",
    "do_set_calendar_day",
    "do_set_sla_rule",
    "do_transition",
    "do_withdraw_case",
    "effective_date",
    "missing_lines",
    "number_case",
    "open_cases_like",
    "scan_sla",
    "validate_kind_fields",
]
