"""Guards: conditions a transition checks before it runs. Each raises a ``WorkflowError``."""

from flask_babel import gettext as _

from hwc.claims.models import Claim, LossKind
from hwc.workflow.errors import DutiesNotSeparated, RoleNotAllowed, TransitionRefused


def not_filer(claim: Claim, actor) -> None:
    if claim.filed_by_id == actor.id:
        raise DutiesNotSeparated(_("You filed this claim, so someone else must check it."))


def not_verifier(claim: Claim, actor) -> None:
    if claim.verified_by_id == actor.id:
        raise DutiesNotSeparated(_("You verified this claim, so someone else must decide it."))


def not_first_approver(claim: Claim, actor) -> None:
    if claim.approved_by_id == actor.id:
        raise DutiesNotSeparated(
            _("You gave the first approval; the second must come from another senior official."))


def senior(claim: Claim, actor) -> None:
    if not actor.senior:
        raise RoleNotAllowed(_("Only a senior approver may give the second approval."))


def has_losses(claim: Claim, actor) -> None:
    if not claim.items:
        raise TransitionRefused(_("Add at least one loss."),
                                {"losses": [_("Add at least one loss.")]})


def photo_for_livestock(claim: Claim, actor) -> None:
    if any(item.kind == LossKind.livestock for item in claim.items) and not claim.photos:
        message = _("Livestock losses need at least one photo before the claim is submitted.")
        raise TransitionRefused(message, {"evidence": [message]})


GUARDS = {
    "not_filer": not_filer,
    "not_verifier": not_verifier,
    "not_first_approver": not_first_approver,
    "senior": senior,
    "has_losses": has_losses,
    "photo_for_livestock": photo_for_livestock,
}
