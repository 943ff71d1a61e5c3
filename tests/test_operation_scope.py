"""Every public function of the claims, evidence, filing, flags and workflow operations, and of
the administrators' accounts, regions and rate schedules, refuses an actor from another
jurisdiction by itself, so no caller can forget (issue 8: "every operation checks scope itself";
issue 9: administrators have a scope). A new public function without an entry here fails the
test."""

import inspect
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from hwc.accounts import operations as accounts
from hwc.accounts.models import LoginSession, User
from hwc.audit.models import AuditEvent
from hwc.claims import evidence, filing, flags, operations
from hwc.claims.models import Claim, FilingDraft
from hwc.claims.validation import ClaimantInput, ClaimInput, parse_claim_input
from hwc.extensions import db
from hwc.payments import bankfile, budgets, confirmations, runs
from hwc.payments.models import Budget, BudgetTopUp, Confirmation
from hwc.rates import importer
from hwc.rates import service as rates
from hwc.rates.models import RateSchedule
from hwc.regions import operations as regions
from hwc.regions.models import Region
from hwc.vouchers import interest
from hwc.workflow import service
from hwc.workflow.errors import ClaimNotFound
from hwc.workflow.rules import ACTIONS, BATCH_APPROVE, CLAIM_ACTIONS, VIEW
from tests.factories import claim_body, import_rates, jpeg_bytes, make_claim
from tests.test_access_matrix import empty_run

MODULES = (operations, evidence, filing, flags, service)
# The administrators' operations, named by their feature (their module names would clash).
NAMED_MODULES = {"accounts": accounts, "regions": regions, "rates": rates, "importer": importer,
                 "interest": interest, "confirmations": confirmations, "bankfile": bankfile,
                 "runs": runs, "budgets": budgets}
ACTIONS_OF_CAN = (*ACTIONS, *CLAIM_ACTIONS, VIEW, BATCH_APPROVE)
NOT_FOUND = (ClaimNotFound,)


class World:
    """A Hunchun claim in each state the operations need, and the Russian users who probe it."""

    def __init__(self):
        self.schedule = import_rates()
        self.officer = User.by_username("officer")
        self.region = Region.by_code("CN-JL-HC")
        self.draft = make_claim("draft")
        self.checking = make_claim("under_verification")
        self.filing = filing.filing_for_claim(self.draft, User.by_username("officer"))
        self.photo = self.draft.evidence[0]
        self.village = self.draft.village
        self.run = hunchun_run(self)
        finance = User.by_username("finance")
        self.budget = budgets.create_budget(actor=finance, region_code="CN-JL-HC", year=2025,
                                            fund="Fund")
        self.top_up = budgets.top_up(self.budget, actor=finance, amount="100",
                                     document_reference="R-1", document=jpeg_bytes())

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
    "operations.claimant_in_area": ("ru_officer", lambda w, a: operations.claimant_in_area(
        w.draft.claimant_id, actor=a), NOT_FOUND),
    "operations.claimants_like": ("ru_officer", lambda w, a: operations.claimants_like(
        ClaimantInput("Иван", w.draft.claimant.phone, "ru", w.draft.claimant.id_number),
        actor=a), lambda result: result == []),
    "operations.find_or_add_claimant": ("ru_officer", lambda w, a:
                                        operations.find_or_add_claimant(
                                            claimant(), w.village, actor=a), NOT_FOUND),
    "operations.update_claim": ("ru_officer", lambda w, a: operations.update_claim(
        w.draft, ClaimInput(None, w.village, None, None, parse_claim_input(
            claim_body(), w.user("officer")).losses[:1]), actor=a), NOT_FOUND),
    "evidence.add_evidence": ("ru_verifier", lambda w, a: evidence.add_evidence(
        w.checking, jpeg_bytes(), actor=a), NOT_FOUND),
    "evidence.delete_evidence": ("ru_officer", lambda w, a: evidence.delete_evidence(
        w.photo, actor=a), NOT_FOUND),
    "evidence.set_caption": ("ru_officer", lambda w, a: evidence.set_caption(
        w.photo, "a cow", actor=a), NOT_FOUND),
    "evidence.may_change_photo": ("ru_officer", lambda w, a: evidence.may_change_photo(
        a, w.photo), lambda result: result is False),
    "evidence.evidence_bytes": ("ru_auditor", lambda w, a: evidence.evidence_bytes(
        w.photo, viewer=a), NOT_FOUND),
    "evidence.may_add_evidence": ("ru_verifier", lambda w, a: evidence.may_add_evidence(
        w.checking, a), lambda result: result is False),
    "filing.check_client_uuid": ("ru_officer", lambda w, a: filing.check_client_uuid(
        w.draft.client_uuid, a), (operations.IdempotencyConflict,)),
    "filing.delete_filing": ("ru_officer", lambda w, a: filing.delete_filing(
        w.filing.client_uuid, actor=a), NOT_FOUND),
    "filing.filing_to_delete": ("ru_officer", lambda w, a: filing.filing_to_delete(
        w.filing.client_uuid, actor=a), NOT_FOUND),
    "filing.may_delete_filing": ("ru_officer", lambda w, a: filing.may_delete_filing(
        a, w.filing), lambda result: result is False),
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
    "flags.page_flags": ("ru_verifier", lambda w, a: flags.page_flags([w.draft], viewer=a),
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

RUB_RATES = ("kind,category,condition,unit,basis,rate,cap,currency\n"
             "livestock,cattle,,head,per_unit,1,,RUB\n")
PROFILE = {"role": "auditor", "senior": False, "language": "ru", "full_name": "x"}

# The administrators' operations, probed by Russia's admin on Hunchun's users, regions and rates.
CALLS.update({
    "accounts.check_manages": ("ru_admin", lambda w, a: accounts.check_manages(a, w.officer),
                               (accounts.UserNotFound,)),
    "accounts.create_user": ("ru_admin", lambda w, a: accounts.create_user(
        "spy", "a-long-password", "auditor", w.region, actor=a), (accounts.InvalidUser,)),
    "accounts.deactivate_user": ("ru_admin", lambda w, a: accounts.deactivate_user(
        w.officer, actor=a), (accounts.UserNotFound,)),
    "accounts.end_user_sessions": ("ru_admin", lambda w, a: accounts.end_user_sessions(
        w.officer, actor=a), (accounts.UserNotFound,)),
    "accounts.get_user": ("ru_admin", lambda w, a: accounts.get_user(w.officer.id, actor=a),
                          (accounts.UserNotFound,)),
    "accounts.may_manage": ("ru_admin", lambda w, a: accounts.may_manage(a, w.officer),
                            lambda result: result is False),
    "accounts.reactivate_user": ("ru_admin", lambda w, a: accounts.reactivate_user(
        w.officer, actor=a), (accounts.UserNotFound,)),
    "accounts.set_password": ("ru_admin", lambda w, a: accounts.set_password(
        w.officer, "a-long-password", actor=a), (accounts.UserNotFound,)),
    "accounts.update_user": ("ru_admin", lambda w, a: accounts.update_user(
        w.officer, region=Region.by_code("RU"), actor=a, **PROFILE), (accounts.UserNotFound,)),
    "accounts.users_in_scope": ("ru_admin", lambda w, a: accounts.users_in_scope(a),
                                lambda result: result and all(u.region for u in result)
                                and not any(u.region.code.startswith("CN") for u in result)),
    "regions.add_region": ("ru_admin", lambda w, a: regions.add_region(
        "SPY", "village", {"en": "x"}, w.region, actor=a), (regions.ParentOutsideScope,)),
    "regions.get_region": ("ru_admin", lambda w, a: regions.get_region(w.region.code, actor=a),
                           (regions.RegionNotFound,)),
    "regions.regions_in_scope": ("ru_admin", lambda w, a: regions.regions_in_scope(a),
                                 lambda result: result and all(
                                     r.code.startswith("RU") for r in result)),
    "regions.update_region": ("ru_admin", lambda w, a: regions.update_region(
        w.region, "county", {"en": "x"}, Region.by_code("RU"), actor=a),
        (regions.RegionNotFound,)),
    "rates.get_schedule": ("ru_admin", lambda w, a: rates.get_schedule(w.schedule.id, actor=a),
                           (rates.ScheduleNotFound,)),
    "rates.schedules_in_scope": ("ru_admin", lambda w, a: rates.schedules_in_scope(a),
                                 lambda result: w_schedules_abroad(result)),
    "runs.budgets_of": ("ru_finance", lambda w, a: (hunchun_run(w), runs.budgets_of(a))[1],
                        lambda result: all(b.region.code.startswith("RU") for b in result)),
    "runs.runs_of": ("ru_finance", lambda w, a: (hunchun_run(w), runs.runs_of(a))[1],
                     lambda result: all(r.region.code.startswith("RU") for r in result)),
    "runs.payable_claims": ("ru_finance", lambda w, a: runs.payable_claims(
        a, hunchun_run(w).budget), (runs.RunNotFound,)),
    "runs.create_run": ("ru_finance", lambda w, a: runs.create_run(
        actor=a, budget_id=hunchun_run(w).budget_id, auto=True), (runs.RunNotFound,)),
    "runs.get_run": ("ru_finance", lambda w, a: runs.get_run(hunchun_run(w).id, a),
                     (runs.RunNotFound,)),
    "runs.cancel_run": ("ru_finance", lambda w, a: runs.cancel_run(hunchun_run(w), actor=a),
                        (runs.RunNotFound,)),
    "importer.import_schedule": ("ru_admin", lambda w, a: importer.import_schedule(
        RUB_RATES, region=w.region, effective_from=date(2024, 1, 1), actor=a),
        (regions.RegionNotFound,)),
    "interest.add_late_interest_rate": ("ru_admin", lambda w, a: interest.add_late_interest_rate(
        w.region, actor=a, effective_from=date(2026, 1, 1), rate=interest.MAX_RATE),
        (regions.RegionNotFound,)),
})



def hunchun_empty_run():
    return empty_run("CN-JL-HC", "finance")


def hunchun_confirmation() -> Confirmation:
    run = hunchun_empty_run()
    confirmation = Confirmation(run_id=run.id, file_name="bank.csv", sha256="0" * 64,
                                created_by_id=run.created_by_id)
    db.session.add(confirmation)
    db.session.flush()
    return confirmation


# The bank's confirmation files, probed by Russia's finance officer on a Hunchun run.
CALLS.update({
    "confirmations.find_run": ("ru_finance", lambda w, a: confirmations.find_run(
        hunchun_empty_run().id, actor=a), (confirmations.RunNotFound,)),
    "confirmations.confirmations_of": ("ru_finance", lambda w, a: confirmations.confirmations_of(
        hunchun_confirmation().run, actor=a), (confirmations.RunNotFound,)),
    "confirmations.get_confirmation": ("ru_finance", lambda w, a:
                                       confirmations.get_confirmation(
                                           hunchun_confirmation().id, actor=a),
                                       (confirmations.ConfirmationNotFound,)),
    "confirmations.import_confirmation": ("ru_finance", lambda w, a:
                                          confirmations.import_confirmation(
                                              hunchun_empty_run(), b"reference,amount\nHC-1,1\n",
                                              "bank.csv", actor=a),
                                          (confirmations.RunNotFound,)),
})

# Budgets, probed by Khasansky's finance officer on Hunchun's budget and claims.
CALLS.update({
    "budgets.budgets_of": ("ru_finance", lambda w, a: budgets.budgets_of(a),
                           lambda result: all(b.region.code.startswith("RU") for b in result)),
    "budgets.get_budget": ("ru_finance", lambda w, a: budgets.get_budget(w.budget.id, a),
                           (budgets.BudgetNotFound,)),
    "budgets.create_budget": ("ru_finance", lambda w, a: budgets.create_budget(
        actor=a, region_code="CN-JL-HC", year=2026, fund="Spy fund"), (budgets.BudgetNotFound,)),
    "budgets.top_up": ("ru_finance", lambda w, a: budgets.top_up(
        w.budget, actor=a, amount="-100", document_reference="X"), (budgets.BudgetNotFound,)),
    "budgets.document_of": ("ru_finance", lambda w, a: budgets.document_of(
        w.budget, w.top_up.id, viewer=a), (budgets.BudgetNotFound,)),
    "budgets.budgets_for_claim": ("ru_finance", lambda w, a: budgets.budgets_for_claim(
        w.draft, a), NOT_FOUND),
    "budgets.issue_voucher_from_budget": ("ru_finance", lambda w, a:
                                          budgets.issue_voucher_from_budget(
                                              w.draft, actor=a, budget_id=w.budget.id),
                                          NOT_FOUND),
    "budgets.unpaid_against_budgets": ("ru_finance", lambda w, a:
                                       budgets.unpaid_against_budgets(a),
                                       lambda result: "CNY" not in result),
})

# Public functions that touch no claim, claimant, evidence or filing of anyone's, and why.
NO_ACTOR = {
    "confirmations.read_lines": "reads the bytes of a file; matches and pays nothing",
    "bankfile.bank_file": "writes the file of a run its caller already holds (the worker, or "
                          "a download that found the run in scope)",
    "bankfile.live_vouchers": "lists the vouchers of a run its caller already holds",
    "service.add_condition": "wiring at start-up: a feature adds a rule to can()",
    "operations.claim_is_open": "a predicate on a claim the caller already holds",
    "operations.default_currency": "reads the village's settings, no personal data",
    "operations.same_name": "compares two strings",
    "operations.snapshot": "formats a claim the caller already holds for the audit trail",
    "evidence.evidence_path": "a path on disk; serving goes through evidence_bytes",
    "evidence.upload_dir": "the upload folder",
    "filing.expire_empty_filings": "the system's housekeeping (flask hwc drafts expire): "
                                   "acts for no user and shows nothing",
    "filing.is_empty_filing": "a predicate on a filing the caller already holds",
    "flags.listed": "formats codes the caller already may see",
    "flags.acknowledged_codes": "reads the audit of a claim the caller already holds",
    "flags.sees_fraud_flags": "a question about the viewer's role, no claim",
    "service.acts_on_claims": "reads the workflow table for the user's role, no claim",
    "service.role_may": "reads the workflow table for the user's role, no claim",
    "service.statuses_waiting_on": "reads the workflow table for the user's role, no claim",
    "service.open_question": "the return comment of a claim the caller already holds",
    "accounts.account_key": "normalises a typed username",
    "accounts.address_key": "normalises a client address",
    "accounts.authenticate": "logging in: there is no actor yet",
    "accounts.check_password_strength": "a predicate on a password",
    "accounts.forget_failed_logins": "part of set_password and reactivate_user, which check",
    "accounts.hash_password": "hashes a password",
    "accounts.lockout_delay": "arithmetic on a count of failures",
    "accounts.set_language": "a user's own preference, on themselves",
    "regions.create_region": "tree primitive for the demo loader; add_region checks the actor",
    "regions.make_path": "formats a path",
    "regions.move_region": "tree primitive; update_region checks the actor",
    "regions.snapshot": "formats a region the caller already holds for the audit trail",
    "regions.upsert_region": "tree primitive for the demo loader; update_region checks",
    "rates.convert_quantity": "arithmetic on units",
    "rates.in_force": "filters schedules the caller already holds",
    "rates.item_amount": "prices a loss with a rate the caller already holds",
    "rates.rate_for": "reads a schedule the caller already holds",
    "rates.schedule_for": "pricing a claim the caller already holds",
    "rates.units_ratio": "arithmetic on units",
    "importer.parse_rows": "parses CSV text; import_schedule checks the actor",
    "filing.filing_village": "the village of a filing the caller already holds",
    "interest.accrue": "arithmetic on an amount, days and rates",
    "interest.day_basis": "arithmetic on a day",
    "interest.expected_amount": "prices a claim the caller already holds",
    "interest.late_days": "the late days of a claim the caller already holds",
    "interest.late_interest": "prices a claim the caller already holds",
    "interest.rate_on": "a region's published rate, no personal data",
    "interest.rate_text": "formats a rate",
    "interest.region_rates": "a region's published rates, no personal data; the settings "
                             "page checks the administrator",
    "runs.expected_amount": "the amount of a claim the caller already holds",
    "runs.progress": "the figures of a run the caller already holds",
    "runs.voucher_numbers": "the voucher numbers of a run the caller already holds",
    "budgets.budget_summary": "sums of a budget the caller already holds",
    "budgets.charge": "charges a voucher the caller already holds to a budget it holds "
                      "(issue_voucher_from_budget and the runs check the actor)",
    "budgets.committed": "a sum of a budget the caller already holds",
    "budgets.documents_dir": "the folder of the top-ups' documents",
    "budgets.funded": "a sum of a budget the caller already holds",
    "budgets.lock_budget": "locks a budget row for its caller's transaction",
    "budgets.max_document_bytes": "reads the deployment's upload limit",
    "budgets.may_change_budgets": "a question about the user's role, no budget",
    "budgets.paid": "a sum of a budget the caller already holds",
    "budgets.remaining": "a sum of a budget the caller already holds",
    "budgets.reserved": "a sum of a budget the caller already holds",
}


def hunchun_run(world):
    """A Hunchun budget and a run paying one approved claim from it."""
    if getattr(world, "run", None) is None:
        finance = User.by_username("finance")
        budget = Budget(region_id=world.region.id, year=2026, fund="scope", currency="CNY",
                        created_by_id=finance.id)
        db.session.add(budget)
        db.session.flush()
        db.session.add(BudgetTopUp(budget_id=budget.id, amount=10_000_000,
                                   document_reference="scope", created_by_id=finance.id))
        world.run = runs.create_run(actor=finance, budget_id=budget.id,
                                    codes=[make_claim("approved").code])
    return world.run


def w_village_absent(villages) -> bool:
    return all(not v.code.startswith("CN-") for v in villages)


def w_schedules_abroad(schedules) -> bool:
    return all(s.region.code.startswith("RU") for s in schedules)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def admin_state(world) -> tuple:
    """What an administrator's operation could change: Hunchun's officer, Hunchun itself, and
    the number of users, regions, schedules, sessions and audit events."""
    officer, region = world.officer, world.region
    return (officer.role, officer.region_id, officer.active, officer.password_hash,
            officer.full_name, region.path, dict(region.names), region.level, count(User),
            count(Region), count(RateSchedule), count(LoginSession), count(AuditEvent))


def public_functions() -> set[str]:
    names = set()
    for module in MODULES:
        short = module.__name__.rsplit(".", 1)[1]
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{short}.{name}")
    for short, module in NAMED_MODULES.items():
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
    admin_before = admin_state(world)
    if isinstance(expected, tuple):
        with pytest.raises(expected):
            call(world, actor)
    else:
        assert expected(call(world, actor)), name
    db.session.expire_all()
    assert before == (world.draft.version, len(world.draft.items), world.draft.claimant.name,
                      db.session.query(FilingDraft).count(), len(world.checking.evidence))
    assert admin_before == admin_state(world)
    assert Region.by_code("CN-JL-HC") is not None
