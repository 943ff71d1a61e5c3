"""Which schedule and rate apply to a loss, and what the loss is worth, in exact Decimals."""

from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

from sqlalchemy import select

from hwc.claims.models import Unit
from hwc.core.money import round_money
from hwc.extensions import db
from hwc.rates.models import Basis, Rate, RateSchedule
from hwc.regions.models import Region

# Square metres per unit of area, exact: 1 mu = 10000/15 m², 1 acre = 4046.8564224 m².
AREA_IN_M2 = {
    Unit.m2: Fraction(1),
    Unit.ha: Fraction(10000),
    Unit.mu: Fraction(10000, 15),
    Unit.acre: Fraction("4046.8564224"),
}


class RateError(ValueError):
    """A loss cannot be priced with the rate given."""


class IncompatibleUnits(RateError):
    pass


class MissingUnitValue(RateError):
    """A percentage-of-value rate needs the assessed value of one unit."""


def convert_quantity(quantity: Decimal, from_unit, to_unit) -> Decimal:
    """``quantity`` in ``from_unit`` expressed in ``to_unit``; area conversions are exact
    fractions turned into a Decimal of 28 significant digits only at the end."""
    from_unit, to_unit = Unit(from_unit), Unit(to_unit)
    if from_unit == to_unit:
        return quantity
    if from_unit not in AREA_IN_M2 or to_unit not in AREA_IN_M2:
        raise IncompatibleUnits(f"{from_unit} → {to_unit}")
    exact = Fraction(quantity) * AREA_IN_M2[from_unit] / AREA_IN_M2[to_unit]
    with localcontext() as context:
        context.prec = 28
        return Decimal(exact.numerator) / Decimal(exact.denominator)


def schedule_for(village: Region, on: date) -> RateSchedule | None:
    """The schedule with the latest effective date on or before ``on``, on the village or on
    its nearest ancestor that has one in force."""
    chain = [village, *reversed(village.ancestors())]
    for region in chain:
        schedule = db.session.scalar(
            select(RateSchedule).where(RateSchedule.region_id == region.id,
                                       RateSchedule.effective_from <= on)
            .order_by(RateSchedule.effective_from.desc()).limit(1))
        if schedule is not None:
            return schedule
    return None


def rate_for(schedule: RateSchedule, kind, category: str, condition) -> Rate | None:
    """The schedule's rate for this loss: one for the exact condition beats one for any."""
    generic = None
    for rate in schedule.rates:
        if rate.kind != kind or rate.category != category:
            continue
        if rate.condition == str(condition):
            return rate
        if rate.condition is None:
            generic = rate
    return generic


def item_amount(rate: Rate, quantity: Decimal, unit, unit_value: Decimal | None,
                currency: str) -> Decimal:
    """Quantity converted into the rate's unit × (the rate per unit, or the rate's percentage
    of the assessed unit value), the per-unit amount limited by the cap; rounded half-up to
    the currency's places."""
    per_unit_quantity = convert_quantity(quantity, unit, rate.unit)
    if rate.basis == Basis.per_unit:
        per_unit = rate.rate
    else:
        if unit_value is None:
            raise MissingUnitValue(rate.category)
        # The value is given per claimed unit: bring it to the rate's unit first.
        value_in_rate_unit = unit_value / convert_quantity(Decimal(1), unit, rate.unit)
        per_unit = rate.rate / 100 * value_in_rate_unit
    if rate.cap is not None:
        per_unit = min(per_unit, rate.cap)
    return round_money(per_unit_quantity * per_unit, currency)
