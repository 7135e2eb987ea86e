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
ACKNOWLEDGE = "petition_acknowledge"  # 签收 by the receiving body, or its objection (Art. 23)
OBJECTION = "petition_objection"  # the routing body agrees to the objection or designates a body
DISPUTE = "petition_dispute"  # the common superior of bodies in dispute designates one (Art. 24)

PERMISSIONS = {
    ACCEPT: HANDLE_CASES,
    HANDLE: HANDLE_CASES,
    EXTENSION: APPROVE_CASES,
    ACKNOWLEDGE: HANDLE_CASES,
    OBJECTION: HANDLE_CASES,
    DISPUTE: HANDLE_CASES,
}
LABELS = {
    ACCEPT: _("Grievance: accept or refuse"),
    HANDLE: _("Grievance: handle and decide"),
    EXTENSION: _("Grievance: approve the extension"),
    ACKNOWLEDGE: _("Grievance: acknowledge (签收) or object"),
    OBJECTION: _("Grievance: decide on the objection"),
    DISPUTE: _("Grievance: settle the dispute between bodies"),
}
# The steps worked by one body only once the matter was forwarded: the task names that body
# (``Task.data["body"]``) and only its members see it in their queue (``cases.nodes.ExtraNode.at_body``).
AT_BODY = (ACCEPT, HANDLE, EXTENSION, ACKNOWLEDGE, OBJECTION, DISPUTE)

# The steps of ``ReviewFlow``: worked at the level above (the reviewing body), not at the case's division.
REVIEW = "petition_review"  # 复查: answer within 30 days (Art. 35)
RE_REVIEW = "petition_re_review"  # 复核: answer within 30 days (Art. 36)
REVIEW_NODES = (REVIEW, RE_REVIEW)

PERMISSIONS.update({REVIEW: HANDLE_CASES, RE_REVIEW: HANDLE_CASES})
LABELS.update(
    {REVIEW: _("Grievance: answer the review (复查)"), RE_REVIEW: _("Grievance: answer the re-review (复核)")}
)

# The step of ``RectificationFlow``: the handling body rectifies after a 差评 (issue 19 item 4).
RECTIFY = "petition_rectify"
PERMISSIONS[RECTIFY] = HANDLE_CASES
LABELS[RECTIFY] = _("Grievance: rectify after a poor rating (整改)")
