"""The two sides' steps (human task nodes) of a transfer's process, by name, and who works on each."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES

RELEASE = "transfer_release"  # the sending county's approver releases the file (or refuses)
ACCEPT = "transfer_accept"  # the receiving county's approver accepts (or refuses)

# Proposing needs HANDLE_CASES where the person is on file; each side's step needs APPROVE_CASES there.
PROPOSE_PERMISSION = HANDLE_CASES
PERMISSIONS = {RELEASE: APPROVE_CASES, ACCEPT: APPROVE_CASES}
LABELS = {
    RELEASE: _("Transfer: the sending county approves"),
    ACCEPT: _("Transfer: the receiving county accepts or refuses"),
}
