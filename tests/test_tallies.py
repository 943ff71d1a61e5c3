"""The dashboard's rollups stay equal to a count from scratch through every kind of change: the
workflow's steps, amounts, vouchers issued, voided and paid, a savepoint rolled back, a village's
time zone changed."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hwc.accounts.models import User
from hwc.dashboard.stats import Histogram, build_dashboard
from hwc.dashboard.tallies import computed_cells, rebuild_tallies, stored_cells
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.settings import store_region_setting
from hwc.vouchers.operations import issue_voucher, void_voucher
from hwc.workflow.service import perform
from tests.factories import make_claim


def agree() -> None:
    connection = db.session.connection()
    assert stored_cells(connection) == computed_cells(connection)


def test_the_cells_follow_every_step_and_agree_with_a_count_from_scratch(app, demo):
    with app.app_context():
        agree()
        finance = User.by_username("finance")
        claims = [make_claim(status) for status in
                  ("submitted", "verified", "approved", "approved", "rejected", "paid")]
        agree()
        voucher = issue_voucher(claims[2], actor=finance)
        voucher.interest = Decimal("3.25")
        db.session.flush()
        agree()
        void_voucher(voucher, actor=finance, reason="wrong payee")
        issue_voucher(claims[3], actor=finance)
        perform(claims[0], "withdraw", actor=User.by_username("officer"), comment="insured")
        claims[5].paid_at = claims[5].reported_at + timedelta(days=3, hours=5)
        db.session.flush()
        agree()


def test_a_savepoint_rolled_back_takes_its_cells_with_it(app, demo):
    with app.app_context():
        before = stored_cells(db.session.connection())
        savepoint = db.session.begin_nested()
        make_claim("approved")
        assert stored_cells(db.session.connection()) != before
        savepoint.rollback()
        assert stored_cells(db.session.connection()) == before
        agree()


def test_a_villages_new_time_zone_moves_its_incidents_to_their_local_month(app, demo):
    with app.app_context():
        claim = make_claim("submitted")
        claim.occurred_at = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)  # 1 April in Hunchun
        db.session.flush()
        auditor = User.by_username("auditor")
        assert build_dashboard(auditor).by_month["2026-04"] >= 1
        april = build_dashboard(auditor).by_month["2026-04"]
        store_region_setting(claim.village, "time_zone", "Europe/London")
        agree()
        board = build_dashboard(auditor)
        assert board.by_month["2026-04"] == april - 1 and board.by_month["2026-03"] >= 1
        store_region_setting(claim.village, "time_zone", None)
        agree()


def test_rebuilding_changes_nothing_when_the_cells_are_right(app, demo):
    with app.app_context():
        make_claim("approved")
        before = stored_cells(db.session.connection())
        assert rebuild_tallies() == len(before)
        assert stored_cells(db.session.connection()) == before


def test_the_dashboard_of_a_region_counts_only_its_subtree(app, demo):
    with app.app_context():
        board = build_dashboard(User.by_username("ru_auditor"))
        before = board.total
        make_claim("approved")  # in Hunchun, China
        assert build_dashboard(User.by_username("ru_auditor")).total == before
        assert Region.by_code("CN-JL-HC") is not None


def test_percentiles_from_the_histogram_match_the_statistics_module():
    import statistics

    values = [0.5, 1, 1, 2, 3, 3, 3, 7.25, 10, 40]
    histogram = Histogram({value: values.count(value) for value in set(values)})
    assert histogram.median() == statistics.median(values)
    for share in (0.1, 0.5, 0.9, 0.99):
        expected = statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
        assert histogram.percentile(share) == expected
    assert Histogram({}).median() is None and Histogram({4.0: 1}).percentile(0.9) == 4.0


def test_the_check_command_names_a_wrong_cell_and_rebuild_mends_it(app, demo):
    from hwc.dashboard.tallies import Tally

    runner = app.test_cli_runner()
    with app.app_context():
        make_claim("approved")
        assert runner.invoke(args=["hwc", "tallies", "check"]).exit_code == 0
        cell = db.session.scalars(db.select(Tally).where(Tally.dimension == "status")).first()
        cell.claims += 5
        db.session.flush()
        result = runner.invoke(args=["hwc", "tallies", "check"])
        assert result.exit_code == 1 and "'status'" in result.output
        assert runner.invoke(args=["hwc", "tallies", "rebuild"]).exit_code == 0
        assert runner.invoke(args=["hwc", "tallies", "check"]).exit_code == 0


def test_hours_to_a_step_are_kept_coarser_as_they_grow():
    from hwc.dashboard.tallies import hours_between

    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert hours_between(start, start + timedelta(hours=239, minutes=59)) == 239
    assert hours_between(start, start + timedelta(hours=245)) == 240
    assert hours_between(start, start + timedelta(days=150, hours=23)) == 150 * 24
    distinct = {hours_between(start, start + timedelta(hours=h)) for h in range(24 * 730)}
    assert len(distinct) < 1300  # two years: 240 + 360 + 630
