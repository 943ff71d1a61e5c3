"""Properties of the workflow under random use: any demo user tries any action on any claim, in
both countries, and the table, segregation of duties, scope, amounts and the audit chain hold
after every step."""

import uuid
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select

from hwc.accounts.models import Role, User
from hwc.audit.models import AuditEvent
from hwc.audit.trail import verify_chain
from hwc.claims.evidence import add_evidence
from hwc.claims.models import Claim
from hwc.claims.models import ClaimStatus as S
from hwc.claims.operations import create_claim
from hwc.claims.validation import parse_claim_input
from hwc.core.db import utcnow
from hwc.core.settings import Setting
from hwc.demo.world import DEFAULT_PASSWORD, USERS, load_demo
from hwc.extensions import db
from hwc.regions.settings import RegionSetting
from hwc.workflow import rules
from hwc.workflow.errors import WorkflowError
from hwc.workflow.service import allowed_actions, perform
from tests.factories import import_rates, jpeg_bytes, set_region_setting

CN_RATES = """kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,6000,,CNY
livestock,sheep,,head,per_unit,800,,CNY
livestock,pig,,head,percent_of_value,80,1500,CNY
crop,maize,,mu,per_unit,450,,CNY
"""
RU_RATES = """kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,60000,,RUB
livestock,sheep,,head,per_unit,9000,,RUB
livestock,pig,,head,percent_of_value,80,20000,RUB
crop,maize,,ha,per_unit,40000,,RUB
"""
RATES_FROM = date(2026, 6, 1)

USERNAMES = [username for username, *_ in USERS]
SIDES = {
    "officer": {"villages": ["CN-JL-HC-CH-CM", "CN-JL-HC-CH-DA", "CN-JL-HC-CH-CC"],
                "phone": "+86138000000{:02d}", "language": "zh_Hans", "area": "mu"},
    "ru_officer": {"villages": ["RU-PRI-KHS-SL", "RU-PRI-KHS-KR"],
                   "phone": "+792412345{:02d}", "language": "ru", "area": "ha"},
}
FORWARD = {"submit", "start_verification", "resubmit", "verify", "approve", "appeal"}
CLAIM_TABLES = {"claims", "claimants", "workflow_events", "audit_head"}


def tables_to_empty():
    """Every table that holds claims or refers to them, children first."""
    wanted = set(CLAIM_TABLES)
    grew = True
    while grew:
        grew = False
        for table in db.metadata.sorted_tables:
            if table.name not in wanted and any(
                    fk.column.table.name in wanted for fk in table.foreign_keys):
                wanted.add(table.name)
                grew = True
    return [table for table in reversed(db.metadata.sorted_tables) if table.name in wanted]


def loss(kind: str, area_unit: str):
    """A strategy for one loss in the API's shape (``horse`` has no rate in these schedules)."""
    heads = st.integers(1, 4).map(str)
    if kind == "crop":
        return st.fixed_dictionaries({
            "kind": st.just("crop"), "category": st.just("maize"),
            "condition": st.just("damaged"), "unit": st.just(area_unit),
            "quantity": st.sampled_from(["0.5", "1", "3.5", "12"])})
    return st.fixed_dictionaries({
        "kind": st.just("livestock"), "category": st.sampled_from(["cattle", "sheep", "horse"]),
        "condition": st.just("dead"), "unit": st.just("head"), "quantity": heads,
        "claimed_value": st.sampled_from(["0", "800.00", "14000.00"])})


def losses(area_unit: str):
    return st.lists(st.one_of(loss("livestock", area_unit), loss("crop", area_unit)),
                    min_size=1, max_size=3)


assessments = st.one_of(
    st.none(),
    st.lists(st.fixed_dictionaries({
        "index": st.integers(0, 3),
        "quantity": st.sampled_from(["0", "1", "2.5", "-1"]),
    }, optional={"unit_value": st.sampled_from(["1000", "0"])}), max_size=3),
)


class WorkflowMachine(RuleBasedStateMachine):
    """Runs inside one application context on the demo world."""

    claims = Bundle("claims")

    @initialize(target=claims, data=st.data())
    def file_a_claim_on_each_side(self, data):
        return multiple(*(self.new_claim(officer, data) for officer in sorted(SIDES)))

    @rule(target=claims, officer=st.sampled_from(sorted(SIDES)), data=st.data())
    def file_claim(self, officer, data):
        if User.by_username(officer).role != Role.village_officer:
            return multiple()  # recast: only village officers file claims
        return self.new_claim(officer, data)

    def new_claim(self, officer: str, data) -> int:
        side = SIDES[officer]
        actor = User.by_username(officer)
        hours_ago = data.draw(st.sampled_from([2, 30, 200]), label="hours_ago")
        body = {
            "client_uuid": str(uuid.uuid4()),
            "village": data.draw(st.sampled_from(side["villages"]), label="village"),
            "claimant": {"name": data.draw(st.sampled_from(["Ли", "Ким", "王"])),
                         "phone": side["phone"].format(data.draw(st.integers(1, 3))),
                         "language": side["language"], "id_number": "ID12345678"},
            "incident": {"occurred_at": (utcnow() - timedelta(hours=hours_ago)).isoformat(),
                         "species": data.draw(st.sampled_from(
                             ["amur_tiger", "amur_leopard", "wild_boar"]))},
            "losses": data.draw(losses(side["area"]), label="losses"),
        }
        claim, created = create_claim(parse_claim_input(body, actor), actor=actor)
        assert created
        if data.draw(st.integers(0, 3), label="photo unless 0") > 0:
            add_evidence(claim, jpeg_bytes((hours_ago, len(body["losses"]), 7)), actor=actor)
        return claim.id

    @rule(claim_id=claims, action=st.sampled_from(rules.ACTIONS),
          username=st.sampled_from(USERNAMES),
          comment=st.sampled_from(["", "checked on site"]),
          reason=st.sampled_from(["duplicate", "other", "no_such_reason"]),
          assessed=assessments, stale=st.booleans())
    def take_any_action(self, claim_id, action, username, comment, reason, assessed, stale):
        self.attempt(claim_id, action, username, comment=comment, reason=reason,
                     assessed=assessed, stale=stale)

    @rule(claim_id=claims, steps=st.integers(1, 6), data=st.data())
    def take_actions_the_pages_offer(self, claim_id, steps, data):
        """Steps in a row on one claim, chosen among those ``allowed_actions`` offers and
        mostly forward, so that claims get far along the workflow."""
        for _ in range(steps):
            claim = db.session.get(Claim, claim_id)
            offered = [(action, name) for name in USERNAMES
                       for action in allowed_actions(claim, User.by_username(name))]
            if not offered:
                return
            forward = [pair for pair in offered if pair[0] in FORWARD]
            prefer_forward = data.draw(st.integers(0, 3), label="forward unless 0") > 0
            action, username = data.draw(st.sampled_from(
                forward if forward and prefer_forward else offered), label="action, user")
            self.attempt(claim_id, action, username, comment="checked on site",
                         reason=data.draw(st.sampled_from(["duplicate", "not_eligible"])),
                         assessed=None, stale=False)

    def attempt(self, claim_id, action, username, *, comment, reason, assessed, stale):
        claim = db.session.get(Claim, claim_id)
        actor = User.by_username(username)
        from_status, role, version = claim.status, actor.role, claim.version
        events_before = self.event_count()
        try:
            with db.session.begin_nested():  # a refused step leaves nothing behind
                perform(claim, action, actor=actor, version=version - 1 if stale else version,
                        comment=comment, reason=reason, assessed=assessed,
                        findings="tracks")
        except WorkflowError:
            assert self.event_count() == events_before
            return
        assert not stale, "a stale version was accepted"
        matching = [t for t in rules.TRANSITIONS if t.action == action
                    and from_status in t.sources and role in t.roles]
        assert len(matching) == 1, (action, from_status, role)
        assert claim.status in {matching[0].target, *matching[0].other_targets}
        assert actor.can_see_region(claim.village)
        assert self.event_count() == events_before + 1
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert (event.claim_id, event.action, event.from_status, event.to_status,
                event.actor_id, event.actor_role) == (claim.id, action, str(from_status),
                                                      str(claim.status), actor.id, str(role))

    @rule(claim_id=claims, data=st.data())
    def recast_someone_who_acted_on_a_claim(self, claim_id, data):
        """Give the filer, verifier or first approver of a claim the role of the claim's next
        step (each user has one role), so that the same person meets the claim again."""
        claim = db.session.get(Claim, claim_id)
        earlier = [claim.filed_by, claim.verified_by, claim.approved_by]
        next_step = {
            S.submitted: (Role.verifier, False, earlier[:1]),
            S.under_verification: (Role.verifier, False, earlier[:1]),
            S.verified: (Role.approver, False, earlier[:2]),
            S.awaiting_second_approval: (Role.approver, True, earlier),
        }
        if claim.status not in next_step:
            return
        role, senior, people = next_step[claim.status]
        person = data.draw(st.sampled_from([p for p in people if p is not None]),
                           label="recast")
        person.role, person.senior = role, senior
        db.session.flush()

    @rule(amount=st.sampled_from([0, 10000, 100000, 10_000_000]))
    def change_second_approval_threshold(self, amount):
        set_region_setting("CN", "second_approval_above", amount)

    def event_count(self) -> int:
        return db.session.scalar(select(func.count(AuditEvent.id)))

    def all_claims(self) -> list[Claim]:
        return list(db.session.scalars(select(Claim)))

    @invariant()
    def every_status_is_reachable(self):
        reachable = rules.reachable_statuses()
        for claim in self.all_claims():
            assert claim.status in reachable

    @invariant()
    def duties_are_separated(self):
        for claim in self.all_claims():
            assert claim.filed_by_id != claim.verified_by_id
            if claim.verified_by_id is not None:
                assert claim.verified_by_id not in {claim.approved_by_id,
                                                    claim.second_approved_by_id}
            if claim.approved_by_id is not None and claim.second_approved_by_id is not None:
                assert claim.approved_by_id != claim.second_approved_by_id

    @invariant()
    def nobody_does_two_duties_on_one_claim_in_any_round(self):
        duties: dict[tuple[int, int], set[str]] = {}
        for claim_id, actor_id, action in db.session.execute(select(
                AuditEvent.claim_id, AuditEvent.actor_id, AuditEvent.action).where(
                AuditEvent.claim_id.is_not(None), AuditEvent.actor_id.is_not(None))):
            if action in rules.DUTY_OF_EVENT:
                duties.setdefault((claim_id, actor_id), set()).add(rules.DUTY_OF_EVENT[action])
        assert all(len(done) == 1 for done in duties.values()), duties

    @invariant()
    def every_actor_acted_in_their_area(self):
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.claim_id.is_not(None), AuditEvent.actor_id.is_not(None)))
        for event in events:
            assert event.actor.can_see_region(db.session.get(Claim, event.claim_id).village)

    @invariant()
    def amounts_are_never_negative(self):
        for claim in self.all_claims():
            assert claim.claimed_total >= 0
            for total in (claim.assessed_total, claim.approved_total):
                assert total is None or total >= 0
            for item in claim.items:
                assert item.amount is None or item.amount >= 0
                assert item.assessed_quantity is None or item.assessed_quantity >= 0

    @invariant()
    def audit_chain_is_intact(self):
        report = verify_chain()
        assert report.ok, report.problem

    def teardown(self):
        db.session.rollback()
        for table in tables_to_empty():
            db.session.execute(delete(table))
        db.session.execute(delete(Setting))
        db.session.execute(delete(RegionSetting))
        load_demo(DEFAULT_PASSWORD)  # gives back the roles that recast_user changed
        db.session.commit()


def test_workflow_keeps_its_invariants_under_random_use(app, demo):
    with app.app_context():
        import_rates("CN-JL-HC", text=CN_RATES, effective_from=RATES_FROM)
        import_rates("RU-PRI-KHS", text=RU_RATES, effective_from=RATES_FROM)
        db.session.commit()
        run_state_machine_as_test(WorkflowMachine, settings=settings(
            max_examples=25, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture,
                                   HealthCheck.too_slow]))


def test_rates_of_this_module_price_claims_in_both_currencies(app, demo):
    """The schedules the machine imports are the ones in force (else it would test nothing)."""
    from hwc.claims.pricing import claim_schedule
    from tests.factories import claim_body, make_claim

    with app.app_context():
        import_rates("CN-JL-HC", text=CN_RATES, effective_from=RATES_FROM)
        import_rates("RU-PRI-KHS", text=RU_RATES, effective_from=RATES_FROM)
        cn = make_claim("draft")
        ru = make_claim("draft", officer="ru_officer", body=claim_body(
            village="RU-PRI-KHS-SL", claimant={"name": "Ли", "phone": "+79241234501",
                                               "language": "ru"}))
        assert (claim_schedule(cn).currency, claim_schedule(ru).currency) == ("CNY", "RUB")
        assert claim_schedule(cn).effective_from == RATES_FROM
        db.session.rollback()


