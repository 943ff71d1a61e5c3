"""The audit trail: every change is an event in a hash chain, and ``flask hwc audit verify``
finds any event that was altered, removed or re-hashed."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent, AuditHead
from hwc.audit.trail import event_digest, verify_chain
from hwc.claims.operations import update_claim
from hwc.claims.validation import parse_claim_changes
from hwc.extensions import db
from hwc.workflow.service import perform
from tests.factories import claim_body, make_claim

EVENTS = AuditEvent.__table__
HEAD = AuditHead.__table__


@pytest.fixture(autouse=True)
def _english(app, monkeypatch):
    """The checks below read the problems in English, whatever the catalogues hold."""
    monkeypatch.setitem(app.config, "HWC_DEFAULT_LOCALE", "en")


def user(username: str) -> User:
    return User.by_username(username)


def take_to_approved():
    """A claim filed, checked and approved at both levels: a dozen events in the chain."""
    claim = make_claim("verified")
    if claim.status == "verified":
        perform(claim, "approve", actor=user("approver"))
    if claim.status == "awaiting_second_approval":
        perform(claim, "approve", actor=user("senior"))
    assert claim.status == "approved"
    return claim


def all_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def tamper(statement) -> None:
    """Change the table behind the application's back, as someone with database access
    could, and forget every loaded object."""
    db.session.execute(statement)
    db.session.commit()
    db.session.expire_all()


@pytest.fixture
def chain(ctx, demo):
    """A committed chain of events from a claim's full path; returns the events."""
    take_to_approved()
    db.session.commit()
    events = all_events()
    assert len(events) >= 7
    return events


@pytest.fixture
def middle(chain) -> int:
    return chain[len(chain) // 2].seq


def run_verify(runner):
    return runner.invoke(args=["hwc", "audit", "verify"])


# --- an intact chain ------------------------------------------------------------------------

def test_empty_trail_verifies(ctx):
    report = verify_chain()
    assert (report.ok, report.checked) == (True, 0)


def test_chain_verifies_after_a_claims_full_path(chain):
    report = verify_chain()
    assert report.ok
    assert report.checked == len(chain)


def test_each_event_holds_the_hash_of_the_one_before(chain):
    assert chain[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1


def test_head_holds_the_last_events_sequence_and_hash(chain):
    head = db.session.get(AuditHead, 1)
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)


def test_verify_command_exits_0_and_prints_the_count(chain, runner):
    result = run_verify(runner)
    assert result.exit_code == 0, result.output
    assert f"{len(chain)} events" in result.output


# --- tampering ------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "value"), [
    ("comment", "nothing to see here"),
    ("changes", {"assessed_total": {"from": None, "to": "99999.00"}}),
    ("actor_role", "admin"),
    ("action", "withdraw"),
    ("from_status", "draft"),
    ("to_status", "paid"),
])
def test_altering_a_field_of_a_middle_event_is_detected(chain, middle, column, value):
    tamper(update(EVENTS).where(EVENTS.c.seq == middle).values({column: value}))
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == middle
    assert "altered" in report.problem


def test_altering_who_acted_is_detected(chain, middle):
    tamper(update(EVENTS).where(EVENTS.c.seq == middle).values(actor_id=user("admin").id))
    assert verify_chain().bad_seq == middle


def test_altering_when_an_event_happened_is_detected(chain, middle):
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == middle))
    earlier = event.created_at - timedelta(days=3)
    tamper(update(EVENTS).where(EVENTS.c.seq == middle).values(created_at=earlier))
    assert verify_chain().bad_seq == middle


def test_altering_which_claim_an_event_belongs_to_is_detected(chain, middle):
    other = make_claim("draft", body=claim_body())
    db.session.commit()
    tamper(update(EVENTS).where(EVENTS.c.seq == middle).values(claim_id=other.id))
    assert verify_chain().bad_seq == middle


def test_verify_command_names_the_altered_event_and_exits_1(chain, middle, runner):
    tamper(update(EVENTS).where(EVENTS.c.seq == middle).values(comment="rewritten"))
    result = run_verify(runner)
    assert result.exit_code == 1
    assert f"event {middle}" in result.output


def test_deleting_a_middle_event_is_detected(chain, middle):
    tamper(delete(EVENTS).where(EVENTS.c.seq == middle))
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == middle
    assert "missing" in report.problem


def test_verify_command_names_the_missing_event(chain, middle, runner):
    tamper(delete(EVENTS).where(EVENTS.c.seq == middle))
    result = run_verify(runner)
    assert result.exit_code == 1
    assert f"event {middle}" in result.output


@pytest.mark.parametrize("removed", [1, 2])
def test_deleting_the_newest_events_is_detected(chain, removed):
    last = chain[-1].seq
    tamper(delete(EVENTS).where(EVENTS.c.seq > last - removed))
    report = verify_chain()
    assert not report.ok
    assert report.checked == len(chain) - removed
    assert report.bad_seq == last - removed + 1
    assert "removed" in report.problem


def test_verify_command_fails_when_the_newest_event_is_deleted(chain, runner):
    tamper(delete(EVENTS).where(EVENTS.c.seq == chain[-1].seq))
    assert run_verify(runner).exit_code == 1


def test_rehashing_a_tampered_event_breaks_the_link_to_the_next(chain, middle):
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == middle))
    event.comment = "rewritten"
    new_hash = event_digest(event)
    db.session.rollback()
    tamper(update(EVENTS).where(EVENTS.c.seq == middle)
           .values(comment="rewritten", hash=new_hash))
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == middle + 1
    assert "does not follow" in report.problem


def test_rehashing_the_rest_of_the_chain_disagrees_with_the_head(chain, middle):
    db.session.expire_all()
    events = all_events()
    previous = None
    for event in events:
        if event.seq == middle:
            event.comment = "rewritten"
        if event.seq >= middle:
            event.prev_hash = previous.hash
            event.hash = event_digest(event)
        previous = event
    rewritten = [(e.seq, e.comment, e.prev_hash, e.hash) for e in events if e.seq >= middle]
    db.session.rollback()
    for seq, comment, prev_hash, hash_ in reversed(rewritten):
        tamper(update(EVENTS).where(EVENTS.c.seq == seq)
               .values(comment=comment, prev_hash=prev_hash, hash=hash_))
    report = verify_chain()
    assert not report.ok
    assert "removed" in report.problem


def recompute_from(seq: int, comment: str) -> None:
    """Alter one event's comment and recompute every following hash, and the head, with the
    application's own digest: a rewrite that leaves no broken link."""
    db.session.expire_all()
    events, previous, rewritten = all_events(), None, []
    for event in events:
        if event.seq == seq:
            event.comment = comment
        if event.seq >= seq:
            event.prev_hash = previous.hash if previous else "0" * 64
            event.hash = event_digest(event)
            rewritten.append((event.seq, event.comment, event.prev_hash, event.hash))
        previous = event
    db.session.rollback()
    for number, comment_, prev_hash, hash_ in reversed(rewritten):
        tamper(update(EVENTS).where(EVENTS.c.seq == number)
               .values(comment=comment_, prev_hash=prev_hash, hash=hash_))
    tamper(update(HEAD).values(seq=rewritten[-1][0], hash=rewritten[-1][3]))


@pytest.mark.parametrize("removed", [1, 3])
def test_deleting_the_newest_events_and_moving_the_head_back_is_detected(chain, runner, removed):
    last = chain[-removed - 1]
    tamper(delete(EVENTS).where(EVENTS.c.seq > last.seq))
    tamper(update(HEAD).values(seq=last.seq, hash=last.hash))
    assert not verify_chain().ok
    assert run_verify(runner).exit_code == 1


def test_rewriting_an_early_event_and_recomputing_every_hash_is_detected(chain, runner):
    recompute_from(2, "nothing happened")
    assert not verify_chain().ok
    assert run_verify(runner).exit_code == 1


# --- what is recorded -----------------------------------------------------------------------

def test_events_are_recorded_for_create_evidence_update_and_every_transition(ctx, demo):
    officer = user("officer")
    claim = make_claim("draft")
    changes = parse_claim_changes({"incident": {**claim_body()["incident"],
                                                "narrative": "two cows, not three"}},
                                  officer, claim.village)
    update_claim(claim, changes, actor=officer)
    steps = [("submit", "officer", {}), ("start_verification", "verifier", {}),
             ("return", "verifier", {"comment": "how many cows?"})]
    for action, username, data in steps:
        perform(claim, action, actor=user(username), **data)
    update_claim(claim, parse_claim_changes({"incident": {**claim_body()["incident"],
                                                          "narrative": "two cows"}},
                                            officer, claim.village), actor=officer)
    steps = [("resubmit", "officer", {}), ("start_verification", "verifier", {}),
             ("verify", "verifier", {}), ("approve", "approver", {}),
             ("approve", "senior", {})]
    for action, username, data in steps:
        perform(claim, action, actor=user(username), **data)
    actions = [e.action for e in all_events() if e.claim_id == claim.id]
    assert actions == ["create", "add_evidence", "update", "submit", "start_verification",
                       "return", "update", "resubmit", "start_verification", "verify",
                       "approve", "approve"]
    assert verify_chain().ok


def test_update_event_records_the_changed_values(ctx, demo):
    officer = user("officer")
    claim = make_claim("draft")
    update_claim(claim, parse_claim_changes({"incident": {**claim_body()["incident"],
                                                          "narrative": "a bear"}},
                                            officer, claim.village), actor=officer)
    event = all_events()[-1]
    assert event.action == "update"
    assert event.changes["narrative"]["to"] == "a bear"
    assert (event.from_status, event.to_status) == ("draft", "draft")
