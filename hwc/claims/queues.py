"""The office queues: the claims that wait on a user (what the workflow table gives them to do
now), filters, sorting and keyset pages."""

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Select, func, select

from hwc.accounts.models import User
from hwc.claims.filters import QueueFilters, apply_filters
from hwc.claims.models import Claim, ClaimStatus
from hwc.regions.models import Region, RegionLevel
from hwc.workflow.service import (
    acts_on_claims,
    claims_in_scope,
    statuses_waiting_on,
    waiting_on,
)

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)  # the due time of a claim without a deadline
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
PAGE_SIZE = 25


def queue_statuses(user: User) -> tuple[ClaimStatus, ...]:
    """The statuses a claim in ``user``'s queue may have, in workflow order (every status for
    those who watch all claims in their area)."""
    if not acts_on_claims(user):
        return tuple(ClaimStatus)
    waiting = statuses_waiting_on(user)
    return tuple(status for status in ClaimStatus if status in waiting)


def sort_key(sort: str):
    return {
        "due": (func.coalesce(Claim.due_at, FAR_FUTURE), True),
        "reported": (Claim.reported_at, False),
        "amount": (Claim.current_amount, False),
        "approved": (func.coalesce(Claim.approved_at, FAR_FUTURE), True),
    }[sort]


def _encode(value, claim_id: int) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    elif isinstance(value, Decimal):
        value = {"d": str(value)}
    raw = json.dumps([value, claim_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, sort: str):
    """The position a next-page token names, or None when the token is not one this queue
    made for ``sort`` (a tampered or stale link starts again from the first page)."""
    try:
        value, claim_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if type(claim_id) is not int or not 0 < claim_id < 2**63:
            return None
        if sort == "amount":
            value = Decimal(value["d"])
            return (value, claim_id) if value.is_finite() and abs(value) < 10**15 else None
        value = datetime.fromisoformat(value["t"])
        # Compared before any conversion: year 1 or 9999 in another zone has no UTC time.
        if value.tzinfo is None or not EARLIEST <= value <= FAR_FUTURE:
            return None
        return value.astimezone(UTC), claim_id
    except (ValueError, TypeError, KeyError, json.JSONDecodeError, ArithmeticError):
        return None


# An area holding more than this share of all villages reads its claims in queue order
# (the order's index) rather than all its claims through the village index.
WIDE_AREA_SHARE = 0.01


def wide_area(user: User) -> bool:
    """Whether ``user``'s area holds more than ``WIDE_AREA_SHARE`` of all villages (counted in
    the regions table, whose size does not grow with history)."""
    from hwc.extensions import db

    villages = select(func.count()).select_from(Region).where(
        Region.level == RegionLevel.village)
    total = db.session.scalar(villages)
    mine = db.session.scalar(villages.where(
        Region.id.in_(Region.subtree_ids(*user.scope_regions))))
    return mine > total * WIDE_AREA_SHARE


def queue_query(user: User, filters: QueueFilters) -> Select:
    """The claims of ``user``'s queue with ``filters``. What waits on someone is read through
    the status index; those who watch a wide area read it newest report first through the
    (reported_at, id) index; a narrow area through the village index."""
    acts = acts_on_claims(user)
    query = claims_in_scope(user, village_index=not acts and not (
        filters.sort == "reported" and wide_area(user)))
    if acts:
        query = query.where(waiting_on(user))
    if filters.status is not None and filters.status in queue_statuses(user):
        query = query.where(Claim.status == filters.status)
    return apply_filters(query, filters, user)


def queue_page(user: User, filters: QueueFilters) -> tuple[list[Claim], str | None]:
    """One page of the queue and the token of the next page (None on the last page)."""
    from hwc.extensions import db

    column, ascending = sort_key(filters.sort)
    query = queue_query(user, filters)
    position = _decode(filters.after, filters.sort) if filters.after else None
    if position is not None:
        value, claim_id = position
        if ascending:
            query = query.where((column > value) | ((column == value) & (Claim.id > claim_id)))
        else:
            query = query.where((column < value) | ((column == value) & (Claim.id < claim_id)))
    order = (column.asc(), Claim.id.asc()) if ascending else (column.desc(), Claim.id.desc())
    rows = db.session.execute(query.add_columns(column).order_by(*order)
                              .limit(PAGE_SIZE + 1)).all()
    claims = [row[0] for row in rows[:PAGE_SIZE]]
    token = None
    if len(rows) > PAGE_SIZE:
        last = rows[PAGE_SIZE - 1]
        token = _encode(last[1], last[0].id)
    return claims, token
