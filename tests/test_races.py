"""Races are 409s: many requests on one claim at once give exactly one success, the rest a
clear conflict, never a 500 or a duplicate (issue 8, finding 11). Runs on both databases."""

import threading
import uuid
from collections import Counter

import pytest

from hwc.audit.models import AuditEvent
from hwc.claims.models import Claim, FilingDraft
from hwc.extensions import db
from tests.factories import claim_body, import_rates, make_claim

pytestmark = pytest.mark.commits

THREADS = 8


def race(calls) -> Counter:
    """Run every call at once (a barrier releases them together); count the status codes,
    with any exception counted as a 500."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []
    errors: list[str] = []

    def run(call):
        barrier.wait()
        try:
            statuses.append(call().status_code)
        except Exception as error:  # an unhandled error is what is measured
            errors.append(repr(error)[:300])
            statuses.append(500)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    return Counter(statuses)


@pytest.fixture
def verified_code(app, demo):
    with app.app_context():
        import_rates()
        code = make_claim("verified").code
        db.session.commit()
    return code


def test_many_approvers_at_once_approve_a_claim_exactly_once(api, app, verified_code):
    approvers = [api("approver") for _ in range(THREADS)]
    version = approvers[0].get(f"/api/v1/claims/{verified_code}").get_json()["version"]
    counts = race([lambda a=a: a.act(verified_code, "approve", version=version)
                   for a in approvers])
    assert counts == Counter({200: 1, 409: THREADS - 1}), counts
    with app.app_context():
        claim = Claim.by_code(verified_code)
        assert db.session.query(AuditEvent).filter_by(
            claim_id=claim.id, action="approve").count() == 1


def test_many_creates_with_one_client_uuid_file_one_claim(api, app):
    body = claim_body()
    officers = [api("officer") for _ in range(THREADS)]
    counts = race([lambda o=o: o.post("/api/v1/claims", json=body) for o in officers])
    assert counts[500] == 0 and counts[201] == 1 and counts[200] == THREADS - 1, counts
    with app.app_context():
        assert db.session.query(Claim).count() == 1


def test_many_resubmits_at_once_resubmit_once(api, app, demo):
    with app.app_context():
        import_rates()
        code = make_claim("returned").code
        db.session.commit()
    officers = [api("officer") for _ in range(THREADS)]
    counts = race([lambda o=o: o.act(code, "resubmit") for o in officers])
    assert counts == Counter({200: 1, 409: THREADS - 1}), counts


def test_a_double_tap_on_the_first_filing_step_saves_one_filing(login_as, app):
    from tests.test_filing_pages import CLAIMANT

    client_uuid = str(uuid.uuid4())
    officers = [login_as("officer") for _ in range(THREADS)]
    counts = race([lambda o=o: o.post(f"/file/{client_uuid}/claimant", data=CLAIMANT)
                   for o in officers])
    assert counts == Counter({302: THREADS}), counts
    with app.app_context():
        assert db.session.query(FilingDraft).count() == 1


def test_two_administrators_creating_one_username_at_once_make_one_user(login_as, app):
    from hwc.accounts.models import User
    from tests.test_admin import new_user_data

    admins = [login_as("admin") for _ in range(THREADS)]
    counts = race([lambda a=a: a.post("/admin/users/new", data=new_user_data(username="twin"))
                   for a in admins])
    assert counts[302] == 1 and set(counts) <= {302, 409, 422}, counts
    with app.app_context():
        assert db.session.query(User).filter_by(username="twin").count() == 1
