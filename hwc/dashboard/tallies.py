"""The dashboard's rollups, kept in the same transaction as every change to a claim or voucher.

For every region, the claims in its subtree are counted (and summed) by status and currency, by
animal, by month of the incident (local to the village), by township, by whole hours from report
to decision and to payment; the live vouchers' late-payment interest by month of issue and by
county. A claim counts once in each region above its village and in the village itself, so a
dashboard reads the cells of its viewer's few root regions — a few hundred rows however long the
history (the hours are bounded by how long claims take, the months by the programme's age).

The cells follow the rows, not the code paths that change them: before a flush the old values of
every claim and voucher about to change are read back from the database, after it the new ones,
and the difference is added to the cells in that flush's transaction (a savepoint that rolls back
takes its share with it). ``rebuild_tallies`` computes every cell from scratch: for the data
generator, the migration that introduced the cells, and the check that the two agree.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    event,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from hwc.claims.models import Claim, ClaimStatus
from hwc.core.settings import Setting, default_value, read_stored
from hwc.extensions import db
from hwc.regions.models import Region, RegionLevel
from hwc.regions.settings import RegionSetting
from hwc.vouchers.models import Voucher, VoucherStatus

SET_ASIDE = (ClaimStatus.rejected, ClaimStatus.withdrawn)
TOTAL = Numeric(20, 2)  # a whole country's sums in won or rupees outgrow a claim's 16 digits

Cell = tuple[str, str, str]  # (dimension, key, currency)
# (region, dimension, key, currency) → [claims, amount]
Cells = dict[tuple[int, str, str, str], list]


class Tally(db.Model):
    """One cell: the claims (and their amount) in ``region``'s subtree with one value of one
    dimension."""

    __tablename__ = "claim_tallies"
    __table_args__ = (UniqueConstraint("region_id", "dimension", "key", "currency",
                                       name="uq_claim_tallies_cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(db.ForeignKey("regions.id"))
    dimension: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3), default="")
    claims: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(TOTAL, default=Decimal(0))


@dataclass(frozen=True)
class Place:
    """Where a village lies: itself and every region above it, its township and county."""

    regions: tuple[int, ...]
    township: int
    county: int
    zone: ZoneInfo


CLAIM_COLUMNS = (Claim.id, Claim.village_id, Claim.status, Claim.species, Claim.occurred_at,
                 Claim.reported_at, Claim.decided_at, Claim.paid_at, Claim.currency,
                 Claim.claimed_total, Claim.current_amount)
VOUCHER_COLUMNS = (Voucher.id, Claim.village_id, Voucher.status, Voucher.interest,
                   Voucher.issued_on, Voucher.currency)


def hours_between(start: datetime, end: datetime) -> int:
    """The time from ``start`` to ``end`` in whole hours, coarser as it grows — to the hour
    within 10 days, to 6 hours within 100, then to the day — so that a region holds about a
    thousand such cells for claims that take up to two years, however long its history, each
    within a quarter of a day of the truth where the dashboard's tenth of a day can tell."""
    hours = int((end - start).total_seconds() // 3600)
    step = 1 if hours < 240 else 6 if hours < 2400 else 24
    return hours - hours % step


def claim_cells(row) -> Iterator[tuple[Cell, Decimal]]:
    """The cells one claim counts in (within one region), with the amount it adds to each."""
    (_id, _village, status, species, occurred_at, reported_at, decided_at, paid_at, currency,
     claimed_total, current_amount), place = row
    status = ClaimStatus(status)
    amount = claimed_total if status in SET_ASIDE else current_amount
    yield ("status", status.value, currency), amount
    yield ("species", str(species), ""), Decimal(0)
    yield ("month", occurred_at.astimezone(place.zone).strftime("%Y-%m"), ""), Decimal(0)
    yield ("township", str(place.township), ""), Decimal(0)
    if decided_at is not None:
        yield ("decided_hours", str(hours_between(reported_at, decided_at)), ""), Decimal(0)
    if paid_at is not None:
        yield ("paid_hours", str(hours_between(reported_at, paid_at)), ""), Decimal(0)


def voucher_cells(row) -> Iterator[tuple[Cell, Decimal]]:
    """A live voucher's late-payment interest, by month of issue and by county."""
    (_id, _village, status, interest, issued_on, currency), place = row
    if VoucherStatus(status) is VoucherStatus.void or not interest:
        return
    yield ("interest_month", issued_on.strftime("%Y-%m"), currency), interest
    yield ("interest_county", str(place.county), currency), interest


class Places:
    """Each village's place, read from the region tree and the ``time_zone`` settings over one
    connection (the ORM session is mid-flush when the cells are kept)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.known: dict[int, Place] = {}

    def __call__(self, village_id: int) -> Place:
        if village_id not in self.known:
            self._load()
        return self.known[village_id]

    def _load(self) -> None:
        regions = {id_: (parent, RegionLevel(level)) for id_, parent, level in
                   self.connection.execute(select(Region.id, Region.parent_id, Region.level))}
        default = self.connection.scalar(select(Setting.value).where(Setting.key == "time_zone"))
        default = (default is not None and read_stored("time_zone", default)) or \
            default_value("time_zone")
        own = {region: read_stored("time_zone", text) for region, text in self.connection.execute(
            select(RegionSetting.region_id, RegionSetting.value)
            .where(RegionSetting.key == "time_zone"))}
        zones: dict[str, ZoneInfo] = {}
        for id_ in regions:
            chain = [id_]
            while regions[chain[-1]][0] is not None:
                chain.append(regions[chain[-1]][0])
            zone = next((own[r] for r in chain if own.get(r)), default)
            township = next((r for r in chain if regions[r][1] in (RegionLevel.township,
                                                                  RegionLevel.county)), chain[-1])
            county = next((r for r in chain if regions[r][1] is RegionLevel.county), id_)
            self.known[id_] = Place(tuple(chain), township, county,
                                    zones.setdefault(zone, ZoneInfo(zone)))


def accumulate(cells: Cells, rows: Iterable, cells_of, places: Places, sign: int = 1) -> None:
    for row in rows:
        place = places(row[1])
        for (dimension, key, currency), amount in cells_of((row, place)):
            for region in place.regions:
                cell = cells.setdefault((region, dimension, key, currency), [0, Decimal(0)])
                cell[0] += sign
                cell[1] += sign * amount


def _rows(connection: Connection, columns, where) -> list:
    query = select(*columns).where(where)
    if columns is VOUCHER_COLUMNS:
        query = query.join(Claim, Claim.id == Voucher.claim_id)
    return connection.execute(query).all()


def _apply(connection: Connection, cells: Cells) -> None:
    """Add ``cells`` to the stored ones, in one order (concurrent transactions then take the
    cells' row locks in the same order and cannot deadlock over them)."""
    rows = [{"region_id": region, "dimension": dimension, "key": key, "currency": currency,
             "claims": claims, "amount": amount}
            for (region, dimension, key, currency), (claims, amount) in sorted(cells.items())
            if claims or amount]
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(Tally.__table__)
    statement = insert.on_conflict_do_update(
        index_elements=["region_id", "dimension", "key", "currency"],
        set_={"claims": Tally.__table__.c.claims + insert.excluded.claims,
              "amount": Tally.__table__.c.amount + insert.excluded.amount})
    for start in range(0, len(rows), 1000):
        connection.execute(statement, rows[start:start + 1000])


# --- keeping the cells in step with each flush -------------------------------------------------

PENDING = "hwc.tallies.pending"
PLACES = "hwc.tallies.places"


def _places(session: Session) -> Places:
    """The places, read once a transaction (again when a new village appears in it)."""
    if PLACES not in session.info:
        session.info[PLACES] = Places(session.connection())
    return session.info[PLACES]


@event.listens_for(Session, "after_transaction_end")
def _forget_places(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PLACES, None)


def _changed_ids(session: Session, model) -> set[int]:
    return {obj.id for obj in (*session.dirty, *session.deleted)
            if isinstance(obj, model) and obj.id is not None}


def _zone_changes(session: Session):
    """The claims whose local month a flush may move: those under a region whose own time zone
    changes, all of them when the deployment's does; None when no time zone changes."""
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, RegionSetting | Setting) and obj.key == "time_zone"]
    if not changed:
        return None
    if any(isinstance(obj, Setting) for obj in changed):
        return true()
    return Claim.village_id.in_(Region.subtree_ids(*{obj.region for obj in changed}))


def _claims_where(claims: set[int], zones):
    where = Claim.id.in_(claims) if claims else None
    if zones is None:
        return where
    return zones if where is None else or_(where, zones)


@event.listens_for(Session, "before_flush")
def _read_old_values(session: Session, _context, _instances) -> None:
    session.info.pop(PENDING, None)  # left by a flush that failed half-way
    claims, vouchers = _changed_ids(session, Claim), _changed_ids(session, Voucher)
    zones = _zone_changes(session)
    new = any(isinstance(obj, Claim | Voucher) for obj in session.new)
    if not (claims or vouchers or new or zones is not None):
        return
    connection = session.connection()
    places = _places(session)
    cells: Cells = {}
    where = _claims_where(claims, zones)
    if where is not None:
        accumulate(cells, _rows(connection, CLAIM_COLUMNS, where), claim_cells, places, sign=-1)
    if vouchers:
        accumulate(cells, _rows(connection, VOUCHER_COLUMNS, Voucher.id.in_(vouchers)),
                   voucher_cells, places, sign=-1)
    session.info[PENDING] = (cells, claims, vouchers, zones)


@event.listens_for(Session, "after_flush")
def _add_new_values(session: Session, _context) -> None:
    cells, claims, vouchers, zones = session.info.pop(PENDING, ({}, set(), set(), None))
    claims |= {obj.id for obj in session.new if isinstance(obj, Claim)}
    vouchers |= {obj.id for obj in session.new if isinstance(obj, Voucher)}
    where = _claims_where(claims, zones)
    if where is None and not vouchers:
        return
    if zones is not None:
        session.info.pop(PLACES, None)  # read the new time zones
    connection = session.connection()
    places = _places(session)
    if where is not None:
        accumulate(cells, _rows(connection, CLAIM_COLUMNS, where), claim_cells, places)
    if vouchers:
        accumulate(cells, _rows(connection, VOUCHER_COLUMNS, Voucher.id.in_(vouchers)),
                   voucher_cells, places)
    _apply(connection, cells)


# --- from scratch ------------------------------------------------------------------------------

def computed_cells(connection: Connection) -> Cells:
    """Every cell, computed from the claims and vouchers as they are."""
    places = Places(connection)
    cells: Cells = {}
    for columns, cells_of in ((CLAIM_COLUMNS, claim_cells), (VOUCHER_COLUMNS, voucher_cells)):
        query = select(*columns)
        if columns is VOUCHER_COLUMNS:
            query = query.join(Claim, Claim.id == Voucher.claim_id)
        result = connection.execute(query.execution_options(yield_per=10_000))
        for chunk in result.partitions():
            accumulate(cells, chunk, cells_of, places)
    return {key: value for key, value in cells.items() if value[0] or value[1]}


def stored_cells(connection: Connection) -> Cells:
    table = Tally.__table__
    return {(row.region_id, row.dimension, row.key, row.currency): [row.claims, row.amount]
            for row in connection.execute(select(table)) if row.claims or row.amount}


def rebuild_tallies(connection: Connection | None = None) -> int:
    """Replace every cell by one computed from scratch; returns how many cells there are."""
    connection = connection if connection is not None else db.session.connection()
    cells = computed_cells(connection)
    connection.execute(Tally.__table__.delete())
    _apply(connection, cells)
    return len(cells)


def cells_for(roots: list[Region]) -> dict[Cell, list]:
    """The cells of the claims under ``roots`` (regions none of which lies in another's
    subtree), added up across them: (dimension, key, currency) → [claims, amount]."""
    sums: dict[Cell, list] = defaultdict(lambda: [0, Decimal(0)])
    query = (select(Tally.dimension, Tally.key, Tally.currency, Tally.claims, Tally.amount)
             .where(Tally.region_id.in_([root.id for root in roots])))
    for dimension, key, currency, claims, amount in db.session.execute(query):
        cell = sums[(dimension, key, currency)]
        cell[0] += claims
        cell[1] += amount
    return {key: value for key, value in sums.items() if value[0] or value[1]}
