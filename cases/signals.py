"""Extension points that the case actions announce explicitly, inside their transaction.

Other apps (cross-checking) react to a case's outcome without ``cases`` importing them. The
action itself sends the signal with ``send`` (not ``send_robust``) — never a model signal —
so a receiver runs in the action's transaction and an error in it fails the whole action.
"""

from django.dispatch import Signal

# Sent by cases.actions.do_apply_decision after the register was updated. Arguments: case, actor.
case_applied = Signal()
