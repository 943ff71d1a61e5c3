"""Guards: conditions a transition checks before it runs. Each takes the claim, the actor and
the transition, and raises a ``WorkflowError``."""

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from hwc.claims.models import Claim
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.losses.models import LIVESTOCK
from hwc.workflow.errors import (
    DutiesNotSeparated,
    InvalidTransition,
    OnNotice,
    RoleNotAllowed,
    TransitionRefused,
)
from hwc.workflow.rules import APPROVE, DUTY_OF_EVENT, FILE, VERIFY


def duties_of(claim: Claim, actor) -> set[str]:
    """The duties (file, verify, approve) ``actor`` has done on ``claim`` in any round, read
    from the audit trail rather than from the claim's latest columns. The public (an actor
    without an id) has done none."""
    from hwc.audit.models import AuditEvent

    if actor.id is None:
        return set()

    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.claim_id == claim.id, AuditEvent.actor_id == actor.id).distinct())
    return {DUTY_OF_EVENT[action] for action in actions if action in DUTY_OF_EVENT}


def separate_duties(claim: Claim, actor, transition) -> None:
    """Whoever filed, verified or approved the claim in any round does no other of these."""
    earlier = duties_of(claim, actor) - {transition.duty}
    if FILE in earlier:
        raise DutiesNotSeparated(_("You filed this claim, so someone else must check it."))
    if VERIFY in earlier:
        raise DutiesNotSeparated(_("You verified this claim, so someone else must decide it."))
    if APPROVE in earlier:
        raise DutiesNotSeparated(
            _("You took part in deciding this claim, so someone else must do this step."))


def not_first_approver(claim: Claim, actor, transition) -> None:
    """The second approval comes from someone who did not approve since the last verification
    (the first approval of this round)."""
    from hwc.audit.models import AuditEvent

    events = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.claim_id == claim.id, AuditEvent.action.in_(("verify", "approve")))
        .order_by(AuditEvent.seq)).all()
    approvers: set[int] = set()
    for action, actor_id in events:
        approvers = set() if action == "verify" else approvers | {actor_id}
    if actor.id in approvers:
        raise DutiesNotSeparated(
            _("You gave the first approval; the second must come from another senior official."))


def senior(claim: Claim, actor, transition) -> None:
    if not actor.senior:
        raise RoleNotAllowed(_("Only a senior approver may give the second approval."))


def has_losses(claim: Claim, actor, transition) -> None:
    if not claim.items:
        raise TransitionRefused(_("Add at least one loss."),
                                {"losses": [_("Add at least one loss.")]})


def photo_for_livestock(claim: Claim, actor, transition) -> None:
    if any(item.kind == LIVESTOCK for item in claim.items) and not claim.photos:
        message = _("Livestock losses need at least one photo before the claim is submitted.")
        raise TransitionRefused(message, {"evidence": [message]})


def _on_notice(claim: Claim) -> bool:
    return claim.notice_until is not None and claim.notice_until > utcnow()


def not_on_notice(claim: Claim, actor, transition) -> None:
    """A claim on public notice (公示) is paid only after the notice ends."""
    if _on_notice(claim):
        from hwc.claims.deadlines import due_day
        from hwc.core.i18n import format_day
        from hwc.regions.settings import jurisdiction_of

        day = format_day(due_day(claim.notice_until, jurisdiction_of(claim).zone))
        raise OnNotice(_("On public notice until %(day)s (local date); it can be paid after "
                         "that.", day=day))


def on_notice(claim: Claim, actor, transition) -> None:
    """Objections are taken only while the claim is on public notice."""
    if not _on_notice(claim):
        raise InvalidTransition(_("This claim is not on public notice."))


# The same guards as SQL conditions on a claim row, so that a queue holds exactly the claims on
# which the table gives the user an action now. Each returns a condition, or True/False when the
# answer does not depend on the claim. A guard that waits for data (None) keeps the claim in its
# actor's queue: it is their step to complete it.
def _events():
    from hwc.audit.models import AuditEvent

    return aliased(AuditEvent)


def separate_duties_clause(actor, transition):
    event = _events()
    other_duties = [action for action, duty in DUTY_OF_EVENT.items() if duty != transition.duty]
    return ~exists().where(event.claim_id == Claim.id, event.actor_id == actor.id,
                           event.action.in_(other_duties))


def not_first_approver_clause(actor, transition):
    event, verification = _events(), _events()
    last_verification = (select(func.coalesce(func.max(verification.seq), 0))
                         .where(verification.claim_id == Claim.id,
                                verification.action == "verify").scalar_subquery())
    return ~exists().where(event.claim_id == Claim.id, event.actor_id == actor.id,
                           event.action == "approve", event.seq > last_verification)


def not_on_notice_clause(actor, transition):
    return or_(Claim.notice_until.is_(None), Claim.notice_until <= utcnow())


def on_notice_clause(actor, transition):
    return and_(Claim.notice_until.is_not(None), Claim.notice_until > utcnow())


GUARD_CLAUSES = {
    "not_on_notice": not_on_notice_clause,
    "on_notice": on_notice_clause,
    "separate_duties": separate_duties_clause,
    "not_first_approver": not_first_approver_clause,
    "senior": lambda actor, transition: bool(actor.senior),
    "has_losses": None,
    "photo_for_livestock": None,
}

GUARDS = {
    "not_on_notice": not_on_notice,
    "on_notice": on_notice,
    "separate_duties": separate_duties,
    "not_first_approver": not_first_approver,
    "senior": senior,
    "has_losses": has_losses,
    "photo_for_livestock": photo_for_livestock,
}
