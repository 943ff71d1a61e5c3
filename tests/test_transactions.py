"""Commit once per request: a page or API request keeps its changes only when it succeeds, work
queued with ``after_commit`` runs once after the commit and never after a rollback, and a
failure at the commit is answered with its own status."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from hwc.accounts.models import Role, User
from hwc.claims.models import Claim, ClaimStatus
from hwc.core.transaction import after_commit
from hwc.extensions import db
from hwc.workflow.signals import claim_transitioned
from tests.factories import make_claim


def test_work_queued_in_a_transaction_runs_once_when_it_commits(ctx, demo):
    ran = []
    after_commit(lambda: ran.append("sent"))
    db.session.flush()
    assert ran == []
    db.session.commit()
    db.session.commit()
    assert ran == ["sent"]


def test_work_queued_in_a_transaction_that_rolls_back_never_runs(ctx, demo):
    ran = []
    User.by_username("officer").full_name = "Changed"
    after_commit(lambda: ran.append("sent"))
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_work_queued_in_a_rolled_back_savepoint_is_dropped_and_the_rest_runs(ctx, demo):
    ran = []
    after_commit(lambda: ran.append("before"))
    with pytest.raises(RuntimeError), db.session.begin_nested():
        after_commit(lambda: ran.append("refused step"))
        raise RuntimeError("a guard refused the step")
    with db.session.begin_nested():
        after_commit(lambda: ran.append("kept step"))
    assert ran == []  # a released savepoint is not a commit
    db.session.commit()
    assert ran == ["before", "kept step"]


@contextmanager
def queued_on_transition(also=None):
    """Every transition queues a "text message" to send after the commit; ``also(claim)`` runs
    inside the transition's transaction."""
    sent = []

    def receiver(claim, action, **_kwargs):
        after_commit(lambda: sent.append((claim.code, action)))
        if also is not None:
            also(claim)

    claim_transitioned.connect(receiver)
    try:
        yield sent
    finally:
        claim_transitioned.disconnect(receiver)


@pytest.fixture
def verified(app, demo):
    with app.app_context():
        claim = make_claim("verified")
        db.session.commit()
        return claim.code, claim.version


def test_a_page_step_that_succeeds_commits_once_and_runs_its_queued_work_once(
        app, login_as, verified):
    code, version = verified
    approver = login_as("approver")
    with queued_on_transition() as sent:
        response = approver.post(f"/claims/{code}/act/approve",
                                 data={"approve-version": version})
    assert response.status_code == 302
    assert sent == [(code, "approve")]
    with app.app_context():
        assert Claim.by_code(code).status != ClaimStatus.verified


def test_a_page_step_refused_after_the_transition_keeps_nothing_and_sends_nothing(
        app, login_as, verified):
    code, version = verified
    approver = login_as("approver")

    def refuse(claim):
        from werkzeug.exceptions import Forbidden

        raise Forbidden()

    with queued_on_transition(also=refuse) as sent:
        response = approver.post(f"/claims/{code}/act/approve",
                                 data={"approve-version": version})
    assert response.status_code == 403
    assert sent == []
    with app.app_context():
        assert Claim.by_code(code).status == ClaimStatus.verified


def take_a_username_at_the_commit(claim):
    """Add, just before the commit, a user whose username is taken: the commit's own flush fails
    (as when a concurrent request took the key first)."""

    def add_duplicate(session):
        session.add(User(username="officer", role=Role.village_officer, password_hash="x"))

    event.listen(db.session, "before_commit", add_duplicate, once=True)


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_conflict_found_at_the_commit_is_a_409_and_keeps_nothing(
        app, login_as, api, verified, through):
    code, version = verified
    client = login_as("approver") if through == "page" else api("approver")
    with queued_on_transition(also=take_a_username_at_the_commit) as sent:
        if through == "page":
            response = client.post(f"/claims/{code}/act/approve",
                                   data={"approve-version": version})
        else:
            response = client.act(code, "approve", version=version)
    assert response.status_code == 409
    assert response.content_type == ("application/problem+json" if through == "api" else
                                     "text/html; charset=utf-8")
    assert sent == []
    with app.app_context():
        assert Claim.by_code(code).status == ClaimStatus.verified
