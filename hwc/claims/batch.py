"""Batch approval from the queue: each selected claim is approved on its own, and a claim with a
warning nobody has acknowledged on its page is refused with the warnings named."""

from dataclasses import dataclass

from flask_babel import gettext as _

from hwc.accounts.models import User
from hwc.claims.codes import InvalidCode, normalise_code
from hwc.claims.flags import unacknowledged_flags
from hwc.extensions import db
from hwc.workflow.errors import TransitionRefused, WorkflowError
from hwc.workflow.service import check_transition, get_claim, perform

MAX_BATCH = 200


class FlagsNotAcknowledged(TransitionRefused):
    """The claim has warnings that must be looked at on its page before a batch approves it."""


@dataclass(frozen=True)
class BatchResult:
    code: str
    approved: bool
    message: str


def approve_batch(codes: list[str], *, actor: User) -> list[BatchResult]:
    """Approve each claim of ``codes`` (at most ``MAX_BATCH``) as ``actor``, each in its own
    savepoint: one that is refused does not stop the others, and each result says why. A claim
    passes exactly when ``can(actor, "batch_approve", claim)``."""
    results = []
    for code in codes[:MAX_BATCH]:
        shown = code
        try:
            claim = get_claim(normalise_code(code), actor)
            shown = claim.display_code
            with db.session.begin_nested():
                check_transition(claim, "approve", actor)
                check_acknowledged(claim, actor)
                perform(claim, "approve", actor=actor)
            results.append(BatchResult(shown, True, claim.status.title))
        except (WorkflowError, InvalidCode) as error:
            results.append(BatchResult(shown, False,
                                       getattr(error, "message", "") or _("Not found.")))
    return results


def check_acknowledged(claim, actor: User) -> None:
    waiting = unacknowledged_flags(claim, viewer=actor)
    if waiting:
        raise FlagsNotAcknowledged(_(
            "Not approved: open the claim and acknowledge its warnings first (%(flags)s).",
            flags=", ".join(flag.label for flag in waiting)))
