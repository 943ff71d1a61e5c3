"""``perform``: the one way a claim changes status, used by the pages and the API alike."""

from flask_babel import gettext as _
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.audit.trail import changed_values, record_event
from hwc.claims.deadlines import recompute_due
from hwc.claims.models import Claim
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.workflow.effects import EFFECTS
from hwc.workflow.errors import (
    ClaimNotFound,
    InvalidTransition,
    RoleNotAllowed,
    StaleClaim,
    TransitionRefused,
    UnknownAction,
    WorkflowError,
)
from hwc.workflow.guards import GUARDS
from hwc.workflow.rules import ACTIONS, Transition, find_transition, transitions_for
from hwc.workflow.signals import claim_transitioned

MAX_COMMENT = 4000


def claims_in_scope(user: User):
    """SELECT of the claims in ``user``'s jurisdiction: every claim query starts here."""
    return select(Claim).where(Claim.village_id.in_(Region.subtree_ids(*user.scope_regions)))


def get_claim(code: str, user: User) -> Claim:
    """The claim with this (normalised) code if ``user`` may see it; else ``ClaimNotFound``,
    the same answer whether it does not exist or lies outside the user's area."""
    claim = db.session.scalar(claims_in_scope(user).where(Claim.code == code))
    if claim is None:
        raise ClaimNotFound(_("No such claim in your area."))
    return claim


def check_scope(claim: Claim, user: User) -> None:
    if not user.can_see_region(claim.village):
        raise ClaimNotFound(_("No such claim in your area."))


def check_transition(claim: Claim, action: str, actor: User,
                     version: int | None = None) -> Transition:
    """The transition ``actor`` would take, or the first reason why not (scope, role, a stale
    ``version``, state, segregation of duties) — in the order the API reports them."""
    check_scope(claim, actor)
    if action not in ACTIONS:
        raise UnknownAction(_("Unknown action."), {"action": [_("Unknown action.")]})
    if not any(actor.role in t.roles for t in transitions_for(action)):
        raise RoleNotAllowed(_("Your role may not do this."))
    if version is not None and version != claim.version:
        raise StaleClaim(_("Someone else changed this claim in the meantime. Reload it."))
    transition = find_transition(action, claim.status)
    if transition is None:
        raise InvalidTransition(_("This cannot be done while the claim is “%(status)s”.",
                                  status=claim.status.title))
    if actor.role not in transition.roles:
        raise RoleNotAllowed(_("Your role may not do this."))
    for name in transition.guards:
        GUARDS[name](claim, actor, transition)
    return transition


def allowed_actions(claim: Claim, actor: User) -> list[str]:
    """The actions ``actor`` could take on ``claim`` now (data permitting): what pages offer."""
    allowed = []
    for action in ACTIONS:
        try:
            check_transition(claim, action, actor)
        except TransitionRefused:
            allowed.append(action)  # possible once the missing data is given
        except WorkflowError:
            continue
        else:
            allowed.append(action)
    return allowed


def perform(claim: Claim, action: str, *, actor: User, version: int | None = None,
            comment: str = "", **data) -> Claim:
    """Take ``action`` on ``claim`` as ``actor``: check the table's roles and guards, apply the
    effect, write the status, recompute the deadlines, append the audit event and send the
    notification signal — all in the caller's transaction. Raises a ``WorkflowError``."""
    transition = check_transition(claim, action, actor, version)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise TransitionRefused(_("The comment is too long."),
                                {"comment": [_("At most %(max)d characters.", max=MAX_COMMENT)]})
    if transition.comment_required and not comment:
        raise TransitionRefused(_("Please give a comment."),
                                {"comment": [_("This field is required.")]})
    from_status = claim.status
    before = _decision_values(claim)
    target = None
    if transition.effect:
        target = EFFECTS[transition.effect](claim, actor, data)
    target = target or transition.target
    assert target == transition.target or target in transition.other_targets
    claim.status = target
    recompute_due(claim)
    db.session.flush()
    after = _decision_values(claim)
    changes = changed_values(before, after)
    event = record_event(action, actor=actor, claim=claim, from_status=from_status,
                         to_status=target, comment=comment, changes=changes)
    claim_transitioned.send(claim, action=action, actor=actor, event=event,
                            from_status=from_status, to_status=target)
    return claim


def open_question(claim: Claim) -> AuditEvent | None:
    """While a claim is returned, the event in which the verifier returned it: their question is
    what the officer must answer, so pages show it first."""
    from hwc.claims.models import ClaimStatus

    if claim.status != ClaimStatus.returned:
        return None
    return db.session.scalar(select(AuditEvent).where(
        AuditEvent.claim_id == claim.id, AuditEvent.action == "return")
        .order_by(AuditEvent.seq.desc()).limit(1))


def _decision_values(claim: Claim) -> dict:
    return {
        "assessed_total": claim.assessed_total, "approved_total": claim.approved_total,
        "reason": claim.reason, "findings": claim.findings,
        "rate_schedule_id": claim.rate_schedule_id,
        "items": [{"assessed_quantity": i.assessed_quantity, "unit_value": i.unit_value,
                   "rate": i.rate_value, "rate_unit": i.rate_unit, "amount": i.amount}
                  for i in claim.items],
    }
