"""The benchmark data generator (bench/generate.py): a small run into a database of its own
(a fresh SQLite file; on PostgreSQL, a fresh database on the test cluster) must give claims the
app itself reads as valid."""

import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.generate import PASSWORD, generate
from bench.generation.stories import REACHABLE
from hwc import create_app
from hwc.accounts.models import User
from hwc.audit.trail import verify_chain
from hwc.claims.codes import normalise_code
from hwc.claims.models import Claim, Claimant, ClaimStatus, LossItem
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.vouchers.models import Voucher, VoucherStatus
from tests.conftest import BACKEND, make_test_config

pytestmark = pytest.mark.commits  # the generator commits through its own app
CLAIMS = 300


@pytest.fixture(scope="module")
def generated(app, tmp_path_factory):
    """An app on a freshly generated database, and what the generator reported (made once for
    the module: the tests only read it)."""
    tmp_path = tmp_path_factory.mktemp("generated")
    if BACKEND == "postgresql":
        name = f"gen_{uuid.uuid4().hex[:12]}"
        server = create_engine(app.config["SQLALCHEMY_DATABASE_URI"],
                               isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(database=name)
        url = url.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'generated.sqlite3'}"
    generated_app = create_app(make_test_config(url, tmp_path / "instance"))
    try:
        result = generate(url, CLAIMS, seed=3, app=generated_app, echo=lambda *_: None)
        yield generated_app, result
    finally:
        with generated_app.app_context():
            db.session.remove()
            db.engine.dispose()
        if BACKEND == "postgresql":
            with server.connect() as connection:
                connection.execute(text(f"DROP DATABASE {name}"))
            server.dispose()


def test_generated_claims_are_valid_and_cover_every_status(generated):
    generated_app, result = generated
    with generated_app.app_context():
        assert result["counts"]["claims"] == CLAIMS
        assert db.session.scalar(select(func.count()).select_from(Claim)) == CLAIMS
        claimants = db.session.scalar(select(func.count()).select_from(Claimant))
        assert claimants == round(CLAIMS * 0.3)
        items = db.session.scalar(select(func.count()).select_from(LossItem))
        assert CLAIMS <= items <= 3 * CLAIMS
        villages = db.session.scalar(select(func.count()).select_from(Region)
                                     .where(Region.level == "village"))
        assert villages >= 2000
        statuses = set(db.session.scalars(select(Claim.status).distinct()))
        assert statuses >= set(REACHABLE)
        codes = db.session.scalars(select(Claim.code)).all()
        assert all(normalise_code(code) == code for code in codes)
        assert len(set(codes)) == CLAIMS


def test_vouchers_only_for_issued_and_paid_claims(generated):
    generated_app, _ = generated
    with generated_app.app_context():
        pairs = db.session.execute(select(Claim.status, Voucher.status)
                                   .join(Voucher, Voucher.claim_id == Claim.id)).all()
        assert pairs
        for claim_status, voucher_status in pairs:
            assert (claim_status, voucher_status) in {
                (ClaimStatus.voucher_issued, VoucherStatus.issued),
                (ClaimStatus.paid, VoucherStatus.paid)}
        paying = db.session.scalar(select(func.count()).select_from(Claim).where(
            Claim.status.in_((ClaimStatus.voucher_issued, ClaimStatus.paid))))
        assert paying == len(pairs)


def test_generated_audit_chain_verifies(generated):
    generated_app, result = generated
    with generated_app.app_context():
        report = verify_chain()
        assert report.ok, report.problem
        assert report.checked >= result["counts"]["workflow_events"]
        assert result["counts"]["audit_checkpoints"] > 0


def test_a_generated_user_sees_the_queue_and_a_claim_page(generated):
    generated_app, result = generated
    assert "county-inspector" in result["usernames"]
    client = generated_app.test_client()
    response = client.post("/login", data={"username": "county-inspector",
                                           "password": PASSWORD})
    assert response.status_code == 302
    queue = client.get("/queue")
    assert queue.status_code == 200
    with generated_app.app_context():
        county = User.by_username("county-inspector").region
        code = db.session.scalar(
            select(Claim.code).join(Region, Claim.village_id == Region.id)
            .where(Region.path.startswith(county.path)).limit(1))
    assert code is not None
    page = client.get(f"/claims/{code}")
    assert page.status_code == 200
    assert code[:4] in page.get_data(as_text=True)
