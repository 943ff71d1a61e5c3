"""Which schedule and rate apply to a loss, and what the loss is worth, in exact Decimals; and
which schedules an administrator may see (those of their own region subtree)."""

from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

from sqlalchemy import select

from hwc.core.money import round_money
from hwc.extensions import db
from hwc.rates.models import Basis, Rate, RateSchedule
from hwc.regions.models import Region

# Square metres per unit of area, exact: 1 mu = 10000/15 m², 1 acre = 4046.8564224 m².
# Other units convert only into themselves.
AREA_IN_M2 = {
    "m2": Fraction(1),
    "ha": Fraction(10000),
    "mu": Fraction(10000, 15),
    "acre": Fraction("4046.8564224"),
}
# Significant digits of a converted quantity; the Fraction behind it is exact.
CONVERSION_DIGITS = 28
# Intermediate precision before rounding money: far beyond any currency's places, so a tie
# (an exact x.xx5) is still exactly a tie when round_money sees it.
AMOUNT_DIGITS = 60


class ScheduleNotFound(LookupError):
    """No schedule with that id, or one outside the actor's scope: both answer alike."""


class RateError(ValueError):
    """A loss cannot be priced with the rate given."""


class IncompatibleUnits(RateError):
    """The claimed unit cannot be converted into the rate's (head into kg, mu into item)."""


class MissingUnitValue(RateError):
    """A percentage-of-value rate needs the assessed value of one unit."""


def _to_decimal(value: Fraction, digits: int) -> Decimal:
    with localcontext() as context:
        context.prec = digits
        return Decimal(value.numerator) / Decimal(value.denominator)


def units_ratio(from_unit, to_unit) -> Fraction:
    """How many ``to_unit`` make one ``from_unit``, exactly. Raises ``IncompatibleUnits``
    unless the units are equal or both areas."""
    from_unit, to_unit = str(from_unit), str(to_unit)
    if from_unit == to_unit:
        return Fraction(1)
    if from_unit not in AREA_IN_M2 or to_unit not in AREA_IN_M2:
        raise IncompatibleUnits(f"{from_unit} → {to_unit}")
    return AREA_IN_M2[from_unit] / AREA_IN_M2[to_unit]


def convert_quantity(quantity: Decimal, from_unit, to_unit) -> Decimal:
    """``quantity`` in ``from_unit`` expressed in ``to_unit``: unchanged for equal units;
    area conversions computed as exact fractions and turned into a Decimal of 28 significant
    digits only at the end. Raises ``IncompatibleUnits`` for any other pair."""
    ratio = units_ratio(from_unit, to_unit)
    if ratio == 1:
        return quantity
    return _to_decimal(Fraction(quantity) * ratio, CONVERSION_DIGITS)


def schedule_for(village: Region, on: date) -> RateSchedule | None:
    """The schedule with the latest effective date on or before ``on``, taken from the village
    or else from its nearest ancestor that has one in force on that date; None if none has."""
    for region in [village, *reversed(village.ancestors())]:
        schedule = db.session.scalar(
            select(RateSchedule).where(RateSchedule.region_id == region.id,
                                       RateSchedule.effective_from <= on)
            .order_by(RateSchedule.effective_from.desc()).limit(1))
        if schedule is not None:
            return schedule
    return None


def schedules_in_scope(actor) -> list[RateSchedule]:
    """The schedules of the regions ``actor`` administers, by region and newest first."""
    roots = [root for root in actor.scope_regions if actor.administers(root)]
    return list(db.session.scalars(
        select(RateSchedule).join(RateSchedule.region)
        .where(RateSchedule.region_id.in_(Region.subtree_ids(*roots)))
        .order_by(Region.path, RateSchedule.effective_from.desc())))


def get_schedule(schedule_id: int, *, actor) -> RateSchedule:
    """The schedule with this id if ``actor`` administers its region; else
    ``ScheduleNotFound``."""
    schedule = db.session.get(RateSchedule, schedule_id)
    if schedule is None or not actor.administers(schedule.region):
        raise ScheduleNotFound(schedule_id)
    return schedule


def in_force(schedules: list[RateSchedule], on: date) -> set[int]:
    """Ids of those of ``schedules`` that are in force on ``on``: per region, the one with
    the latest effective date on or before it."""
    latest: dict[int, RateSchedule] = {}
    for schedule in schedules:
        if schedule.effective_from > on:
            continue
        best = latest.get(schedule.region_id)
        if best is None or schedule.effective_from > best.effective_from:
            latest[schedule.region_id] = schedule
    return {schedule.id for schedule in latest.values()}


def rate_for(schedule: RateSchedule, kind, category: str, condition) -> Rate | None:
    """The schedule's rate for this loss: one for the exact condition beats one for any
    condition; None if the schedule has neither."""
    condition = None if condition is None else str(condition)
    generic = None
    for rate in schedule.rates:
        if rate.kind != kind or rate.category != category:
            continue
        if condition is not None and rate.condition == condition:
            return rate
        if rate.condition is None:
            generic = rate
    return generic


def item_amount(rate: Rate, quantity: Decimal, unit, unit_value: Decimal | None,
                currency: str) -> Decimal:
    """Quantity converted into the rate's unit × the amount per rate unit: the rate itself
    (``per_unit``) or the rate's percentage of the assessed value (``percent_of_value``;
    ``unit_value`` is the value of one *claimed* unit), limited by the cap when there is one.
    Computed exactly and rounded half-up to the currency's places.

    Raises ``IncompatibleUnits`` or ``MissingUnitValue`` (both ``RateError``)."""
    ratio = units_ratio(unit, rate.unit)  # rate units per claimed unit
    if rate.basis == Basis.per_unit:
        per_rate_unit = Fraction(rate.rate)
    else:
        if unit_value is None:
            raise MissingUnitValue(rate.category)
        per_rate_unit = Fraction(rate.rate) / 100 * Fraction(unit_value) / ratio
    if rate.cap is not None:
        per_rate_unit = min(per_rate_unit, Fraction(rate.cap))
    amount = Fraction(quantity) * ratio * per_rate_unit
    return round_money(_to_decimal(amount, AMOUNT_DIGITS), currency)
