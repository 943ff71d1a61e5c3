"""Figures for the dashboard, over the claims in the viewer's area: read from the rollups in
``hwc.dashboard.tallies`` (a few hundred cells, whatever the size of the history), and the overdue
claims counted among the open ones."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from hwc.accounts.models import User
from hwc.claims.deadlines import WAITING_STEP
from hwc.claims.models import Claim, ClaimStatus, Species
from hwc.core.db import utcnow
from hwc.dashboard.tallies import SET_ASIDE, cells_for
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.workflow.service import claims_in_scope


class Histogram:
    """Values with their counts (hours from report to a step, as days), read by rank as
    ``statistics`` reads a sorted list: the median, and the percentiles by inclusive
    interpolation."""

    def __init__(self, counts: dict[float, int]) -> None:
        self.values = sorted((value, n) for value, n in counts.items() if n > 0)
        self.size = sum(n for _value, n in self.values)

    def __bool__(self) -> bool:
        return self.size > 0

    def at(self, rank: int) -> float:
        """The value at ``rank`` (from 0) of the sorted values."""
        seen = 0
        for value, n in self.values:
            seen += n
            if rank < seen:
                return value
        raise IndexError(rank)

    def median(self) -> float | None:
        if not self:
            return None
        middle = self.size // 2
        if self.size % 2:
            return self.at(middle)
        return (self.at(middle - 1) + self.at(middle)) / 2

    def percentile(self, share: float) -> float | None:
        """As ``statistics.quantiles(values, n=100, method="inclusive")[share × 100 − 1]``."""
        if not self:
            return None
        if self.size == 1:
            return self.at(0)
        i, m = round(share * 100), self.size - 1
        j, delta = divmod(i * m, 100)
        return (self.at(j) * (100 - delta) + self.at(j + 1) * delta) / 100


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
    days_to_payment: Histogram = field(default_factory=lambda: Histogram({}))
    days_to_decision: Histogram = field(default_factory=lambda: Histogram({}))
    # What late payment has cost: the interest on live vouchers, by (issue month, currency)
    # and by (county name, currency).
    interest_by_month: dict = field(default_factory=lambda: defaultdict(Decimal))
    interest_by_county: dict = field(default_factory=lambda: defaultdict(Decimal))

    @property
    def median_days_to_payment(self):
        return self.days_to_payment.median()

    @property
    def p90_days_to_payment(self):
        return self.days_to_payment.percentile(0.9)

    @property
    def median_days_to_decision(self):
        return self.days_to_decision.median()

    @property
    def p90_days_to_decision(self):
        return self.days_to_decision.percentile(0.9)

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


def _rows(amounts: dict, counts: Counter) -> list[tuple]:
    order = list(ClaimStatus)
    return [(status, currency, counts[status], amount)
            for (status, currency), amount in sorted(
                amounts.items(), key=lambda item: (order.index(item[0][0]), item[0][1]))]


def roots_of(user: User) -> list[Region]:
    """The user's scope as regions none of which lies within another."""
    roots = sorted(user.scope_regions, key=lambda region: len(region.path))
    kept: list[Region] = []
    for region in roots:
        if not any(region.is_within(other) for other in kept):
            kept.append(region)
    return kept


def count_overdue(board: Dashboard, user: User) -> None:
    """The claims past their step's deadline, by step: among the open claims only, which the
    (status, due time) index finds without reading the closed history."""
    query = (claims_in_scope(user)
             .with_only_columns(Claim.status, func.count())
             .where(Claim.status.in_(list(WAITING_STEP)), Claim.due_at < utcnow())
             .group_by(Claim.status))
    for status, n in db.session.execute(query):
        board.overdue_by_step[WAITING_STEP[ClaimStatus(status)]] += n


def build_dashboard(user: User) -> Dashboard:
    """Count and sum the claims in ``user``'s area; times in days, from report to decision and
    to payment."""
    board = Dashboard()
    places: dict[str, Counter] = {"township": Counter(), "interest_county": defaultdict(Decimal)}
    hours: dict[str, Counter] = {"paid_hours": Counter(), "decided_hours": Counter()}
    for (dimension, key, currency), (claims, amount) in cells_for(roots_of(user)).items():
        if dimension == "status":
            status = ClaimStatus(key)
            board.total += claims
            board.by_status[status] += claims
            if status in SET_ASIDE:
                board.set_aside_by_status[(status, currency)] += amount
            else:
                board.amounts_by_status[(status, currency)] += amount
                board.amounts_by_currency[currency] += amount
        elif dimension == "species":
            board.by_species[Species(key)] += claims
        elif dimension == "month":
            board.by_month[key] += claims
        elif dimension == "township":
            places["township"][int(key)] += claims
        elif dimension in hours:
            hours[dimension][int(key) / 24] += claims
        elif dimension == "interest_month":
            board.interest_by_month[(key, currency)] += amount
        elif dimension == "interest_county":
            places["interest_county"][(int(key), currency)] += amount
    board.days_to_payment = Histogram(hours["paid_hours"])
    board.days_to_decision = Histogram(hours["decided_hours"])
    ids = set(places["township"]) | {id_ for id_, _currency in places["interest_county"]}
    names = {region.id: region.display_name()
             for region in db.session.scalars(select(Region).where(Region.id.in_(ids)))}
    for township, claims in places["township"].items():
        board.by_township[names[township]] += claims
    for (county, currency), amount in places["interest_county"].items():
        board.interest_by_county[(names[county], currency)] += amount
    count_overdue(board, user)
    return board
