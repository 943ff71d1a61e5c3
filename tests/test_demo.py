"""``flask hwc demo`` builds the demo world and is idempotent."""

import uuid
from decimal import Decimal

from sqlalchemy import func, select

from hwc.accounts.models import Role, User
from hwc.accounts.operations import authenticate
from hwc.audit.models import AuditEvent
from hwc.audit.trail import verify_chain
from hwc.claims.models import Claim, Evidence
from hwc.demo.claims import HUNCHUN, HUNCHUN_ON_NOTICE, KHASANSKY, SIDES
from hwc.extensions import db
from hwc.regions.models import Region, RegionLevel


def counts():
    return tuple(db.session.scalar(select(func.count(model.id)))
                 for model in (Region, User, Claim, Evidence, AuditEvent))


def test_demo_command_is_idempotent(runner, app):
    first = runner.invoke(args=["hwc", "demo", "--password", "pw-for-demo-1"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        before = counts()
        paths = sorted(db.session.scalars(select(Region.path)))
    second = runner.invoke(args=["hwc", "demo", "--password", "pw-for-demo-1"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert counts() == before
        assert sorted(db.session.scalars(select(Region.path))) == paths
        assert authenticate("officer", "pw-for-demo-1", address="192.0.2.1").ok
        assert before[2] == sum(len(claims) for _prefix, claims, _language in SIDES)


def test_demo_claims_reach_their_statuses_through_the_workflow(runner, app):
    result = runner.invoke(args=["hwc", "demo"])
    assert result.exit_code == 0, result.output
    assert f"{sum(len(claims) for _prefix, claims, _language in SIDES)} new claims" in result.output
    with app.app_context():
        for prefix, claims in (("", HUNCHUN + HUNCHUN_ON_NOTICE), ("ru_", KHASANSKY)):
            statuses = sorted(str(claim.status) for claim in db.session.scalars(
                select(Claim).join(Claim.filed_by).where(User.username == prefix + "officer")))
            assert statuses == sorted(status for _key, status, *_rest in claims)
        approved = db.session.scalars(select(Claim).where(Claim.status == "approved")).all()
        assert approved and all(claim.approved_total > 0 for claim in approved)
        assert verify_chain().ok
        photos = db.session.scalars(select(Evidence.sha256)).all()
        assert len(photos) == len(set(photos)), "no two demo claims share a photo"


def test_demo_without_claims(runner, app):
    result = runner.invoke(args=["hwc", "demo", "--no-claims"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Claim.id))) == 0


def test_demo_password_option_sets_every_password(runner, app):
    runner.invoke(args=["hwc", "demo", "--password", "first-password"])
    runner.invoke(args=["hwc", "demo", "--password", "second-password"])
    with app.app_context():
        usernames = db.session.scalars(select(User.username)).all()
        assert all(authenticate(u, "second-password", address="192.0.2.1").ok for u in usernames)


def test_demo_world_has_both_sides_of_the_border(ctx, demo):
    hunchun = Region.by_code("CN-JL-HC")
    khasansky = Region.by_code("RU-PRI-KHS")
    villages_cn = [r for r in db.session.scalars(Region.subtree(hunchun))
                   if r.level == RegionLevel.village]
    townships = [r for r in hunchun.children if r.level == RegionLevel.township]
    assert len(villages_cn) >= 6 and 2 <= len(townships) <= 3
    assert len(khasansky.children) >= 3
    for region in db.session.scalars(select(Region)):
        assert {"zh_Hans", "ru", "en", "ko"} <= set(region.names)
    for prefix, root, language in (("", hunchun, "zh_Hans"), ("ru_", khasansky, "ru")):
        for role in ("officer", "verifier", "approver", "senior", "finance", "auditor", "admin"):
            user = User.by_username(prefix + role)
            assert user is not None and user.language == language
            assert root.is_within(user.region) if role == "admin" else user.region.is_within(root)
        assert User.by_username(prefix + "admin").region.parent is None  # a country's admin
        assert User.by_username(prefix + "senior").senior
        assert User.by_username(prefix + "senior").role == Role.approver


def test_the_demo_root_user_is_an_admin_of_no_region_and_sees_both_countries(app, demo):
    with app.app_context():
        root = User.by_username("root")
        assert root.is_root and root.role == Role.admin and root.region is None
        assert {region.code for region in root.scope_regions} == {"CN", "RU"}
        assert not User.by_username("admin").is_root


def test_the_demo_has_budgets_with_their_documents_and_hunchuns_interest_rate(runner, app):
    from hwc.demo.payments import BUDGETS
    from hwc.payments.budgets import funded
    from hwc.payments.models import Budget
    from hwc.vouchers.models import LateInterestRate

    for _ in range(2):  # a second run adds nothing
        assert runner.invoke(args=["hwc", "demo"]).exit_code == 0
    with app.app_context():
        budgets = db.session.scalars(select(Budget)).all()
        assert sorted(budget.fund for budget in budgets) == sorted(b[1] for b in BUDGETS)
        hunchun = next(budget for budget in budgets if budget.fund == "中央财政生态补偿资金")
        assert funded(hunchun) == Decimal("80000.00")
        assert all(top_up.document_reference for top_up in hunchun.top_ups)
        assert db.session.scalar(select(func.count(LateInterestRate.id))) == 1


def test_hunchuns_last_demo_claims_wait_out_the_public_notice_and_the_others_are_payable(
        runner, app):
    from hwc.core.db import utcnow
    from hwc.demo.claims import HUNCHUN_ON_NOTICE, NAMESPACE

    assert runner.invoke(args=["hwc", "demo"]).exit_code == 0
    with app.app_context():
        approved = db.session.scalars(select(Claim).where(Claim.status == "approved")).all()
        on_notice = {uuid.uuid5(NAMESPACE, key) for key, *_rest in HUNCHUN_ON_NOTICE}
        for claim in approved:
            if claim.client_uuid in on_notice:
                assert claim.notice_until is not None and claim.notice_until > utcnow()
            else:
                assert claim.notice_until is None
        assert len([c for c in approved if c.notice_until is None]) >= 4
