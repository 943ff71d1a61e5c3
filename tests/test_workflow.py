"""The claim workflow: the transition table, roles, scope, segregation of duties, guards and
effects of ``perform``, deadlines, fraud flags, filing and evidence."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from hwc.accounts.models import Role, User
from hwc.accounts.operations import create_user
from hwc.audit.models import AuditEvent
from hwc.claims.deadlines import is_overdue
from hwc.claims.evidence import (
    EvidenceNotAllowed,
    EvidenceRejected,
    add_evidence,
    evidence_path,
)
from hwc.claims.flags import claim_flags
from hwc.claims.models import Claim, ClaimStatus, Evidence
from hwc.claims.operations import create_claim
from hwc.claims.pricing import claim_schedule
from hwc.claims.queues import QueueFilters, queue_query
from hwc.claims.validation import ClaimValidationError, parse_claim_input
from hwc.core.db import local_date, utcnow
from hwc.core.settings import SETTINGS, set_setting
from hwc.extensions import db
from hwc.workflow.errors import (
    ClaimNotFound,
    DutiesNotSeparated,
    InvalidTransition,
    RoleNotAllowed,
    StaleClaim,
    TransitionRefused,
    UnknownAction,
)
from hwc.workflow.rules import ACTIONS, PUBLIC, TRANSITIONS, transitions_for
from hwc.workflow.service import allowed_actions, claims_in_scope, get_claim, perform
from hwc.workflow.signals import claim_transitioned
from tests.factories import (
    claim_body,
    import_rates,
    jpeg_bytes,
    make_claim,
    set_region_setting,
)

S = ClaimStatus

# The demo user who may take each action, and the data the action needs.
ACTOR_AND_DATA = {
    "submit": ("officer", {}),
    "start_verification": ("verifier", {}),
    "return": ("verifier", {"comment": "please photograph the carcass"}),
    "resubmit": ("officer", {}),
    "verify": ("verifier", {"findings": "pug marks of an adult tiger"}),
    "propose_rejection": ("verifier", {"reason": "not_wildlife", "comment": "feral dogs"}),
    "approve": ("approver", {}),
    "reject": ("approver", {"reason": "duplicate", "comment": "same as last week's claim"}),
    "send_back": ("approver", {"comment": "count the maize again"}),
    "appeal": ("officer", {"comment": "the claimant has new photos"}),
    "withdraw": ("officer", {"comment": "the claimant asked to withdraw"}),
    "issue_voucher": ("finance", {}),
    "record_payment": ("finance", {"method": "bank", "reference": "ICBC-1"}),
    "void_voucher": ("finance", {"comment": "the payee's name is misspelt"}),
    "object": ("public", {"comment": "the cattle died of disease, not of a tiger"}),
}
# Who acts where the table needs someone else than the default above.
ACTOR_IN_STATUS = {(action, S.awaiting_second_approval): "senior"
                   for action in ("approve", "reject", "send_back")}
# The default claim (13575.00 CNY) lies above the default second-approval threshold.
TARGET_IN_STATUS = {("approve", S.verified): S.awaiting_second_approval}
USER_OF_ROLE = {Role.village_officer: "officer", Role.verifier: "verifier",
                Role.approver: "approver", Role.finance: "finance", Role.auditor: "auditor",
                Role.admin: "admin"}
# A status from which each action is possible.
SOURCE_OF = {"submit": S.draft, "start_verification": S.submitted,
             "return": S.under_verification, "resubmit": S.returned,
             "verify": S.under_verification, "propose_rejection": S.under_verification,
             "approve": S.verified, "reject": S.verified, "send_back": S.verified,
             "appeal": S.rejected, "withdraw": S.submitted, "issue_voucher": S.approved,
             "record_payment": S.voucher_issued, "void_voucher": S.voucher_issued,
             "object": S.approved}

ACCEPTED = [(status, t.action) for t in TRANSITIONS for status in sorted(t.sources)]
REFUSED = [(status, action) for status in S for action in ACTIONS
           if not any(status in t.sources for t in transitions_for(action))]
ROLES_OUTSIDE = [(action, role) for action in ACTIONS for role in Role
                 if not any(role in t.roles for t in transitions_for(action))]


def user(username: str) -> User:
    return User.by_username(username)


def act(claim: Claim, action: str, username: str | None = None, **data) -> Claim:
    default_user, default_data = ACTOR_AND_DATA[action]
    username = username or default_user
    if username == "public":  # the public objects, and only while the claim is on notice
        claim.notice_until = utcnow() + timedelta(days=1)
    return perform(claim, action, actor=PUBLIC if username == "public" else user(username),
                   **{**default_data, **data})


def events_of(claim: Claim) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.claim_id == claim.id)
        .order_by(AuditEvent.seq)))


def flag_codes(claim: Claim) -> set[str]:
    return {flag.code for flag in claim_flags(claim, viewer=user("verifier"))}


def claimant(**overrides) -> dict:
    return {**claim_body()["claimant"], **overrides}


def incident(**overrides) -> dict:
    return {**claim_body()["incident"], **overrides}


@pytest.fixture
def world(ctx, demo):
    """An app context on the demo world (users, regions, and its 2026 rate schedules)."""


# --- the transition table -------------------------------------------------------------------

@pytest.mark.parametrize(("status", "action"), ACCEPTED,
                         ids=[f"{a}-from-{s}" for s, a in ACCEPTED])
def test_action_is_accepted_from_its_source_states(world, status, action):
    claim = make_claim(status)
    username = ACTOR_IN_STATUS.get((action, status))
    (transition,) = [t for t in transitions_for(action) if status in t.sources]
    act(claim, action, username)
    assert claim.status == TARGET_IN_STATUS.get((action, status), transition.target)


@pytest.mark.parametrize(("status", "action"), REFUSED,
                         ids=[f"{a}-from-{s}" for s, a in REFUSED])
def test_action_is_an_invalid_transition_from_every_other_state(world, status, action):
    claim = make_claim(status)
    with pytest.raises(InvalidTransition):
        act(claim, action)
    assert claim.status == status


def test_unknown_action_is_refused_as_unknown(world):
    claim = make_claim(S.submitted)
    with pytest.raises(UnknownAction):
        perform(claim, "pay_twice", actor=user("verifier"))


@pytest.mark.parametrize(("action", "role"), ROLES_OUTSIDE,
                         ids=[f"{a}-by-{r}" for a, r in ROLES_OUTSIDE])
def test_role_outside_the_table_may_not_take_the_action(world, action, role):
    claim = make_claim(SOURCE_OF[action])
    with pytest.raises(RoleNotAllowed) as refused:
        perform(claim, action, actor=user(USER_OF_ROLE[role]),
                **ACTOR_AND_DATA[action][1])
    assert not isinstance(refused.value, DutiesNotSeparated)
    assert claim.status == SOURCE_OF[action]


def test_a_refused_action_records_no_event(world):
    claim = make_claim(S.submitted)
    before = len(events_of(claim))
    with pytest.raises(RoleNotAllowed):
        act(claim, "start_verification", "approver")
    assert len(events_of(claim)) == before


# --- scope ----------------------------------------------------------------------------------

def test_verifier_of_another_county_gets_not_found_for_a_claim(world):
    claim = make_claim(S.submitted)
    with pytest.raises(ClaimNotFound):
        act(claim, "start_verification", "ru_verifier")
    assert claim.status == S.submitted


def test_officer_of_another_county_cannot_withdraw_a_claim(world):
    claim = make_claim(S.submitted)
    with pytest.raises(ClaimNotFound):
        act(claim, "withdraw", "ru_officer")


def test_get_claim_finds_a_claim_in_scope(world):
    claim = make_claim(S.submitted)
    assert get_claim(claim.code, user("verifier")) is claim


def test_get_claim_outside_scope_answers_like_a_claim_that_does_not_exist(world):
    claim = make_claim(S.submitted)
    with pytest.raises(ClaimNotFound) as outside:
        get_claim(claim.code, user("ru_verifier"))
    with pytest.raises(ClaimNotFound) as missing:
        get_claim("7K3MPQRS0", user("verifier"))
    assert outside.value.status == missing.value.status == 404
    assert outside.value.message == missing.value.message


def test_claims_in_scope_holds_only_the_users_area(world):
    hunchun = make_claim(S.draft)
    khasan = make_claim(officer="ru_officer", photo=False, body=claim_body(
        village="RU-PRI-KHS-SL", claimant=claimant(phone="+79241234567", language="ru")))
    assert set(db.session.scalars(claims_in_scope(user("verifier")))) == {hunchun}
    assert set(db.session.scalars(claims_in_scope(user("ru_verifier")))) == {khasan}


# --- segregation of duties ------------------------------------------------------------------

def test_filer_cannot_start_verification_of_their_own_claim(world):
    claim = make_claim(S.submitted)
    filer = claim.filed_by
    filer.role = Role.verifier
    db.session.flush()
    with pytest.raises(DutiesNotSeparated):
        perform(claim, "start_verification", actor=filer)


def test_filer_cannot_approve_their_own_claim(world):
    claim = make_claim(S.verified)
    filer = claim.filed_by
    filer.role = Role.approver
    db.session.flush()
    with pytest.raises(DutiesNotSeparated):
        perform(claim, "approve", actor=filer)


def test_verifier_cannot_approve_a_claim_they_verified(world):
    claim = make_claim(S.verified)
    verifier = claim.verified_by
    verifier.role = Role.approver
    db.session.flush()
    with pytest.raises(DutiesNotSeparated):
        perform(claim, "approve", actor=verifier)
    assert claim.status == S.verified


def test_verifier_of_an_earlier_round_cannot_approve_after_a_send_back(world):
    claim = make_claim(S.verified)
    first_verifier = claim.verified_by
    act(claim, "send_back", comment="count the maize again")
    other = create_user("verifier2", "a-long-password", Role.verifier, first_verifier.region,
                        actor=None)
    act(claim, "verify", "verifier2")
    assert claim.verified_by_id == other.id
    first_verifier.role = Role.approver
    db.session.flush()
    with pytest.raises(DutiesNotSeparated):
        perform(claim, "approve", actor=first_verifier)
    assert claim.status == S.verified


def test_approver_of_an_earlier_round_cannot_verify_the_claim(world):
    claim = make_claim(S.verified)
    act(claim, "send_back", comment="count the maize again")
    approver = user("approver")
    approver.role = Role.verifier
    db.session.flush()
    with pytest.raises(DutiesNotSeparated):
        perform(claim, "verify", actor=approver)


@pytest.mark.parametrize(("action", "data"), [
    ("reject", {"reason": "duplicate", "comment": "same as last week"}),
    ("send_back", {"comment": "count again"}),
])
def test_only_a_senior_approver_rejects_or_sends_back_at_the_second_level(world, action, data):
    claim = make_claim(S.awaiting_second_approval)
    other = create_user("approver2", "a-long-password", Role.approver, user("approver").region,
                        actor=None)
    with pytest.raises(RoleNotAllowed):
        perform(claim, action, actor=other, **data)
    assert claim.status == S.awaiting_second_approval
    assert action not in allowed_actions(claim, other)
    perform(claim, action, actor=user("senior"), **data)


def test_verifier_cannot_reject_a_claim_they_verified(world):
    claim = make_claim(S.verified)
    verifier = claim.verified_by
    verifier.role = Role.approver
    db.session.flush()
    with pytest.raises(DutiesNotSeparated):
        perform(claim, "reject", actor=verifier, reason="other", comment="changed my mind")


def test_first_approver_cannot_give_the_second_approval(world):
    claim = make_claim(S.verified)
    act(claim, "approve", "senior")
    assert claim.status == S.awaiting_second_approval
    with pytest.raises(DutiesNotSeparated):
        act(claim, "approve", "senior")
    assert claim.status == S.awaiting_second_approval


# --- guards and required data ---------------------------------------------------------------

def test_livestock_claim_without_photo_cannot_be_submitted(world):
    claim = make_claim("draft", photo=False)
    with pytest.raises(TransitionRefused) as refused:
        act(claim, "submit")
    assert "evidence" in refused.value.errors
    assert claim.status == S.draft


def test_crop_only_claim_can_be_submitted_without_photo(world):
    body = claim_body(losses=[{"kind": "crop", "category": "maize", "condition": "damaged",
                               "quantity": "3.5", "unit": "mu"}])
    claim = make_claim("draft", photo=False, body=body)
    act(claim, "submit")
    assert claim.status == S.submitted


@pytest.mark.parametrize(("status", "action"), [
    (S.under_verification, "return"), (S.under_verification, "propose_rejection"),
    (S.verified, "reject"), (S.verified, "send_back"), (S.submitted, "withdraw"),
    (S.rejected, "appeal"),
])
def test_action_without_a_comment_is_refused(world, status, action):
    claim = make_claim(status)
    with pytest.raises(TransitionRefused) as refused:
        act(claim, action, comment="   ")
    assert "comment" in refused.value.errors
    assert claim.status == status


@pytest.mark.parametrize(("status", "action"), [
    (S.verified, "reject"), (S.under_verification, "propose_rejection"),
])
def test_rejection_with_an_unknown_reason_is_refused(world, status, action):
    claim = make_claim(status)
    with pytest.raises(TransitionRefused) as refused:
        act(claim, action, reason="bad_luck")
    assert "reason" in refused.value.errors
    assert claim.status == status


def test_rejection_records_its_reason(world):
    claim = make_claim(S.verified)
    act(claim, "reject", reason="fraud_suspected")
    assert claim.reason == "fraud_suspected"
    assert claim.decided_at is not None


def test_stale_version_is_refused(world):
    claim = make_claim(S.draft)
    loaded_version = claim.version
    act(claim, "submit")
    with pytest.raises(StaleClaim):
        act(claim, "withdraw", version=loaded_version)
    assert claim.status == S.submitted


def test_current_version_is_accepted(world):
    claim = make_claim(S.draft)
    act(claim, "submit", version=claim.version)
    assert claim.status == S.submitted


# --- verification and pricing ---------------------------------------------------------------

def test_verify_computes_the_assessed_total_from_the_schedule(world):
    claim = make_claim(S.under_verification)
    act(claim, "verify")
    assert claim.assessed_total == Decimal("13575.00")
    assert claim.currency == "CNY"


def test_verify_copies_rate_and_amount_onto_each_item(world):
    claim = make_claim(S.under_verification)
    act(claim, "verify")
    cattle, maize = claim.items
    assert (cattle.rate_basis, cattle.rate_value, cattle.rate_unit, cattle.amount) == \
        ("per_unit", Decimal("6000"), "head", Decimal("12000.00"))
    assert (maize.rate_basis, maize.rate_value, maize.rate_unit, maize.amount) == \
        ("per_unit", Decimal("450"), "mu", Decimal("1575.00"))


def test_verify_copies_the_schedule_in_force_onto_the_claim(world):
    claim = make_claim(S.under_verification)
    in_force = claim_schedule(claim)
    act(claim, "verify")
    assert in_force is not None
    assert claim.rate_schedule_id == in_force.id


def test_verify_uses_assessed_quantities(world):
    claim = make_claim(S.under_verification)
    act(claim, "verify", assessed=[{"index": 0, "quantity": "1"}])
    assert claim.items[0].assessed_quantity == Decimal("1")
    assert claim.assessed_total == Decimal("7575.00")


def test_later_schedule_does_not_change_a_verified_claim(world):
    claim = make_claim(S.verified)
    newer = import_rates(region_code="CN-JL-HC-CH-CM", effective_from=local_date(
        claim.occurred_at), text="kind,category,condition,unit,basis,rate,cap,currency\n"
        "livestock,cattle,dead,head,per_unit,9000,,CNY\ncrop,maize,,mu,per_unit,900,,CNY\n")
    db.session.expire_all()
    assert claim_schedule(claim).id == newer.id
    assert claim.assessed_total == Decimal("13575.00")
    assert [item.amount for item in claim.items] == [Decimal("12000.00"), Decimal("1575.00")]
    act(claim, "approve")
    act(claim, "approve", "senior")
    assert claim.approved_total == Decimal("13575.00")
    assert claim.rate_schedule_id != newer.id


def test_claim_verified_after_a_new_schedule_is_priced_with_it(world):
    claim = make_claim(S.under_verification)
    newer = import_rates(region_code="CN-JL-HC-CH-CM", effective_from=local_date(
        claim.occurred_at), text="kind,category,condition,unit,basis,rate,cap,currency\n"
        "livestock,cattle,dead,head,per_unit,9000,,CNY\ncrop,maize,,mu,per_unit,900,,CNY\n")
    act(claim, "verify")
    assert claim.assessed_total == Decimal("21150.00")
    assert claim.rate_schedule_id == newer.id


def test_verify_is_refused_for_an_item_without_a_rate(world):
    body = claim_body()
    # Farmed deer: in the vocabulary, but Hunchun's 2026 schedule has no rate for them.
    body["losses"].append({"kind": "livestock", "category": "deer", "condition": "dead",
                           "quantity": "1", "unit": "head"})
    claim = make_claim("under_verification", body=body)
    with pytest.raises(TransitionRefused) as refused:
        act(claim, "verify")
    assert list(refused.value.errors) == ["losses[2]"]
    assert claim.status == S.under_verification


# --- approval -------------------------------------------------------------------------------

def test_approval_above_the_threshold_awaits_a_second_approval(world):
    claim = make_claim(S.verified)
    act(claim, "approve")
    assert claim.status == S.awaiting_second_approval
    assert claim.approved_at is None


def test_non_senior_approver_cannot_give_the_second_approval(world):
    claim = make_claim(S.verified)
    act(claim, "approve", "senior")
    with pytest.raises(RoleNotAllowed) as refused:
        act(claim, "approve", "approver")
    assert not isinstance(refused.value, DutiesNotSeparated)
    assert claim.status == S.awaiting_second_approval


def test_senior_approver_gives_the_second_approval(world):
    claim = make_claim(S.awaiting_second_approval)
    act(claim, "approve", "senior")
    assert claim.status == S.approved
    assert claim.approved_total == Decimal("13575.00")
    assert (claim.approved_by.username, claim.second_approved_by.username) == \
        ("approver", "senior")
    assert claim.approved_at is not None


def test_approval_below_the_threshold_is_final(world):
    set_region_setting("CN", "second_approval_above", 100000)
    claim = make_claim(S.verified)
    act(claim, "approve")
    assert claim.status == S.approved
    assert claim.approved_total == Decimal("13575.00")
    assert claim.second_approved_by_id is None


def test_approval_exactly_at_the_threshold_is_final(world):
    set_region_setting("CN", "second_approval_above", "13575.00")
    claim = make_claim(S.verified)
    act(claim, "approve")
    assert claim.status == S.approved


def test_rejected_claim_carries_no_approved_amount(world):
    claim = make_claim(S.awaiting_second_approval)
    act(claim, "reject", "senior")
    assert claim.status == S.rejected
    assert claim.approved_total is None


def test_sending_back_clears_the_first_approval(world):
    claim = make_claim(S.awaiting_second_approval)
    act(claim, "send_back", "senior")
    assert claim.status == S.under_verification
    assert (claim.approved_by_id, claim.approved_total) == (None, None)


# --- events and signal ----------------------------------------------------------------------

def test_every_transition_appends_exactly_one_event(world):
    claim = make_claim(S.draft)
    before = events_of(claim)
    act(claim, "submit")
    after = events_of(claim)
    assert after[:-1] == before and len(after) == len(before) + 1
    event = after[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_role,
            event.actor_id) == ("submit", "draft", "submitted", "village_officer",
                                user("officer").id)


def test_event_records_the_changed_decision_values(world):
    claim = make_claim(S.under_verification)
    act(claim, "verify")
    event = events_of(claim)[-1]
    assert event.actor_role == "verifier"
    assert event.changes["assessed_total"] == {"from": None, "to": "13575.00"}


def test_transition_sends_the_claim_transitioned_signal(world):
    claim = make_claim(S.draft)
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs))

    with claim_transitioned.connected_to(receiver):
        act(claim, "submit")
    assert len(received) == 1
    sender, kwargs = received[0]
    assert sender is claim
    assert kwargs["action"] == "submit"
    assert kwargs["actor"] == user("officer")
    assert (kwargs["from_status"], kwargs["to_status"]) == (S.draft, S.submitted)
    assert kwargs["event"] == events_of(claim)[-1]


def test_refused_transition_sends_no_signal(world):
    claim = make_claim(S.draft)
    received = []
    with claim_transitioned.connected_to(lambda sender, **kw: received.append(sender)), \
            pytest.raises(InvalidTransition):
        act(claim, "verify")
    assert received == []


# --- deadlines ------------------------------------------------------------------------------

def test_submission_sets_the_inspection_due_time_at_the_end_of_a_local_day(world):
    set_region_setting("CN", "inspect_within_days", 3)
    claim = make_claim(S.submitted)
    db.session.expire_all()
    shanghai = ZoneInfo("Asia/Shanghai")
    last_day = claim.submitted_at.astimezone(shanghai).date() + timedelta(days=3)
    assert claim.due_at == datetime.combine(last_day + timedelta(days=1), time(), shanghai)


def test_claim_reported_long_after_the_incident_is_flagged_late(world):
    occurred = (utcnow() - timedelta(days=5)).replace(microsecond=0)
    claim = make_claim("draft", body=claim_body(incident=incident(
        occurred_at=occurred.isoformat())))
    assert "late_report" in flag_codes(claim)


def test_claim_reported_in_time_is_not_flagged_late(world):
    claim = make_claim("draft")
    assert "late_report" not in flag_codes(claim)


def test_claim_past_its_due_time_is_overdue(world):
    claim = make_claim(S.submitted)
    assert not is_overdue(claim, now=claim.due_at - timedelta(minutes=1))
    assert is_overdue(claim, now=claim.due_at + timedelta(minutes=1))


def test_overdue_queue_holds_only_claims_past_their_due_time(world):
    late = make_claim(S.submitted)
    make_claim(S.submitted)
    late.due_at = utcnow() - timedelta(hours=1)
    db.session.flush()
    overdue = db.session.scalars(queue_query(user("verifier"), QueueFilters(overdue=True)))
    assert list(overdue) == [late]


def test_decided_claim_waits_on_nothing(world):
    claim = make_claim(S.rejected)
    assert claim.due_at is None


# --- allowed actions ------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "username", "expected"), [
    (S.draft, "officer", {"submit", "withdraw"}),
    (S.draft, "auditor", set()),
    (S.submitted, "verifier", {"start_verification"}),
    (S.submitted, "officer", {"withdraw"}),
    (S.submitted, "ru_verifier", set()),
    (S.under_verification, "verifier", {"return", "verify", "propose_rejection"}),
    (S.verified, "verifier", set()),
    (S.verified, "approver", {"approve", "reject", "send_back"}),
    (S.awaiting_second_approval, "approver", set()),
    (S.awaiting_second_approval, "senior", {"approve", "reject", "send_back"}),
    (S.rejected, "officer", {"appeal"}),
    (S.approved, "officer", set()),
    (S.approved, "admin", set()),
])
def test_allowed_actions_lists_exactly_the_permitted_actions(world, status, username,
                                                             expected):
    claim = make_claim(status)
    assert set(allowed_actions(claim, user(username))) == expected


# --- flags ----------------------------------------------------------------------------------

def test_same_claimant_and_species_within_the_window_is_a_possible_duplicate(world):
    first = make_claim("submitted")
    second = make_claim("draft")
    flags = {flag.code: flag for flag in claim_flags(second, viewer=user("verifier"))}
    assert "duplicate_incident" in flags
    assert first.display_code in flags["duplicate_incident"].detail


def test_same_claimant_with_another_species_is_not_a_duplicate(world):
    make_claim("submitted")
    second = make_claim("draft", body=claim_body(incident=incident(species="wild_boar")))
    assert "duplicate_incident" not in flag_codes(second)


def test_photo_used_on_two_claims_is_flagged(world):
    first = make_claim("draft", photo=False)
    add_evidence(first, jpeg_bytes((10, 20, 30)), actor=user("officer"))
    second = make_claim("draft", photo=False, body=claim_body(claimant=claimant(
        name="李四", phone="+8613800000002", id_number="222401197001015678")))
    add_evidence(second, jpeg_bytes((10, 20, 30)), actor=user("officer"))
    assert "reused_photo" in flag_codes(second)


def test_different_photos_are_not_flagged(world):
    first = make_claim("draft", photo=False)
    add_evidence(first, jpeg_bytes((10, 20, 30)), actor=user("officer"))
    second = make_claim("draft", photo=False)
    add_evidence(second, jpeg_bytes((200, 20, 30)), actor=user("officer"))
    assert "reused_photo" not in flag_codes(second)


def test_identity_number_of_another_claimant_is_flagged(world):
    first = make_claim("draft")
    second = make_claim("draft", body=claim_body(claimant=claimant(
        name="李四", phone="+8613800000002")))
    assert second.claimant_id != first.claimant_id
    assert "shared_id_number" in flag_codes(second)


def test_own_identity_number_is_not_flagged(world):
    make_claim("draft", body=claim_body(claimant=claimant(
        name="李四", phone="+8613800000002", id_number="222401197001015678")))
    second = make_claim("draft")
    assert "shared_id_number" not in flag_codes(second)


def test_item_without_a_rate_is_flagged(world):
    body = claim_body()
    # Farmed deer: in the vocabulary, but Hunchun's 2026 schedule has no rate for them.
    body["losses"].append({"kind": "livestock", "category": "deer", "condition": "dead",
                           "quantity": "1", "unit": "head"})
    claim = make_claim("draft", body=body)
    flags = {flag.code: flag for flag in claim_flags(claim, viewer=user("verifier"))}
    assert "no_rate" in flags
    assert "3" in flags["no_rate"].detail


def test_claim_with_rates_for_every_item_is_not_flagged(world):
    claim = make_claim("draft")
    assert "no_rate" not in flag_codes(claim)


# --- filing ---------------------------------------------------------------------------------

def test_same_client_uuid_twice_returns_the_first_claim(world):
    officer = user("officer")
    body = claim_body()
    first, created_first = create_claim(parse_claim_input(body, officer), actor=officer)
    again, created_again = create_claim(parse_claim_input(body, officer), actor=officer)
    assert (created_first, created_again) == (True, False)
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Claim.id))) == 1
    assert [e.action for e in events_of(first)] == ["create"]


def test_bad_body_lists_every_bad_field_at_once(world):
    body = claim_body(
        village="RU-PRI-KHS-SL",
        claimant=claimant(phone="12345"),
        incident=incident(occurred_at=(utcnow() + timedelta(days=2)).isoformat(),
                          species="dragon"),
        losses=[{"kind": "livestock", "category": "cattle", "condition": "dead",
                 "quantity": "2", "unit": "mu"},
                {"kind": "livestock", "category": "sheep", "condition": "dead",
                 "quantity": "1.5", "unit": "head"}])
    with pytest.raises(ClaimValidationError) as invalid:
        parse_claim_input(body, user("officer"))
    assert set(invalid.value.errors) == {
        "village", "claimant.phone", "incident.occurred_at", "incident.species",
        "losses[0].unit", "losses[1].quantity"}


@pytest.mark.parametrize(("field", "overrides"), [
    ("claimant.phone", {"claimant": claimant(phone="12345")}),
    ("incident.occurred_at",
     {"incident": incident(occurred_at=(utcnow() + timedelta(days=2)).isoformat())}),
    ("incident.occurred_at", {"incident": incident(occurred_at="2026-11-20T06:30:00")}),
    ("incident.species", {"incident": incident(species="dragon")}),
    ("losses[0].unit", {"losses": [{"kind": "livestock", "category": "cattle",
                                    "condition": "dead", "quantity": "2", "unit": "mu"}]}),
    ("losses[0].quantity", {"losses": [{"kind": "livestock", "category": "cattle",
                                        "condition": "dead", "quantity": "1.5",
                                        "unit": "head"}]}),
    ("village", {"village": "RU-PRI-KHS-SL"}),
    ("village", {"village": "CN-JL-HC-MD-MD"}),
], ids=["bad-phone", "future-date", "naive-datetime", "unknown-species", "livestock-in-mu",
        "fractional-head", "other-country", "other-township"])
def test_bad_field_is_named_in_the_validation_error(world, field, overrides):
    with pytest.raises(ClaimValidationError) as invalid:
        parse_claim_input(claim_body(**overrides), user("officer"))
    assert set(invalid.value.errors) == {field}


# --- evidence -------------------------------------------------------------------------------

def photo_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (120, 90, 40))
    exif = image.getexif()
    exif.get_ifd(0x8825).update({1: "N", 2: (43, 7, 12.5), 3: "E", 4: (130, 59, 15.0)})
    exif.get_ifd(0x8769)[36867] = "2026:11:20 06:30:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_evidence_reads_capture_time_from_exif(world, app):
    claim = make_claim("draft", photo=False)
    evidence = add_evidence(claim, photo_with_exif(), actor=user("officer"))
    zone = ZoneInfo("Asia/Shanghai")  # the village's
    assert evidence.captured_at == datetime(2026, 11, 20, 6, 30, tzinfo=zone)


def test_evidence_reads_gps_from_exif(world):
    claim = make_claim("draft", photo=False)
    evidence = add_evidence(claim, photo_with_exif(), actor=user("officer"))
    assert (evidence.lat, evidence.lon) == (Decimal("43.120139"), Decimal("130.987500"))


def test_stored_evidence_is_a_reencoded_jpeg_without_exif(world):
    claim = make_claim("draft", photo=False)
    data = photo_with_exif()
    evidence = add_evidence(claim, data, actor=user("officer"))
    stored = evidence_path(evidence).read_bytes()
    assert stored != data
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        exif = image.getexif()
        assert not exif.get_ifd(0x8825)
        assert 36867 not in exif.get_ifd(0x8769)


def test_text_file_named_jpg_is_rejected(world):
    claim = make_claim("draft", photo=False)
    with pytest.raises(EvidenceRejected):
        add_evidence(claim, b"this is not a photo at all\n" * 10, actor=user("officer"),
                     original_name="cow.jpg")
    assert claim.evidence == []


def test_png_photo_is_accepted_and_stored_as_jpeg(world):
    claim = make_claim("draft", photo=False)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 128, 0)).save(out, "PNG")
    evidence = add_evidence(claim, out.getvalue(), actor=user("officer"),
                            original_name="field.png")
    assert evidence.content_type == "image/jpeg"
    assert (evidence.width, evidence.height) == (40, 30)
    with Image.open(evidence_path(evidence)) as image:
        assert image.format == "JPEG"


def test_oversize_upload_is_rejected(world):
    smallest = SETTINGS["max_upload_bytes"].minimum
    set_setting("max_upload_bytes", smallest)
    claim = make_claim("draft", photo=False)
    data = jpeg_bytes(size=(400, 300)) + b"\0" * smallest
    assert len(data) > smallest
    with pytest.raises(EvidenceRejected):
        add_evidence(claim, data, actor=user("officer"))
    assert db.session.scalar(select(func.count(Evidence.id))) == 0


def test_auditor_may_not_add_evidence(world):
    claim = make_claim("draft", photo=False)
    with pytest.raises(EvidenceNotAllowed):
        add_evidence(claim, jpeg_bytes(), actor=user("auditor"))


def test_verifier_adds_evidence_during_the_site_inspection(world):
    claim = make_claim(S.under_verification)
    evidence = add_evidence(claim, jpeg_bytes((1, 2, 3)), actor=user("verifier"))
    assert evidence.uploaded_by == user("verifier")


def test_officer_may_not_add_evidence_once_submitted(world):
    claim = make_claim(S.submitted)
    with pytest.raises(EvidenceNotAllowed):
        add_evidence(claim, jpeg_bytes((1, 2, 3)), actor=user("officer"))

