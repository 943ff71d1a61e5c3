"""Gap-free voucher numbers: the next number of a prefix and period, taken inside the
transaction that creates the voucher.

The sequence row is created if missing (``INSERT … ON CONFLICT DO NOTHING``, so two first
issues of a month do not collide) and then incremented with ``UPDATE … RETURNING``. On
PostgreSQL the update locks the row until the transaction ends: a second finance officer's
issue waits, then reads the first one's number and takes the next. On SQLite a writing request
holds the database's write lock from its first statement (``BEGIN IMMEDIATE``), so issues
queue. Either way a rolled-back issue rolls its increment back: no number is lost or doubled.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hwc.core.numbering import NumberFormat
from hwc.extensions import db
from hwc.vouchers.models import VoucherSequence


@dataclass(frozen=True)
class VoucherNumber:
    text: str
    prefix: str
    period: str
    seq: int


def take_number(prefix: str, number_format: NumberFormat, day: date) -> VoucherNumber:
    """The next number of ``prefix`` in the period of ``day``, in ``number_format``."""
    period = number_format.period(day)
    table = VoucherSequence.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(table).values(prefix=prefix, period=period, last=0)
                       .on_conflict_do_nothing())
    seq = db.session.execute(
        update(table).where(table.c.prefix == prefix, table.c.period == period)
        .values(last=table.c.last + 1).returning(table.c.last)).scalar_one()
    return VoucherNumber(number_format.render(prefix, day, seq), prefix, period, seq)
