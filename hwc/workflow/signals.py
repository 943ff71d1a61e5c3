"""The notification hook: sent after a transition is recorded, inside the same transaction.

Receivers (the SMS outbox) queue their messages in that transaction, so that nothing is sent for
a change that was rolled back.
"""

from blinker import Namespace

signals = Namespace()

# sender: the Claim; kwargs: action, actor, event, from_status, to_status
claim_transitioned = signals.signal("claim-transitioned")
