"""Every public function of the claims, evidence, filing, flags and workflow operations refuses
an actor from another jurisdiction by itself, so no caller can forget (issue 8: "every
operation checks scope itself"). A new public function without an entry here fails the test."""

import inspect
import uuid

import pytest
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.claims import evidence, filing, flags, operations
from hwc.claims.models import Claim, FilingDraft
from hwc.claims.validation import ClaimantInput, ClaimInput, parse_claim_input
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.workflow import service
from hwc.workflow.errors import ClaimNotFound
from hwc.workflow.rules import ACTIONS, BATCH_APPROVE, CLAIM_ACTIONS, VIEW
from tests.factories import claim_body, import_rates, jpeg_bytes, make_claim

MODULES = (operations, evidence, filing, flags, service)
ACTIONS_OF_CAN = (*ACTIONS, *CLAIM_ACTIONS, VIEW, BATCH_APPROVE)
NOT_FOUND = (ClaimNotFound,)


class World:
    """A Hunchun claim in each state the operations need, and the Russian users who probe it."""

    def __init__(self):
        import_rates()
        self.draft = make_claim("draft")
        self.checking = make_claim("under_verification")
        self.filing = filing.filing_for_claim(self.draft, User.by_username("officer"))
        self.photo = self.draft.evidence[0]
        self.village = self.draft.village

    def user(self, name: str) -> User:
        return User.by_username(name)


def claimant() -> ClaimantInput:
    return ClaimantInput("Иван", "+79241234567", "ru")


# name → (out-of-scope actor, the call, what it must do: an exception class or a check).
CALLS = {
    "operations.check_village": ("ru_officer", lambda w, a: operations.check_village(
        w.village, a), NOT_FOUND),
    "operations.claim_by_client_uuid": ("ru_officer", lambda w, a:
                                        operations.claim_by_client_uuid(
                                            w.draft.client_uuid, actor=a),
                                        (operations.IdempotencyConflict,)),
    "operations.create_claim": ("ru_officer", lambda w, a: operations.create_claim(
        ClaimInput(uuid.uuid4(), w.village, claimant(),
                   parse_claim_input(claim_body(), w.user("officer")).incident,
                   parse_claim_input(claim_body(), w.user("officer")).losses), actor=a),
        NOT_FOUND),
    "operations.find_or_add_claimant": ("ru_officer", lambda w, a:
                                        operations.find_or_add_claimant(
                                            claimant(), w.village, actor=a), NOT_FOUND),
    "operations.update_claim": ("ru_officer", lambda w, a: operations.update_claim(
        w.draft, ClaimInput(None, w.village, None, None, parse_claim_input(
            claim_body(), w.user("officer")).losses[:1]), actor=a), NOT_FOUND),
    "evidence.add_evidence": ("ru_verifier", lambda w, a: evidence.add_evidence(
        w.checking, jpeg_bytes(), actor=a), NOT_FOUND),
    "evidence.evidence_bytes": ("ru_auditor", lambda w, a: evidence.evidence_bytes(
        w.photo, viewer=a), NOT_FOUND),
    "evidence.may_add_evidence": ("ru_verifier", lambda w, a: evidence.may_add_evidence(
        w.checking, a), lambda result: result is False),
    "filing.check_client_uuid": ("ru_officer", lambda w, a: filing.check_client_uuid(
        w.draft.client_uuid, a), (operations.IdempotencyConflict,)),
    "filing.filing_for_claim": ("ru_officer", lambda w, a: filing.filing_for_claim(
        w.draft, a), NOT_FOUND),
    "filing.get_filing": ("ru_officer", lambda w, a: filing.get_filing(
        w.filing.client_uuid, a), lambda result: result is None),
    "filing.officer_villages": ("ru_officer", lambda w, a: filing.officer_villages(a),
                                lambda result: w_village_absent(result)),
    "filing.save_claimant": ("ru_officer", lambda w, a: filing.save_claimant(
        w.filing, w.village.code, {"name": "x", "phone": "+79241234567"}, actor=a), NOT_FOUND),
    "filing.save_incident": ("ru_officer", lambda w, a: filing.save_incident(
        w.filing, {}, actor=a), NOT_FOUND),
    "filing.save_losses": ("ru_officer", lambda w, a: filing.save_losses(
        w.filing, [], actor=a), NOT_FOUND),
    "filing.start_filing": ("ru_officer", lambda w, a: filing.start_filing(
        a, w.filing.client_uuid), (operations.IdempotencyConflict,)),
    "filing.unfinished_filings": ("ru_officer", lambda w, a: filing.unfinished_filings(a),
                                  lambda result: result == []),
    "flags.acknowledge_flags": ("ru_approver", lambda w, a: flags.acknowledge_flags(
        w.checking, ["no_rate"], actor=a), NOT_FOUND),
    "flags.unacknowledged_flags": ("ru_verifier", lambda w, a: flags.unacknowledged_flags(
        w.checking, viewer=a), NOT_FOUND),
    "service.can": ("ru_verifier", lambda w, a: [service.can(a, action, w.checking)
                                                 for action in ACTIONS_OF_CAN],
                    lambda result: not any(result)),
    "service.waits_on": ("ru_verifier", lambda w, a: service.waits_on(a, w.checking),
                         lambda result: result is False),
    "service.waiting_on": ("ru_verifier", lambda w, a: db.session.scalars(
        select(Claim.id).where(service.waiting_on(a), Claim.id == w.checking.id)).all(),
        lambda result: result == []),
    "flags.claim_flags": ("ru_verifier", lambda w, a: flags.claim_flags(w.draft, viewer=a),
                          NOT_FOUND),
    "service.allowed_actions": ("ru_verifier", lambda w, a: service.allowed_actions(
        w.checking, a), lambda result: result == []),
    "service.check_scope": ("ru_auditor", lambda w, a: service.check_scope(w.draft, a),
                            NOT_FOUND),
    "service.check_transition": ("ru_verifier", lambda w, a: service.check_transition(
        w.checking, "verify", a), NOT_FOUND),
    "service.claims_in_scope": ("ru_auditor", lambda w, a: db.session.scalars(
        service.claims_in_scope(a).where(Claim.id == w.draft.id)).all(),
        lambda result: result == []),
    "service.get_claim": ("ru_auditor", lambda w, a: service.get_claim(w.draft.code, a),
                          NOT_FOUND),
    "service.perform": ("ru_verifier", lambda w, a: service.perform(
        w.checking, "verify", actor=a), NOT_FOUND),
}

# Public functions that touch no claim, claimant, evidence or filing of anyone's, and why.
NO_ACTOR = {
    "operations.claim_is_open": "a predicate on a claim the caller already holds",
    "operations.default_currency": "reads rate schedules and Babel, no personal data",
    "operations.snapshot": "formats a claim the caller already holds for the audit trail",
    "evidence.evidence_path": "a path on disk; serving goes through evidence_bytes",
    "evidence.upload_dir": "the upload folder",
    "flags.listed": "formats codes the caller already may see",
    "flags.acknowledged_codes": "reads the audit of a claim the caller already holds",
    "flags.sees_fraud_flags": "a question about the viewer's role, no claim",
    "service.acts_on_claims": "reads the workflow table for the user's role, no claim",
    "service.role_may": "reads the workflow table for the user's role, no claim",
    "service.statuses_waiting_on": "reads the workflow table for the user's role, no claim",
    "service.open_question": "the return comment of a claim the caller already holds",
}


def w_village_absent(villages) -> bool:
    return all(not v.code.startswith("CN-") for v in villages)


def public_functions() -> set[str]:
    names = set()
    for module in MODULES:
        short = module.__name__.rsplit(".", 1)[1]
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{short}.{name}")
    return names


def test_every_public_operation_is_in_the_scope_table():
    missing = public_functions() - set(CALLS) - set(NO_ACTOR)
    assert not missing, f"add these to CALLS (or NO_ACTOR, with a reason): {sorted(missing)}"
    assert not (set(CALLS) | set(NO_ACTOR)) - public_functions(), "stale entries"


@pytest.fixture
def world(ctx, demo):
    return World()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_operation_refuses_an_actor_from_another_jurisdiction(world, name):
    username, call, expected = CALLS[name]
    actor = world.user(username)
    assert not actor.can_see_region(world.village)
    before = (world.draft.version, len(world.draft.items), world.draft.claimant.name,
              db.session.query(FilingDraft).count(), len(world.checking.evidence))
    if isinstance(expected, tuple):
        with pytest.raises(expected):
            call(world, actor)
    else:
        assert expected(call(world, actor)), name
    db.session.expire_all()
    assert before == (world.draft.version, len(world.draft.items), world.draft.claimant.name,
                      db.session.query(FilingDraft).count(), len(world.checking.evidence))
    assert Region.by_code("CN-JL-HC") is not None
