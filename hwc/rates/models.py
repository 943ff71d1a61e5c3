"""Rate schedules: versioned per region by effective date, one rate per kind/category/condition."""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.core.columns import MONEY, enum_column
from hwc.core.db import UTCDateTime, utcnow
from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db
from hwc.regions.models import Region


class Basis(TitledEnum):
    per_unit = "per_unit"
    percent_of_value = "percent_of_value"


set_titles(Basis, {"per_unit": _l("Amount per unit"),
                   "percent_of_value": _l("Percentage of the assessed value")})


class RateSchedule(db.Model):
    __tablename__ = "rate_schedules"
    __table_args__ = (UniqueConstraint("region_id", "effective_from",
                                       name="uq_rate_schedules_region_effective"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    effective_from: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    source_name: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    rates: Mapped[list["Rate"]] = relationship(
        back_populates="schedule", order_by="Rate.line", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<RateSchedule {self.name} {self.effective_from}>"


class Rate(db.Model):
    __tablename__ = "rates"
    __table_args__ = (
        CheckConstraint("rate >= 0", name="rate_non_negative"),
        CheckConstraint("cap IS NULL OR cap >= 0", name="cap_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("rate_schedules.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column()  # line in the imported CSV, for error reports
    kind: Mapped[str] = mapped_column(String(32))  # codes of the loss vocabulary
    category: Mapped[str] = mapped_column(String(32))
    condition: Mapped[str | None] = mapped_column(String(16))  # None: any condition
    unit: Mapped[str] = mapped_column(String(32))
    basis: Mapped[Basis] = mapped_column(enum_column(Basis, length=16))
    rate: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    cap: Mapped[Decimal | None] = mapped_column(MONEY)

    schedule: Mapped[RateSchedule] = relationship(back_populates="rates")

    def __repr__(self) -> str:
        return f"<Rate {self.kind}:{self.category}:{self.condition} {self.rate}/{self.unit}>"
