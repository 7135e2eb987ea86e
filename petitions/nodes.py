"""The steps (human task nodes) of a grievance's process, by name, and who works on each.

``PetitionFlow`` declares one attribute per name; ``cases.nodes.register_node`` lets the task
lists, the inbox and the workbench show them (``petitions.registrations``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES

ACCEPT = "petition_accept"  # 受理: accept or refuse within 15 days
HANDLE = "petition_handle"  # 办理: decide within 60 days (extend, pause, resume on the way)
EXTENSION = "petition_extension"  # the head approves or refuses an extension

PERMISSIONS = {ACCEPT: HANDLE_CASES, HANDLE: HANDLE_CASES, EXTENSION: APPROVE_CASES}
LABELS = {
    ACCEPT: _("Grievance: accept or refuse"),
    HANDLE: _("Grievance: handle and decide"),
    EXTENSION: _("Grievance: approve the extension"),
}

# The steps of ``ReviewFlow``: worked at the level above (the reviewing body), not at the case's division.
REVIEW = "petition_review"  # 复查: answer within 30 days (Art. 35)
RE_REVIEW = "petition_re_review"  # 复核: answer within 30 days (Art. 36)
REVIEW_NODES = (REVIEW, RE_REVIEW)

PERMISSIONS.update({REVIEW: HANDLE_CASES, RE_REVIEW: HANDLE_CASES})
LABELS.update(
    {REVIEW: _("Grievance: answer the review (复查)"), RE_REVIEW: _("Grievance: answer the re-review (复核)")}
)
