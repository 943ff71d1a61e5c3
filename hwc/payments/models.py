"""Budgets (money a county may pay out, by year and fund, with its top-ups), payment runs (a
batch of vouchers issued by the worker, printed as one PDF and sent to the bank as one file) and
the bank's confirmation files taken back against a run."""

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.accounts.models import User
from hwc.claims.models import Claim
from hwc.core.columns import MONEY, enum_column
from hwc.core.db import UTCDateTime, utcnow
from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db
from hwc.regions.models import Region

MAX_FUND = 64
MAX_DOCUMENT_REFERENCE = 128
MAX_NOTE = 1000


class Budget(db.Model):
    """The money one region may pay out in one year from one fund (the central ecological
    compensation fund, the provincial fund…). What it holds is the sum of its top-ups; what is
    committed is every live voucher charged to it plus what unfinished runs have reserved."""

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("region_id", "year", "fund"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    fund: Mapped[str] = mapped_column(String(MAX_FUND))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    region: Mapped[Region] = relationship()
    created_by: Mapped[User] = relationship()
    top_ups: Mapped[list["BudgetTopUp"]] = relationship(
        back_populates="budget", order_by="BudgetTopUp.id")

    def __repr__(self) -> str:
        return f"<Budget {self.region_id} {self.year} {self.fund}>"


class BudgetTopUp(db.Model):
    """Money added to a budget, with the document that grants it (its reference, and the file
    when one was uploaded). Never changed or deleted: a correction is a negative top-up."""

    __tablename__ = "budget_top_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    document_reference: Mapped[str] = mapped_column(String(MAX_DOCUMENT_REFERENCE))
    note: Mapped[str] = mapped_column(String(MAX_NOTE), default="")
    # The uploaded document (a PDF or an image, checked by content), if any.
    document_name: Mapped[str | None] = mapped_column(String(64))  # stored file name
    document_type: Mapped[str | None] = mapped_column(String(64))
    document_original_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    budget: Mapped[Budget] = relationship(back_populates="top_ups")
    created_by: Mapped[User] = relationship()


class RunStatus(TitledEnum):
    queued = "queued"        # waiting for the worker
    issuing = "issuing"      # vouchers being issued, chunk by chunk
    printing = "printing"    # the combined PDF and the bank file being made
    done = "done"
    cancelled = "cancelled"  # stopped on request; what was issued stays issued and is printed
    failed = "failed"


set_titles(RunStatus, {"queued": _l("Queued"), "issuing": _l("Issuing vouchers"),
                       "printing": _l("Printing"), "done": _l("Done"),
                       "cancelled": _l("Cancelled"), "failed": _l("Failed")})

ACTIVE_RUN_STATUSES = frozenset({RunStatus.queued, RunStatus.issuing, RunStatus.printing})


class PaymentRun(db.Model):
    """A batch of approved claims paid together against one budget. The worker issues their
    vouchers in chunks (each chunk in one transaction with its items' states, so a restart
    never issues one twice), then prints them into one PDF and writes the bank file."""

    __tablename__ = "payment_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.queued,
                                              index=True)
    currency: Mapped[str] = mapped_column(String(3))
    # What the items came to when the run was made (interest as of that day); the vouchers'
    # own amounts are what is paid.
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    printed_count: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    # Files under the instance folder's payment_runs/<id>/ (names, not paths).
    pdf_name: Mapped[str | None] = mapped_column(String(64))
    bank_file_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    budget: Mapped[Budget] = relationship()
    created_by: Mapped[User] = relationship()
    items: Mapped[list["PaymentRunItem"]] = relationship(
        back_populates="run", order_by="PaymentRunItem.position")

    @property
    def finished(self) -> bool:
        """Whether the worker is done with the run (done or cancelled): its files are final."""
        return self.status in (RunStatus.done, RunStatus.cancelled)

    def __repr__(self) -> str:
        return f"<PaymentRun {self.id} {self.status.value}>"


class ItemState(TitledEnum):
    pending = "pending"
    issued = "issued"
    failed = "failed"        # the claim could not be issued a voucher (reason in ``error``)
    cancelled = "cancelled"  # the run was cancelled before it came to this claim


set_titles(ItemState, {"pending": _l("Waiting"), "issued": _l("Voucher issued"),
                       "failed": _l("Not issued"), "cancelled": _l("Cancelled")})


class PaymentRunItem(db.Model):
    """One claim of a run, in the run's order. ``amount`` is reserved from the budget while the
    item is pending; once issued, the voucher's own amount is charged instead."""

    __tablename__ = "payment_run_items"
    __table_args__ = (UniqueConstraint("run_id", "position", name="uq_payment_run_items_position"),
                      UniqueConstraint("run_id", "claim_id", name="uq_payment_run_items_claim"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    state: Mapped[ItemState] = mapped_column(enum_column(ItemState), default=ItemState.pending,
                                             index=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"))
    error: Mapped[str | None] = mapped_column(String(MAX_NOTE))

    run: Mapped[PaymentRun] = relationship(back_populates="items")
    claim: Mapped[Claim] = relationship()


class Confirmation(db.Model):
    """A confirmation file from the bank taken back against a run: what it paid, and every line
    it could not match (unknown, duplicated, already paid, wrong amount), kept as its report."""

    __tablename__ = "payment_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    paid_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    # [{"line": 7, "reference": "...", "problem": "unknown" | "duplicate" | ..., "detail": ""}]
    problems: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    run: Mapped[PaymentRun] = relationship()
    created_by: Mapped[User] = relationship()
