"""Late-payment interest: what a region owes a resident for each local day a claim is paid after
its statutory days (``pay_within_days``), at the rate in force that day (``LateInterestRate``)
and under the region's day-count convention (``interest_day_count``). All in ``Decimal``."""

from calendar import isleap
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from hwc.audit.trail import record_event
from hwc.claims.deadlines import deadlines, due_day
from hwc.core.db import utcnow
from hwc.core.edge import EARLIEST_DATE, LATEST_DATE
from hwc.core.money import round_money
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.operations import RegionNotFound
from hwc.regions.settings import jurisdiction_of
from hwc.vouchers.models import LateInterestRate

# A rate is a percentage a year: from 0 to 100, with at most this many places (Numeric(7, 4)).
MAX_RATE = Decimal(100)
RATE_PLACES = 4


@dataclass(frozen=True)
class LateInterest:
    """Interest owed: ``amount`` rounded once to the currency's places (half-up), the number of
    late ``days``, and ``detail``: one entry per run of days at the same rate and basis,
    ``{"from", "to", "days", "rate", "basis"}`` (days as ISO text, the rate as text)."""

    amount: Decimal
    days: int = 0
    detail: list[dict] = field(default_factory=list)


def _rates_of(region: Region | None) -> list[tuple[date, Decimal]]:
    """The rates of the nearest region from ``region`` up to the root that has any, oldest
    first; empty if none has."""
    chain = [region, *reversed(region.ancestors())] if region is not None else []
    ids = [node.id for node in chain]
    rows = db.session.execute(
        select(LateInterestRate.region_id, LateInterestRate.effective_from, LateInterestRate.rate)
        .where(LateInterestRate.region_id.in_(ids))
        .order_by(LateInterestRate.effective_from)).all() if ids else []
    for region_id in ids:
        own = [(day, Decimal(rate)) for owner, day, rate in rows if owner == region_id]
        if own:
            return own
    return []


def rate_text(rate: Decimal) -> str:
    """A rate as plain text without trailing zeros ("6", "7.25")."""
    return f"{rate.normalize():f}"


def _rate_in(rates: list[tuple[date, Decimal]], day: date) -> Decimal:
    rate = Decimal(0)
    for effective_from, value in rates:
        if effective_from > day:
            break
        rate = value
    return rate


def rate_on(region: Region | None, day: date) -> Decimal:
    """The rate (% a year) in force on ``day`` in ``region``: the latest rate taking effect on
    or before ``day`` of the nearest region in its ancestry (itself first) that has any rates;
    0 if there is none."""
    return _rate_in(_rates_of(region), day)


def day_basis(convention: str, day: date) -> int:
    """The days in the year that a day's interest divides by under ``convention``."""
    if convention == "actual/360":
        return 360
    if convention == "actual/actual":
        return 366 if isleap(day.year) else 365
    return 365


def late_days(claim, issue_day: date) -> tuple[date, date] | None:
    """The first and last late day (claim's local days after the ``pay_by`` deadline's last
    day, up to and including ``issue_day``), or None when nothing is late."""
    pay_by = deadlines(claim)["pay_by"]
    if pay_by is None:
        return None
    first = due_day(pay_by, jurisdiction_of(claim).zone) + timedelta(days=1)
    return (first, issue_day) if first <= issue_day else None


def accrue(principal: Decimal, first: date, last: date, rates: list[tuple[date, Decimal]],
           convention: str, currency: str) -> LateInterest:
    """Interest on ``principal`` for the days ``first`` to ``last`` (both included), each at
    the rate of ``rates`` (``(effective_from, % a year)``, oldest first) in force that day:
    ``principal × rate / 100 / basis`` per day, summed in full precision and rounded once,
    half-up, to ``currency``'s places. Nothing (0, no days) if no day has a rate."""
    total, detail, day = Decimal(0), [], first
    while day <= last:
        rate, basis = _rate_in(rates, day), day_basis(convention, day)
        if rate:
            total += principal * rate / 100 / basis
            text, previous = rate_text(rate), (day - timedelta(days=1)).isoformat()
            run = detail[-1] if detail else None
            if run and (run["rate"], run["basis"], run["to"]) == (text, basis, previous):
                run["to"], run["days"] = day.isoformat(), run["days"] + 1
            else:
                detail.append({"from": day.isoformat(), "to": day.isoformat(), "days": 1,
                               "rate": text, "basis": basis})
        day += timedelta(days=1)
    if not detail:
        return LateInterest(round_money(Decimal(0), currency))
    return LateInterest(round_money(total, currency), (last - first).days + 1, detail)


def late_interest(claim, principal: Decimal, issue_day: date) -> LateInterest:
    """The interest owed on ``principal`` if the claim's voucher is issued on ``issue_day``
    (``accrue`` over the claim's late days, the rates of its village and its day count)."""
    period = late_days(claim, issue_day)
    if period is None or principal <= 0:
        return LateInterest(round_money(Decimal(0), claim.currency))
    return accrue(principal, *period, _rates_of(claim.village),
                  jurisdiction_of(claim)["interest_day_count"], claim.currency)


def expected_amount(claim, day: date) -> Decimal:
    """What a voucher for ``claim`` issued on ``day`` (the claim's local day) will be for: the
    approved amount plus the late-payment interest as of that day."""
    principal = round_money(claim.approved_total, claim.currency)
    return principal + late_interest(claim, principal, day).amount


class RateRefused(ValueError):
    """A late-interest rate that cannot be added; ``field`` names the input, ``message`` why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def region_rates(region: Region) -> list[LateInterestRate]:
    """The region's own rates, latest first."""
    return list(db.session.scalars(
        select(LateInterestRate).where(LateInterestRate.region_id == region.id)
        .order_by(LateInterestRate.effective_from.desc())))


def add_late_interest_rate(region: Region, *, actor, effective_from: date,
                           rate: Decimal) -> LateInterestRate:
    """Add a rate (% a year, 0–100, at most four places) in force in ``region`` from
    ``effective_from`` on. Only an administrator whose area holds the region may
    (``RegionNotFound`` otherwise); a second rate from the same day is refused
    (``RateRefused``). Audited ``late_interest_rate_added``."""
    if not actor.administers(region):
        raise RegionNotFound(region.code)
    if not isinstance(effective_from, date) or not EARLIEST_DATE <= effective_from <= LATEST_DATE:
        raise RateRefused("effective_from", _("Use a date between %(first)s and %(last)s.",
                                              first=EARLIEST_DATE.isoformat(),
                                              last=LATEST_DATE.isoformat()))
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= MAX_RATE:
        raise RateRefused("rate", _("Enter a rate from 0 to %(max)s.", max=MAX_RATE))
    if -rate.as_tuple().exponent > RATE_PLACES:
        raise RateRefused("rate", _("Use at most %(num)d decimal places.", num=RATE_PLACES))
    taken = db.session.scalar(select(LateInterestRate.id).where(
        LateInterestRate.region_id == region.id,
        LateInterestRate.effective_from == effective_from))
    if taken is not None:
        raise RateRefused("effective_from", _("This region already has a rate from that day; "
                                              "add one from another day."))
    row = LateInterestRate(region_id=region.id, effective_from=effective_from, rate=rate,
                           created_at=utcnow(), created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record_event("late_interest_rate_added", actor=actor, changes={
        "region": region.code, "effective_from": effective_from.isoformat(),
        "rate": rate_text(rate)})
    return row
