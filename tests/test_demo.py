"""``flask hwc demo`` builds the demo world and is idempotent."""

from sqlalchemy import func, select

from hwc.accounts.models import Role, User
from hwc.accounts.operations import authenticate
from hwc.extensions import db
from hwc.regions.models import Region, RegionLevel


def counts():
    return (db.session.scalar(select(func.count(Region.id))),
            db.session.scalar(select(func.count(User.id))))


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
        assert authenticate("officer", "pw-for-demo-1").ok


def test_demo_password_option_sets_every_password(runner, app):
    runner.invoke(args=["hwc", "demo", "--password", "first-password"])
    runner.invoke(args=["hwc", "demo", "--password", "second-password"])
    with app.app_context():
        usernames = db.session.scalars(select(User.username)).all()
        assert all(authenticate(u, "second-password").ok for u in usernames)


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
            assert user.region.is_within(root)
        assert User.by_username(prefix + "senior").senior
        assert User.by_username(prefix + "senior").role == Role.approver
