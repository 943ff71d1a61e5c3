"""Objections lodged by anyone against a claim on public notice (公示)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.claims.models import Claim
from hwc.core.db import UTCDateTime, utcnow
from hwc.extensions import db

MIN_OBJECTION, MAX_OBJECTION = 10, 2000
MAX_CONTACT = 128


class Objection(db.Model):
    """Someone's objection to a claim on public notice, with their reason. Lodging it sends the
    claim back to verification (the ``object`` step); the reason is on the claim's timeline."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    reason: Mapped[str] = mapped_column(String(MAX_OBJECTION))
    # Who objected, if they said (a name or a phone number); never shown publicly.
    contact: Mapped[str] = mapped_column(String(MAX_CONTACT), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim: Mapped[Claim] = relationship()
