"""Pricing a claim's loss items with the rate schedule in force for its village and date."""

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hwc.claims.models import Claim, LossItem
from hwc.core.db import local_date
from hwc.core.money import MONEY_LIMIT, round_money
from hwc.extensions import db
from hwc.rates.models import Rate, RateSchedule
from hwc.rates.service import RateError, item_amount, rate_for, schedule_for
from hwc.regions.models import PATH_SEPARATOR, Region
from hwc.regions.settings import jurisdiction_of


class PricingError(ValueError):
    """An item cannot be priced; ``index`` is its position in the claim, ``reason`` a code."""

    def __init__(self, index: int, reason: str):
        super().__init__(index, reason)
        self.index, self.reason = index, reason


def claim_schedule(claim: Claim) -> RateSchedule | None:
    """The schedule in force in the claim's village on the incident's local day there."""
    return schedule_for(claim.village, local_date(claim.occurred_at, jurisdiction_of(claim).zone))


def item_rate(schedule: RateSchedule | None, item: LossItem) -> Rate | None:
    if schedule is None:
        return None
    return rate_for(schedule, item.kind, item.category, item.condition)


_NOT_GIVEN = object()


def page_schedules(claims) -> dict[int, RateSchedule | None]:
    """``claim_schedule`` of each of ``claims``, by claim id, in two queries however many
    claims: every schedule of their villages and those villages' ancestors, with its rates."""
    chains = {claim.id: [code for code in claim.village.path.split(PATH_SEPARATOR) if code]
              for claim in claims}
    codes = {code for chain in chains.values() for code in chain}
    by_code: dict[str, list[RateSchedule]] = {}
    for code, schedule in db.session.execute(
            select(Region.code, RateSchedule).join(RateSchedule.region)
            .where(Region.code.in_(codes)).options(selectinload(RateSchedule.rates))):
        by_code.setdefault(code, []).append(schedule)
    found = {}
    for claim in claims:
        on = local_date(claim.occurred_at, jurisdiction_of(claim).zone)
        found[claim.id] = None
        for code in reversed(chains[claim.id]):
            in_force = [s for s in by_code.get(code, ()) if s.effective_from <= on]
            if in_force:
                found[claim.id] = max(in_force, key=lambda s: s.effective_from)
                break
    return found


def items_without_rate(claim: Claim, schedule=_NOT_GIVEN) -> list[int]:
    """Positions of the items that the schedule in force (``schedule`` when the caller has
    read it already) has no rate for."""
    if schedule is _NOT_GIVEN:
        schedule = claim_schedule(claim)
    return [item.position for item in claim.items if item_rate(schedule, item) is None]


def price_items(claim: Claim) -> tuple[RateSchedule | None, Decimal]:
    """Apply the schedule to every item's assessed quantity and copy the rate onto the item, so
    that a later schedule never changes this claim. Returns the schedule and the total.

    Raises ``PricingError`` for an item with a quantity but no rate, that cannot be priced, or
    that takes the total beyond what a money column holds (``too_large``).
    """
    schedule = claim_schedule(claim)
    total = Decimal(0)
    currency = schedule.currency if schedule is not None else claim.currency
    for item in claim.items:
        quantity = item.assessed_quantity if item.assessed_quantity is not None else item.quantity
        rate = item_rate(schedule, item)
        if rate is None:
            if quantity == 0:
                item.amount = round_money(Decimal(0), currency)
                continue
            raise PricingError(item.position, "no_rate")
        try:
            amount = item_amount(rate, quantity, item.unit, item.unit_value, currency)
        except RateError as error:
            raise PricingError(item.position, type(error).__name__) from error
        item.assessed_quantity = quantity
        item.rate_basis, item.rate_value = str(rate.basis), rate.rate
        item.rate_cap, item.rate_unit = rate.cap, str(rate.unit)
        item.amount = amount
        total += amount
        if total >= MONEY_LIMIT:  # more than any money column holds: a typo, not a loss
            raise PricingError(item.position, "too_large")
    if schedule is not None:
        claim.currency = schedule.currency
    claim.rate_schedule = schedule
    return schedule, round_money(total, currency)
