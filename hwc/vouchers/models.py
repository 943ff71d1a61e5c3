"""Vouchers and the gap-free sequences that number them."""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.accounts.models import User
from hwc.claims.models import Claim
from hwc.core.columns import MONEY, enum_column
from hwc.core.db import UTCDateTime
from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db

MAX_REFERENCE = 128
MAX_REASON = 1000


class VoucherStatus(TitledEnum):
    issued = "issued"
    paid = "paid"
    void = "void"


set_titles(VoucherStatus, {"issued": _l("Issued"), "paid": _l("Paid"), "void": _l("Void")})


class PaymentMethod(TitledEnum):
    bank = "bank"
    cash = "cash"
    mobile = "mobile"


set_titles(PaymentMethod, {"bank": _l("Bank transfer"), "cash": _l("Cash"),
                           "mobile": _l("Mobile money")})


class VoucherSequence(db.Model):
    """The last number given in one prefix and period (a year, or a month): the row every
    issuer of that prefix locks while it takes the next number, so numbers never repeat and,
    since a rolled-back issue rolls its number back too, never skip."""

    __tablename__ = "voucher_sequences"

    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026" or "2026-11"
    last: Mapped[int] = mapped_column(Integer, default=0)


class Voucher(db.Model):
    """A payment voucher: the document against which a county pays a resident. Its number,
    amount and seal never change; its status goes issued → paid, or issued → void (the number
    is kept, and the claim may be issued a new voucher with a new number)."""

    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("prefix", "period", "seq"),
        # At most one live (issued or paid) voucher per claim.
        Index("ix_vouchers_one_live_per_claim", "claim_id", unique=True,
              sqlite_where=text("status != 'void'"), postgresql_where=text("status != 'void'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    # The region whose prefix numbers it ("" for the deployment's default prefix).
    issuer: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(7))
    seq: Mapped[int] = mapped_column(Integer)
    # What is paid: the approved amount (``principal``) plus late-payment interest, if the
    # voucher was issued after the statutory days (``hwc.vouchers.interest``).
    amount: Mapped[Decimal] = mapped_column(MONEY)
    principal: Mapped[Decimal] = mapped_column(MONEY)
    interest: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    interest_days: Mapped[int] = mapped_column(Integer, default=0)
    # How the interest was computed: [{"from": "2026-03-02", "to": "2026-03-31", "days": 30,
    # "rate": "6", "basis": 365}, …] — one entry per rate in force.
    interest_detail: Mapped[list] = mapped_column(JSON, default=list)
    # The budget line it is paid from (through a payment run, or chosen when issued alone).
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("budgets.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[VoucherStatus] = mapped_column(enum_column(VoucherStatus),
                                                  default=VoucherStatus.issued)
    authority: Mapped[str] = mapped_column(String(200))
    office_language: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date] = mapped_column(Date)  # in the issuer's time zone
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The signed payload the QR code carries, and the fingerprint of the key that signed it.
    seal: Mapped[str] = mapped_column(Text)
    key_fingerprint: Mapped[str] = mapped_column(String(16))

    payment_method: Mapped[PaymentMethod | None] = mapped_column(enum_column(PaymentMethod))
    payment_reference: Mapped[str | None] = mapped_column(String(MAX_REFERENCE))
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    void_reason: Mapped[str | None] = mapped_column(String(MAX_REASON))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    claim: Mapped[Claim] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])

    def __repr__(self) -> str:
        return f"<Voucher {self.number} {self.status.value}>"


class LateInterestRate(db.Model):
    """The annual interest a region owes on a claim paid after its statutory days, from a day
    on (a percentage, such as 6 for 6 % a year). A region with no rates of its own follows the
    nearest region above it that has some; each day late is charged at the rate in force that
    day. Rates are added, never changed: a new rate from a later day replaces the old one."""

    __tablename__ = "late_interest_rates"
    __table_args__ = (UniqueConstraint("region_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))  # percent a year
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
