"""For every status, role (senior or not) and history of who did which duty before, the queue,
the claim page, the API and batch approval give the same answer as ``can``.

Each example files a claim, takes it along a random walk of the steps the table offers (people
are recast to other roles on the way, so that someone meets a claim again in a new role),
optionally gives it a warning and an acknowledgement, then asks every face as a random viewer."""

import re
from itertools import count

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hwc.accounts.models import Role, User
from hwc.audit.models import AuditEvent
from hwc.claims.evidence import add_evidence
from hwc.claims.flags import acknowledge_flags, claim_flags
from hwc.claims.models import Claim
from hwc.claims.operations import create_claim
from hwc.claims.queues import QueueFilters, queue_query
from hwc.claims.validation import parse_claim_input
from hwc.demo.world import DEFAULT_PASSWORD, load_demo
from hwc.extensions import db
from hwc.workflow.rules import ACTION_FIELDS, ACTIONS, TRANSITIONS, find_transition
from hwc.workflow.service import acts_on_claims, can, perform, role_may
from tests.conftest import AuthActions
from tests.factories import claim_body, jpeg_bytes, set_region_setting

ACTORS = ["officer", "verifier", "approver", "senior", "finance", "auditor", "admin", "root"]
VIEWERS = [*ACTORS, "ru_verifier", "ru_approver", "ru_officer"]
ROLES = [(Role.village_officer, False), (Role.verifier, False), (Role.approver, False),
         (Role.approver, True), (Role.finance, False), (Role.auditor, False)]
FORWARD = {"submit", "start_verification", "resubmit", "verify", "approve", "appeal"}
DATA = {"comment": "checked on site", "reason": "other", "findings": "tracks", "method": "bank",
        "reference": "ICBC-1"}
serial = count(1)


def waits_on_by_definition(user: User, claim: Claim) -> bool:
    """The spec of a queue: the table gives the user a step on the claim now (not one taken
    only on request, like withdrawing)."""
    return any(can(user, t.action, claim) for t in TRANSITIONS
               if claim.status in t.sources and not t.on_request)


def expected_api_status(user: User, action: str, claim: Claim) -> int:
    if not can(user, "view", claim):
        return 404
    if can(user, action, claim):
        return 200
    if not role_may(user, action) or find_transition(action, claim.status) is not None:
        return 403
    return 409


def file_claim(n: int, *, duplicate: bool) -> Claim:
    officer = User.by_username("officer")
    body = claim_body()
    body["claimant"] = {"name": f"Resident {n}", "phone": f"+86139{n:08d}",
                        "language": "zh_Hans"}
    if duplicate:  # an earlier claim of the same resident and animal: a warning
        body["losses"] = body["losses"][1:]
        create_claim(parse_claim_input(body, officer), actor=officer)
        body = {**claim_body(claimant=body["claimant"])}
    claim, _ = create_claim(parse_claim_input(body, officer), actor=officer)
    add_evidence(claim, jpeg_bytes((n % 256, n // 256 % 256, 7)), actor=officer)
    return claim


def claim_events(claim: Claim) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.claim_id == claim.id)))


def recast(user: User, role: Role, senior: bool) -> None:
    user.role, user.senior = role, senior
    db.session.flush()


def walk(claim: Claim, data) -> None:
    """Steps the table offers, mostly forward, with someone recast now and then."""
    for _ in range(data.draw(st.integers(0, 7), label="steps")):
        if data.draw(st.integers(0, 6), label="recast unless not 0") == 0:
            username = data.draw(st.sampled_from(ACTORS[:4]), label="recast who")
            recast(User.by_username(username), *data.draw(st.sampled_from(ROLES),
                                                           label="recast as"))
        offered = [(action, name) for name in ACTORS
                   for action in ACTIONS if can(User.by_username(name), action, claim)]
        if not offered:
            return
        forward = [pair for pair in offered if pair[0] in FORWARD]
        pool = forward if forward and data.draw(st.integers(0, 3), label="back") else offered
        action, username = data.draw(st.sampled_from(pool), label="step")
        fields = {key: DATA[key] for key in ACTION_FIELDS.get(action, ()) if key in DATA}
        perform(claim, action, actor=User.by_username(username), comment=DATA["comment"],
                **fields)


class Faces:
    """Logged-in page clients and API tokens, made once per viewer for the whole run."""

    def __init__(self, app):
        self.app, self.pages, self.tokens = app, {}, {}

    def page(self, username):
        if username not in self.pages:
            client = self.app.test_client()
            assert AuthActions(client).login(username).status_code == 302
            self.pages[username] = client
        return self.pages[username]

    def api_headers(self, username):
        if username not in self.tokens:
            answer = self.app.test_client().post("/api/v1/token", json={
                "username": username, "password": DEFAULT_PASSWORD})
            self.tokens[username] = {"Authorization": f"Bearer {answer.get_json()['token']}"}
        return self.tokens[username]


def test_queue_page_api_and_batch_agree_with_can(app, demo):
    faces = Faces(app)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def example(data):
        with app.app_context():
            try:
                check(data)
            finally:
                db.session.rollback()
                load_demo(DEFAULT_PASSWORD)  # gives back the roles recast on the way
                db.session.commit()

    def check(data):
        set_region_setting("CN", "second_approval_above",
                    data.draw(st.sampled_from([0, 10_000_000]), label="threshold"))
        claim = file_claim(next(serial), duplicate=data.draw(st.booleans(), label="duplicate"))
        walk(claim, data)
        if data.draw(st.booleans(), label="acknowledge"):
            for name in ACTORS:
                if can(User.by_username(name), "acknowledge_flags", claim):
                    acknowledge_flags(claim, [f.code for f in claim_flags(
                        claim, viewer=User.by_username(name))], actor=User.by_username(name))
                    break
        acted = sorted({event.actor.username for event in claim_events(claim) if event.actor})
        username = data.draw(st.sampled_from(acted) if acted and data.draw(
            st.integers(0, 2), label="someone who acted unless 0") else st.sampled_from(VIEWERS),
            label="viewer")
        viewer = User.by_username(username)
        if data.draw(st.integers(0, 2), label="recast viewer unless 0"):
            # Mostly as someone who could take the claim's next step: the guards then decide.
            next_roles = [(role, senior) for role, senior in ROLES if any(
                role in t.roles for t in TRANSITIONS if claim.status in t.sources)]
            recast(viewer, *data.draw(st.sampled_from(next_roles or ROLES), label="viewer as"))
        db.session.commit()

        allowed = [action for action in ACTIONS if can(viewer, action, claim)]
        sees = can(viewer, "view", claim)
        batchable = can(viewer, "batch_approve", claim)
        waiting = waits_on_by_definition(viewer, claim)
        in_queue = db.session.scalar(queue_query(viewer, QueueFilters())
                                     .where(Claim.id == claim.id)) is not None
        assert in_queue == (waiting if acts_on_claims(viewer) else sees)
        code, status, role = claim.code, claim.status, viewer.role
        context = (username, role, viewer.senior, status, allowed)
        event("status " + status)
        event(f"waits on the viewer: {waiting}")

        # The claim page offers exactly the allowed actions (submitting through the edit page).
        page = faces.page(username).get(f"/claims/{code}")
        assert page.status_code == (200 if sees else 404), context
        html = page.get_data(as_text=True)
        panels = set(re.findall(r'data-action="([a-z_]+)"', html))
        assert panels == set(allowed) - {"submit", "resubmit"}, context
        assert (f'action="/claims/{code}/edit"' in html) == bool(
            {"submit", "resubmit"} & set(allowed)), context

        # The queue lists the claim (the newest) exactly when it waits on the viewer, with a
        # checkbox exactly when batch approval would take it; an officer's queue is "My claims".
        if role == Role.village_officer:
            mine = faces.page(username).get("/mine").get_data(as_text=True)
            card = re.search(rf'<li class="claim-card ([a-z]*)">\s*<a href="/claims/{code}"', mine)
            assert (card is not None) == sees, context
            assert (card is not None and card.group(1) == "waiting") == waiting, context
        else:
            queue = faces.page(username).get("/queue?sort=reported").get_data(as_text=True)
            assert (f'href="/claims/{code}"' in queue) == in_queue, context
            assert (f'name="codes" value="{code}"' in queue) == batchable, context

        # The API lists the same actions, and one attempt answers 2xx or the exact refusal.
        headers = faces.api_headers(username)
        client = app.test_client()
        answer = client.get(f"/api/v1/claims/{code}", headers=headers)
        assert answer.status_code == (200 if sees else 404), context
        if sees:
            assert answer.get_json()["actions"] == allowed, context
        action = data.draw(st.sampled_from(ACTIONS), label="attempt")
        expected = expected_api_status(viewer, action, claim)
        if data.draw(st.booleans(), label="by batch") and action == "approve":
            result = faces.page(username).post("/queue/approve", data={"codes": [code]})
            if not role_may(viewer, "approve"):
                assert result.status_code == 403, context
            else:
                assert ("✓" in result.get_data(as_text=True)) == batchable, context
        else:
            fields = {key: DATA[key] for key in ACTION_FIELDS.get(action, ()) if key in DATA}
            result = client.post(f"/api/v1/claims/{code}/transitions", headers=headers,
                                 json={"action": action, "comment": DATA["comment"], **fields})
            assert result.status_code == expected, (*context, action, result.get_json())
        db.session.expire_all()
        changed = db.session.scalar(select(Claim.status).where(Claim.id == claim.id))
        assert (changed != status) == (result.status_code == 200 and (
            "✓" in result.get_data(as_text=True) or result.is_json)), context

    example()
