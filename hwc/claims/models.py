"""Claims and what they are made of: the claimant, the loss items and the evidence."""

import uuid
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    Uuid,
    func,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.accounts.models import User
from hwc.claims.codes import format_code
from hwc.core.columns import MONEY, QUANTITY, enum_column
from hwc.core.db import UTCDateTime, utcnow
from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db
from hwc.losses.models import Condition
from hwc.regions.models import Region


class Species(TitledEnum):
    amur_tiger = "amur_tiger"
    amur_leopard = "amur_leopard"
    tiger = "tiger"
    leopard = "leopard"
    snow_leopard = "snow_leopard"
    asiatic_black_bear = "asiatic_black_bear"
    brown_bear = "brown_bear"
    wild_boar = "wild_boar"
    asian_elephant = "asian_elephant"
    wolf = "wolf"
    other = "other"


set_titles(Species, {
    "amur_tiger": _l("Amur tiger"), "amur_leopard": _l("Amur leopard"), "tiger": _l("Tiger"),
    "leopard": _l("Leopard"), "snow_leopard": _l("Snow leopard"),
    "asiatic_black_bear": _l("Asiatic black bear"), "brown_bear": _l("Brown bear"),
    "wild_boar": _l("Wild boar"), "asian_elephant": _l("Asian elephant"), "wolf": _l("Wolf"),
    "other": _l("Other animal"),
})


class ClaimStatus(TitledEnum):
    draft = "draft"
    submitted = "submitted"
    under_verification = "under_verification"
    returned = "returned"
    verified = "verified"
    awaiting_second_approval = "awaiting_second_approval"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"
    voucher_issued = "voucher_issued"
    paid = "paid"
    closed = "closed"


set_titles(ClaimStatus, {
    "draft": _l("Draft"), "submitted": _l("Submitted"),
    "under_verification": _l("Under verification"), "returned": _l("Returned for information"),
    "verified": _l("Verified"), "awaiting_second_approval": _l("Awaiting second approval"),
    "approved": _l("Approved"), "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn"),
    "voucher_issued": _l("Voucher issued"), "paid": _l("Paid"), "closed": _l("Closed"),
})


class Claimant(db.Model):
    __tablename__ = "claimants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    language: Mapped[str] = mapped_column(String(16))
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # Normalised (upper case, no spaces); kept to find duplicates, never shown in full.
    id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    bank_account: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    village: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"<Claimant {self.id} {self.name}>"

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number)

    @property
    def masked_bank_account(self) -> str:
        return mask(self.bank_account)


def mask(value: str | None, keep: int = 4) -> str:
    """``••••••1234``: enough to recognise, not enough to use."""
    if not value:
        return ""
    return "•" * max(len(value) - keep, 2) + value[-keep:]


class Claim(db.Model):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("claimed_total >= 0", name="claimed_total_non_negative"),
        CheckConstraint("assessed_total IS NULL OR assessed_total >= 0",
                        name="assessed_total_non_negative"),
        CheckConstraint("approved_total IS NULL OR approved_total >= 0",
                        name="approved_total_non_negative"),
        Index("ix_claims_status_due_at", "status", "due_at"),
        # The newest-report order of the queues of those who watch, the exports and the API's
        # list: read in index order, never sorted whole.
        Index("ix_claims_reported_at_id", "reported_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("claimants.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    lon: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    gps_accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    species: Mapped[Species] = mapped_column(enum_column(Species))
    narrative: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    second_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    currency: Mapped[str] = mapped_column(String(3))
    claimed_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    assessed_total: Mapped[Decimal | None] = mapped_column(MONEY)
    approved_total: Mapped[Decimal | None] = mapped_column(MONEY)
    paid_total: Mapped[Decimal | None] = mapped_column(MONEY)
    rate_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("rate_schedules.id"))
    findings: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the step the claim waits on is due (None when nothing waits).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While an approved claim is on public notice (公示), the moment the notice ends; it cannot
    # be paid before (hwc.notice).
    notice_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    claimant: Mapped[Claimant] = relationship()
    village: Mapped[Region] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    second_approved_by: Mapped[User | None] = relationship(foreign_keys=[second_approved_by_id])
    rate_schedule = relationship("RateSchedule")
    items: Mapped[list["LossItem"]] = relationship(
        back_populates="claim", order_by="LossItem.position", cascade="all, delete-orphan")
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="claim", order_by="Evidence.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Claim {self.display_code} {self.status}>"

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @classmethod
    def by_code(cls, code: str) -> "Claim | None":
        return db.session.scalar(select(cls).where(cls.code == code))

    @hybrid_property
    def current_amount(self) -> Decimal:
        """What the claim is worth at its stage: paid, else approved, else assessed, else
        claimed. An amount of 0.00 is an amount (an approval of nothing), not a missing one."""
        for amount in (self.paid_total, self.approved_total, self.assessed_total):
            if amount is not None:
                return amount
        return self.claimed_total

    @current_amount.inplace.expression
    @classmethod
    def _current_amount_expression(cls):
        return func.coalesce(cls.paid_total, cls.approved_total, cls.assessed_total,
                             cls.claimed_total)

    @property
    def photos(self) -> list["Evidence"]:
        return [e for e in self.evidence if e.content_type.startswith("image/")]


class LossItem(db.Model):
    __tablename__ = "loss_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("assessed_quantity IS NULL OR assessed_quantity >= 0",
                        name="assessed_quantity_non_negative"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_non_negative"),
        CheckConstraint("damage_share IS NULL OR (damage_share >= 0 AND damage_share <= 100)",
                        name="damage_share_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    # Codes of the loss vocabulary (``hwc.losses``), kept as they were when the claim was filed.
    kind: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    condition: Mapped[Condition] = mapped_column(enum_column(Condition))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(String(32))
    claimed_value: Mapped[Decimal | None] = mapped_column(MONEY)
    damage_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    growth_stage: Mapped[str] = mapped_column(String(32), default="")
    age_class: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(String(256), default="")
    # What the verifier assessed, and the rate applied (copied, so later schedules change nothing).
    assessed_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    unit_value: Mapped[Decimal | None] = mapped_column(MONEY)
    rate_basis: Mapped[str | None] = mapped_column(String(16))
    rate_value: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    rate_cap: Mapped[Decimal | None] = mapped_column(MONEY)
    rate_unit: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)

    claim: Mapped[Claim] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"<LossItem {self.position} {self.kind}:{self.category} {self.quantity}{self.unit}>"


class Evidence(db.Model):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    # SHA-256 of the bytes as uploaded: the same photo on two claims is a fraud signal.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    lon: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    caption: Mapped[str] = mapped_column(String(255), default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Evidence {self.id} {self.sha256[:8]}>"


class FilingDraft(db.Model):
    """A claim being filed on a tablet, saved after every step until it is complete enough to
    become a draft ``Claim`` (which then carries the same ``client_uuid``)."""

    __tablename__ = "filing_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The API-shaped body collected so far ({"village": …, "claimant": {…}, "incident": {…}}).
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    officer: Mapped[User] = relationship()
    claim: Mapped[Claim | None] = relationship()

    def __repr__(self) -> str:
        return f"<FilingDraft {self.client_uuid}>"
