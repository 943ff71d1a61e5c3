"""Late-payment interest: the rate in force per day and region, the day counts, amounts checked by
hand, the voucher that carries it (amount, seal, words), and the rates an administrator adds."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.claims.deadlines import deadlines, due_day
from hwc.core.db import local_date, utcnow
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.operations import RegionNotFound
from hwc.regions.settings import jurisdiction_of
from hwc.vouchers.interest import (
    RateRefused,
    accrue,
    add_late_interest_rate,
    expected_amount,
    late_interest,
    rate_on,
)
from hwc.vouchers.models import LateInterestRate
from hwc.vouchers.operations import issue_voucher
from hwc.vouchers.sealing import examine
from hwc.vouchers.words import amount_in_words
from tests.factories import make_claim, set_region_setting

SIX = [(date(2000, 1, 1), Decimal(6))]


def add_rate(code: str, day: date, rate: str):
    return add_late_interest_rate(Region.by_code(code), actor=User.by_username("root"),
                                  effective_from=day, rate=Decimal(rate))


def last_statutory_day_is(claim, last_day: date) -> None:
    """Set the claim's approval so that ``last_day`` is the last day it may be paid on time."""
    where = jurisdiction_of(claim)
    claim.approved_at = datetime.combine(
        last_day - timedelta(days=where["pay_within_days"]), time(9), where.zone).astimezone(UTC)
    assert due_day(deadlines(claim)["pay_by"], where.zone) == last_day


# --- the rate in force -------------------------------------------------------------------------

def test_the_nearest_region_with_rates_decides_and_its_latest_rate_up_to_the_day(ctx, demo):
    village = Region.by_code("CN-JL-HC-CH-CM")
    assert rate_on(village, date(2026, 3, 1)) == 0, "no rates anywhere: none owed"
    add_rate("CN", date(2020, 1, 1), "4")
    add_rate("CN-JL-HC", date(2026, 3, 16), "8")
    add_rate("CN-JL-HC", date(2025, 1, 1), "6")
    assert rate_on(village, date(2026, 3, 15)) == Decimal(6)
    assert rate_on(village, date(2026, 3, 16)) == Decimal(8)
    # The county has rates, so its own start decides: before it, none (not the country's 4 %).
    assert rate_on(village, date(2024, 12, 31)) == 0
    assert rate_on(Region.by_code("CN-JL"), date(2026, 3, 16)) == Decimal(4)
    assert rate_on(Region.by_code("RU-PRI-KHS-BR"), date(2026, 3, 16)) == 0


# --- hand-checked amounts ------------------------------------------------------------------------

def test_thirty_days_late_at_six_percent_on_12345_67_yuan_is_60_88(ctx, demo):
    claim = make_claim("approved")
    add_rate("CN-JL-HC", date(2020, 1, 1), "6")
    last_statutory_day_is(claim, date(2026, 3, 1))
    owed = late_interest(claim, Decimal("12345.67"), date(2026, 3, 31))
    # 12,345.67 × 6 % × 30 / 365 = 60.8827…
    assert owed.amount == Decimal("60.88") and owed.days == 30
    assert owed.detail == [{"from": "2026-03-02", "to": "2026-03-31", "days": 30, "rate": "6",
                            "basis": 365}]


def test_a_rate_change_inside_the_late_period_gives_two_entries_and_their_sum(ctx, demo):
    claim = make_claim("approved")
    add_rate("CN-JL-HC", date(2020, 1, 1), "6")
    add_rate("CN-JL-HC", date(2026, 3, 17), "8")
    last_statutory_day_is(claim, date(2026, 3, 1))
    owed = late_interest(claim, Decimal("12345.67"), date(2026, 3, 31))
    # 12,345.67 × (6 % × 15 + 8 % × 15) / 365 = 71.0298…
    assert owed.amount == Decimal("71.03") and owed.days == 30
    assert owed.detail == [
        {"from": "2026-03-02", "to": "2026-03-16", "days": 15, "rate": "6", "basis": 365},
        {"from": "2026-03-17", "to": "2026-03-31", "days": 15, "rate": "8", "basis": 365}]


def test_february_of_a_leap_year_under_each_day_count():
    february = (Decimal(10000), date(2028, 2, 1), date(2028, 2, 29), SIX)
    # 10,000 × 6 % × 29 / 366 = 47.540…; / 365 = 47.671…; / 360 = 48.333…
    assert accrue(*february, "actual/actual", "CNY").amount == Decimal("47.54")
    assert accrue(*february, "actual/365", "CNY").amount == Decimal("47.67")
    assert accrue(*february, "actual/360", "CNY").amount == Decimal("48.33")


def test_actual_actual_across_new_year_divides_each_day_by_its_own_year():
    owed = accrue(Decimal(10000), date(2027, 12, 30), date(2028, 1, 2), SIX, "actual/actual",
                  "CNY")
    # 600 × (2 / 365 + 2 / 366) = 6.5663…
    assert owed.amount == Decimal("6.57") and owed.days == 4
    assert [(entry["days"], entry["basis"]) for entry in owed.detail] == [(2, 365), (2, 366)]


def test_won_interest_is_rounded_once_to_whole_won():
    owed = accrue(Decimal(1000000), date(2026, 3, 2), date(2026, 3, 31), SIX, "actual/365",
                  "KRW")
    assert owed.amount == Decimal(4932)  # 1,000,000 × 6 % × 30 / 365 = 4,931.507
    assert owed.amount.as_tuple().exponent == 0
    # Rounded per day, each day's 164.38 would be 164 and the month 4,920: one rounding only.
    assert sum(accrue(Decimal(1000000), date(2026, 3, day), date(2026, 3, day), SIX,
                      "actual/365", "KRW").amount for day in range(2, 32)) == Decimal(4920)


def test_without_any_rate_nothing_is_owed(ctx, demo):
    claim = make_claim("approved")
    last_statutory_day_is(claim, date(2026, 3, 1))
    owed = late_interest(claim, Decimal("12345.67"), date(2026, 3, 31))
    assert (owed.amount, owed.days, owed.detail) == (Decimal("0.00"), 0, [])


def test_paid_on_the_last_statutory_day_nothing_is_owed(ctx, demo):
    claim = make_claim("approved")
    add_rate("CN-JL-HC", date(2020, 1, 1), "6")
    last_statutory_day_is(claim, date(2026, 3, 1))
    assert late_interest(claim, Decimal("12345.67"), date(2026, 3, 1)).amount == 0
    assert late_interest(claim, Decimal("12345.67"), date(2026, 3, 2)).amount == Decimal("2.03")


amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)
rates = st.lists(st.tuples(st.dates(date(2020, 1, 1), date(2030, 1, 1)),
                           st.decimals(min_value=0, max_value=100, places=4)),
                 max_size=4).map(sorted)


@settings(max_examples=60, deadline=None)
@given(principal=amounts, more=amounts, rates=rates,
       first=st.dates(date(2020, 1, 1), date(2030, 1, 1)), days=st.integers(0, 400),
       extra=st.integers(0, 60), convention=st.sampled_from(["actual/365", "actual/360",
                                                             "actual/actual"]))
def test_interest_is_never_negative_and_grows_with_days_and_principal(
        principal, more, rates, first, days, extra, convention):
    last = first + timedelta(days=days)
    owed = accrue(principal, first, last, rates, convention, "CNY").amount
    assert owed >= 0
    assert accrue(principal, first, last + timedelta(days=extra), rates, convention,
                  "CNY").amount >= owed
    assert accrue(principal + more, first, last, rates, convention, "CNY").amount >= owed


# --- the voucher -----------------------------------------------------------------------------

def test_a_voucher_issued_late_carries_the_interest_in_its_amount_seal_and_words(ctx, demo):
    claim = make_claim("approved")
    add_rate("CN-JL-HC", date(2000, 1, 1), "6")
    where = jurisdiction_of(claim)
    claim.approved_at = utcnow() - timedelta(days=where["pay_within_days"] + 10)
    today = local_date(utcnow(), where.zone)
    expected = expected_amount(claim, today)
    voucher = issue_voucher(claim, actor=User.by_username("finance"))
    principal = claim.approved_total
    interest = (principal * 6 / 100 * 10 / 365).quantize(Decimal("0.01"))
    assert interest > 0
    assert (voucher.principal, voucher.interest, voucher.interest_days) == \
        (principal, interest, 10)
    assert voucher.amount == principal + interest == expected
    assert voucher.interest_detail[0]["days"] == 10
    finding = examine(voucher.seal)
    assert finding.fields.amount == voucher.amount
    words = amount_in_words(voucher.amount, "CNY", "zh_Hans")
    assert words != amount_in_words(principal, "CNY", "zh_Hans")
    event = db.session.query(AuditEvent).filter_by(action="issue_voucher").order_by(
        AuditEvent.id.desc()).first()
    assert event.changes["voucher"]["interest"]["amount"] == f"{interest:f}"


def test_a_voucher_issued_in_time_has_no_interest(ctx, demo):
    claim = make_claim("approved")
    add_rate("CN-JL-HC", date(2000, 1, 1), "6")
    voucher = issue_voucher(claim, actor=User.by_username("finance"))
    assert (voucher.interest, voucher.interest_days, voucher.interest_detail) == (0, 0, [])
    assert voucher.amount == voucher.principal == claim.approved_total


def test_the_statutory_days_setting_moves_the_clock(ctx, demo):
    claim = make_claim("approved")
    add_rate("CN-JL-HC", date(2000, 1, 1), "6")
    claim.approved_at = utcnow() - timedelta(days=3)
    set_region_setting("CN-JL-HC", "pay_within_days", 1)
    today = local_date(utcnow(), jurisdiction_of(claim).zone)
    assert late_interest(claim, claim.approved_total, today).days == 2


# --- adding rates ------------------------------------------------------------------------------

def test_a_rate_is_added_once_per_day_and_audited(ctx, demo):
    add_rate("CN-JL-HC", date(2026, 1, 1), "6.25")
    event = db.session.query(AuditEvent).filter_by(action="late_interest_rate_added").one()
    assert event.changes == {"region": "CN-JL-HC", "effective_from": "2026-01-01",
                             "rate": "6.25"}
    with pytest.raises(RateRefused) as refused:
        add_rate("CN-JL-HC", date(2026, 1, 1), "7")
    assert refused.value.field == "effective_from"


@pytest.mark.parametrize("rate", ["-1", "100.01", "6.12345", "NaN", "Infinity"])
def test_rates_outside_0_to_100_or_with_five_places_are_refused(ctx, demo, rate):
    with pytest.raises(RateRefused) as refused:
        add_rate("CN-JL-HC", date(2026, 1, 1), rate)
    assert refused.value.field == "rate"


def test_only_an_administrator_of_the_region_adds_its_rates(ctx, demo):
    county = Region.by_code("CN-JL-HC")
    for username in ("ru_admin", "finance"):
        with pytest.raises(RegionNotFound):
            add_late_interest_rate(county, actor=User.by_username(username),
                                   effective_from=date(2026, 1, 1), rate=Decimal(6))
    add_late_interest_rate(county, actor=User.by_username("admin"),
                           effective_from=date(2026, 1, 1), rate=Decimal(6))


# --- the settings page -------------------------------------------------------------------------

RATES_PAGE = "/admin/regions/CN-JL-HC/interest-rates"


def test_an_administrator_adds_a_rate_on_the_settings_page_and_sees_it(app, login_as):
    admin = login_as("admin")
    response = admin.post(RATES_PAGE, data={"rate-effective_from": "2026-01-01",
                                            "rate-rate": "6.25"})
    assert response.status_code == 302
    page = admin.get("/admin/regions/CN-JL-HC/settings").get_data(as_text=True)
    assert 'id="interest-rates"' in page and "6.25" in page and "2026" in page
    with app.app_context():
        assert rate_on(Region.by_code("CN-JL-HC-CH-CM"), date(2026, 1, 1)) == Decimal("6.25")


@pytest.mark.parametrize(("field", "value"), [
    ("rate", ""), ("rate", "much"), ("rate", "-0.5"), ("rate", "100.5"), ("rate", "1.23456"),
    ("rate", "NaN"), ("rate", "Infinity"), ("effective_from", ""),
    ("effective_from", "2026-02-30"), ("effective_from", "1900-01-01"),
])
def test_bad_rates_get_a_message_on_their_field_and_nothing_is_added(app, login_as, field,
                                                                     value):
    data = {"rate-effective_from": "2026-01-01", "rate-rate": "6"} | {f"rate-{field}": value}
    response = login_as("admin").post(RATES_PAGE, data=data)
    assert response.status_code == 422
    assert f'id="rate-{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(LateInterestRate).count() == 0


def test_a_second_rate_from_the_same_day_is_refused_with_a_message(app, login_as):
    admin = login_as("admin")
    data = {"rate-effective_from": "2026-01-01", "rate-rate": "6"}
    assert admin.post(RATES_PAGE, data=data).status_code == 302
    response = admin.post(RATES_PAGE, data=data | {"rate-rate": "7"})
    assert response.status_code == 422
    assert 'id="rate-effective_from-error"' in response.get_data(as_text=True)


def test_a_foreign_region_answers_404_and_a_non_administrator_403(login_as):
    data = {"rate-effective_from": "2026-01-01", "rate-rate": "6"}
    assert login_as("ru_admin").post(RATES_PAGE, data=data).status_code == 404
    assert login_as("finance").post(RATES_PAGE, data=data).status_code == 403


def test_the_voucher_and_claim_pages_show_principal_interest_and_total(app, login_as):
    with app.app_context():
        claim = make_claim("approved")
        add_rate("CN-JL-HC", date(2000, 1, 1), "6")
        claim.approved_at = utcnow() - timedelta(
            days=jurisdiction_of(claim)["pay_within_days"] + 10)
        voucher = issue_voucher(claim, actor=User.by_username("finance"))
        number, code = voucher.number, claim.code
        principal, interest, total = voucher.principal, voucher.interest, voucher.amount
        db.session.commit()
    finance = login_as("finance")
    page = finance.get(f"/vouchers/{number}").get_data(as_text=True)
    for amount in (principal, interest, total):
        assert f"{amount:,.2f}" in page
    assert 'class="interest"' in page and "10" in page
    claim_page = finance.get(f"/claims/{code}").get_data(as_text=True)
    assert f"{interest:,.2f}" in claim_page and f"{total:,.2f}" in claim_page


# --- the dashboard -----------------------------------------------------------------------------

def test_the_dashboard_sums_live_vouchers_interest_per_issue_month_and_county(app, login_as):
    from hwc.dashboard.stats import build_dashboard
    from hwc.vouchers.operations import void_voucher
    from tests.factories import make_khasansky_claim

    finance = User.by_username
    with app.app_context():
        issued = [(date(2026, 1, 15), "10.00"), (date(2026, 1, 20), "2.50"),
                  (date(2026, 2, 3), "0.75"), (date(2026, 2, 5), "99.00")]
        vouchers = []
        for day, interest in issued:
            voucher = issue_voucher(make_claim("approved"), actor=finance("finance"))
            voucher.issued_on, voucher.interest = day, Decimal(interest)
            vouchers.append(voucher)
        void_voucher(vouchers[-1], actor=finance("finance"), reason="wrong payee")
        russian = issue_voucher(make_khasansky_claim(), actor=finance("ru_finance"))
        russian.issued_on, russian.interest = date(2026, 1, 9), Decimal("7.00")
        db.session.commit()
        board = build_dashboard(User.by_username("auditor"))
        hunchun = Region.by_code("CN-JL-HC").display_name()
        assert board.interest_month_rows == [("2026-01", "CNY", Decimal("12.50")),
                                             ("2026-02", "CNY", Decimal("0.75"))]
        assert board.interest_county_rows == [(hunchun, "CNY", Decimal("13.25"))]
        ru_board = build_dashboard(User.by_username("ru_auditor"))
        assert ru_board.interest_month_rows == [("2026-01", "RUB", Decimal("7.00"))]
        assert [row[1:] for row in ru_board.interest_county_rows] == [("RUB", Decimal("7.00"))]
    page = login_as("auditor").get("/dashboard").get_data(as_text=True)
    section = page[page.index('id="late-interest"'):]
    assert "2026-01" in section and "12.50" in section and "13.25" in section
    assert "99.00" not in section and "7.00" not in section


def test_median_and_90th_percentile_days_from_report_to_payment(app, demo):
    from hwc.dashboard.stats import build_dashboard

    with app.app_context():
        reported = datetime(2026, 1, 1, 8, tzinfo=UTC)
        for days in (1, 2, 3, 4, 10):
            claim = make_claim("paid")
            claim.reported_at, claim.paid_at = reported, reported + timedelta(days=days)
        make_claim("approved")  # not paid: not counted
        db.session.commit()
        board = build_dashboard(User.by_username("auditor"))
        assert board.median_days_to_payment == 3
        # Inclusive interpolation: rank 0.9 × (5 − 1) = 3.6, between 4 and 10 → 4 + 0.6 × 6.
        assert board.p90_days_to_payment == pytest.approx(7.6)
