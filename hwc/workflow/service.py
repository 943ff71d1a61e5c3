"""``perform``: the one way a claim changes status, used by the pages and the API alike."""

from flask_babel import gettext as _
from sqlalchemy import and_, false, or_, select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.audit.trail import changed_values, record_event
from hwc.claims.deadlines import recompute_due
from hwc.claims.models import Claim
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.workflow.effects import EFFECTS, Outcome
from hwc.workflow.errors import (
    ClaimNotFound,
    InvalidTransition,
    RoleNotAllowed,
    StaleClaim,
    TransitionRefused,
    UnknownAction,
    WorkflowError,
)
from hwc.workflow.guards import GUARD_CLAUSES, GUARDS
from hwc.workflow.rules import (
    ACTIONS,
    BATCH_APPROVE,
    CLAIM_ACTIONS,
    TRANSITIONS,
    VIEW,
    Transition,
    find_transition,
    transitions_for,
)
from hwc.workflow.signals import claim_transitioned

MAX_COMMENT = 4000


def claims_in_scope(user: User, *, village_index: bool = True):
    """SELECT of the claims in ``user``'s jurisdiction: every claim query starts here.

    ``village_index=False``: the same claims, with the area written so that the database does
    not read them through the village index — for a page that reads them through another index
    (the newest reports, the open statuses) and checks the area on each; through the village
    index it would read and sort every claim the area ever had."""
    village = Claim.village_id if village_index else Claim.village_id + 0
    return select(Claim).where(village.in_(Region.subtree_ids(*user.scope_regions)))


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


# What features above the workflow add to one of ``can``'s answers, by action: ``condition(user,
# claim) -> bool``, each of which must hold too (the claims feature: batch approval needs every
# warning acknowledged). Kept per app, so a feature's rule never outlives its app.
CONDITIONS = "hwc.can_conditions"


def add_condition(app, action: str, condition) -> None:
    app.extensions.setdefault(CONDITIONS, {}).setdefault(action, []).append(condition)


def _conditions(action: str) -> list:
    from flask import current_app

    return current_app.extensions.get(CONDITIONS, {}).get(action, [])


def can(user: User, action: str, claim: Claim) -> bool:
    """Whether ``user`` may do ``action`` to ``claim`` now, data permitting (a step that only
    lacks data the user can give counts as possible). ``action`` is a workflow action, answered
    by the table's roles and guards with scope included, one of ``CLAIM_ACTIONS``, ``view`` or
    ``batch_approve``. Pages, the API, the queues and batch approval all ask this."""
    if action == VIEW:
        return user.can_see_region(claim.village)
    if action == BATCH_APPROVE:
        return can(user, "approve", claim) and all(
            condition(user, claim) for condition in _conditions(BATCH_APPROVE))
    if action in CLAIM_ACTIONS:
        return any(can(user, step, claim) for step in CLAIM_ACTIONS[action])
    if action not in ACTIONS:
        raise ValueError(f"no such action: {action!r}")
    try:
        check_transition(claim, action, user)
    except TransitionRefused:
        return True
    except WorkflowError:
        return False
    return True


def allowed_actions(claim: Claim, actor: User) -> list[str]:
    """The workflow actions ``actor`` could take on ``claim`` now (data permitting): what pages
    offer and the API lists."""
    return [action for action in ACTIONS if can(actor, action, claim)]


def waits_on(user: User, claim: Claim) -> bool:
    """Whether ``claim`` waits on ``user``: the table gives them a step on it now that is not
    taken only on request. This is what puts a claim in the user's queue."""
    return any(can(user, transition.action, claim) for transition in TRANSITIONS
               if claim.status in transition.sources and not transition.on_request)


def role_may(user: User, action: str) -> bool:
    """Whether the table lets ``user``'s role take ``action`` on some claim."""
    return any(user.role in transition.roles for transition in transitions_for(action))


def acts_on_claims(user: User) -> bool:
    """Whether the table gives ``user``'s role any step: such a user's queue is what waits on
    them; the others (auditors, administrators) watch every claim in their area."""
    return any(user.role in transition.roles for transition in TRANSITIONS
               if not transition.on_request)


def _open_transitions(user: User):
    """The transitions that may make a claim wait on ``user``, each with its guards as SQL
    conditions (guards whose answer does not depend on the claim are decided here)."""
    for transition in TRANSITIONS:
        if user.role not in transition.roles or transition.on_request:
            continue
        conditions = []
        for name in transition.guards:
            clause = GUARD_CLAUSES[name]
            condition = clause(user, transition) if clause is not None else True
            if condition is False:
                break
            if condition is not True:
                conditions.append(condition)
        else:
            yield transition, conditions


def waiting_on(user: User):
    """SQL condition on a claim row: the claim waits on ``user`` — the same answer as
    ``waits_on``, scope and guards that read history included, without loading each claim."""
    options, statuses = [], set()
    for transition, conditions in _open_transitions(user):
        options.append(and_(Claim.status.in_(transition.sources), *conditions))
        statuses |= set(transition.sources)
    if not options:
        return false()
    # The statuses again on their own, and the area not through the village index: what waits
    # on someone is work in progress, read through the status index however long the history.
    return and_(Claim.status.in_(sorted(statuses)),
                (Claim.village_id + 0).in_(Region.subtree_ids(*user.scope_regions)),
                or_(*options))


def statuses_waiting_on(user: User) -> set:
    """The statuses in which some claim may wait on ``user``."""
    return {status for transition, _ in _open_transitions(user) for status in transition.sources}


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
    outcome = Outcome()
    if transition.effect:
        result = EFFECTS[transition.effect](claim, actor, {**data, "comment": comment})
        outcome = result if isinstance(result, Outcome) else Outcome(result)
    target = outcome.target or transition.target
    assert target == transition.target or target in transition.other_targets
    claim.status = target
    recompute_due(claim)
    db.session.flush()
    after = _decision_values(claim)
    changes = changed_values(before, after) | outcome.changes
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
        "rate_schedule_id": claim.rate_schedule_id, "paid_total": claim.paid_total,
        "items": [{"assessed_quantity": i.assessed_quantity, "unit_value": i.unit_value,
                   "rate": i.rate_value, "rate_unit": i.rate_unit, "amount": i.amount}
                  for i in claim.items],
    }
