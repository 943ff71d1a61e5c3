"""Figures for the dashboard, over the claims in the viewer's area."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hwc.accounts.models import User
from hwc.claims.deadlines import WAITING_STEP
from hwc.claims.models import Claim, ClaimStatus
from hwc.core.db import local_date, utcnow
from hwc.extensions import db
from hwc.regions.models import Region, RegionLevel
from hwc.regions.settings import jurisdiction_of
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.workflow.service import claims_in_scope


@dataclass
class Dashboard:
    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_species: Counter = field(default_factory=Counter)
    by_month: Counter = field(default_factory=Counter)
    by_township: Counter = field(default_factory=Counter)
    amounts_by_status: dict = field(default_factory=lambda: defaultdict(Decimal))
    amounts_by_currency: dict = field(default_factory=lambda: defaultdict(Decimal))
    # Rejected and withdrawn claims: what was claimed, shown apart from the live amounts.
    set_aside_by_status: dict = field(default_factory=lambda: defaultdict(Decimal))
    overdue_by_step: Counter = field(default_factory=Counter)
    days_to_payment: list = field(default_factory=list)
    days_to_decision: list = field(default_factory=list)
    # What late payment has cost: the interest on live vouchers, by (issue month, currency)
    # and by (county name, currency).
    interest_by_month: dict = field(default_factory=lambda: defaultdict(Decimal))
    interest_by_county: dict = field(default_factory=lambda: defaultdict(Decimal))

    @staticmethod
    def percentile(values: list[float], share: float) -> float | None:
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]

    @property
    def median_days_to_payment(self):
        return statistics.median(self.days_to_payment) if self.days_to_payment else None

    @property
    def p90_days_to_payment(self):
        return self.percentile(self.days_to_payment, 0.9)

    @property
    def median_days_to_decision(self):
        return statistics.median(self.days_to_decision) if self.days_to_decision else None

    @property
    def p90_days_to_decision(self):
        return self.percentile(self.days_to_decision, 0.9)

    @property
    def interest_month_rows(self) -> list[tuple]:
        """(issue month, currency, interest), oldest month first."""
        return [(*key, amount) for key, amount in sorted(self.interest_by_month.items())]

    @property
    def interest_county_rows(self) -> list[tuple]:
        """(county, currency, interest), by county name."""
        return [(*key, amount) for key, amount in sorted(self.interest_by_county.items())]

    @property
    def amount_rows(self) -> list[tuple]:
        """(status, currency, claims, amount) of the live claims, in the workflow's order."""
        return _rows(self.amounts_by_status, self.by_status)

    @property
    def set_aside_rows(self) -> list[tuple]:
        """(status, currency, claims, amount claimed) of the rejected and withdrawn claims."""
        return _rows(self.set_aside_by_status, self.by_status)


SET_ASIDE = (ClaimStatus.rejected, ClaimStatus.withdrawn)


def _rows(amounts: dict, counts: Counter) -> list[tuple]:
    order = list(ClaimStatus)
    return [(status, currency, counts[status], amount)
            for (status, currency), amount in sorted(
                amounts.items(), key=lambda item: (order.index(item[0][0]), item[0][1]))]


def township_of(region: Region, cache: dict) -> Region:
    """The township above a village (or the village's own top below the county)."""
    if region.id in cache:
        return cache[region.id]
    node = region
    while node.parent is not None and node.level not in (RegionLevel.township,
                                                         RegionLevel.county):
        node = node.parent
    cache[region.id] = node
    return node


def county_of(region: Region, cache: dict) -> Region:
    """The county a place lies in (the place itself if it is a county or above one)."""
    if region.id not in cache:
        node = region
        while node.parent is not None and node.level is not RegionLevel.county:
            node = node.parent
        cache[region.id] = node if node.level is RegionLevel.county else region
    return cache[region.id]


def add_interest(board: Dashboard, user: User) -> None:
    """Sum the late-payment interest of the live vouchers of the claims in ``user``'s area."""
    scoped = claims_in_scope(user).with_only_columns(Claim.id)
    query = (select(Voucher).where(Voucher.claim_id.in_(scoped),
                                   Voucher.status != VoucherStatus.void, Voucher.interest > 0)
             .options(selectinload(Voucher.claim).selectinload(Claim.village)))
    counties: dict[int, Region] = {}
    for voucher in db.session.scalars(query):
        month = voucher.issued_on.strftime("%Y-%m")
        county = county_of(voucher.claim.village, counties).display_name()
        board.interest_by_month[(month, voucher.currency)] += voucher.interest
        board.interest_by_county[(county, voucher.currency)] += voucher.interest


def build_dashboard(user: User) -> Dashboard:
    """Count and sum the claims in ``user``'s area; times in days, from report to decision and
    to payment."""
    board = Dashboard()
    now = utcnow()
    townships: dict[int, Region] = {}
    query = claims_in_scope(user).execution_options(yield_per=500)
    for claim in db.session.scalars(query):
        board.total += 1
        status = ClaimStatus(claim.status)
        board.by_status[status] += 1
        board.by_species[claim.species] += 1
        board.by_month[local_date(claim.occurred_at, jurisdiction_of(claim).zone)
                       .strftime("%Y-%m")] += 1
        board.by_township[township_of(claim.village, townships).display_name()] += 1
        if status in SET_ASIDE:
            board.set_aside_by_status[(status, claim.currency)] += claim.claimed_total
        else:
            board.amounts_by_status[(status, claim.currency)] += claim.current_amount
            board.amounts_by_currency[claim.currency] += claim.current_amount
        if claim.due_at is not None and claim.due_at < now:
            board.overdue_by_step[WAITING_STEP[status]] += 1
        if claim.decided_at is not None:
            board.days_to_decision.append(
                (claim.decided_at - claim.reported_at).total_seconds() / 86400)
        if claim.paid_at is not None:
            board.days_to_payment.append(
                (claim.paid_at - claim.reported_at).total_seconds() / 86400)
    add_interest(board, user)
    return board
