"""Every text message in and out, with its claim when it has one, and the numbers that asked
for no more notifications."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.claims.models import Claim
from hwc.core.columns import enum_column
from hwc.core.db import UTCDateTime, utcnow
from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db

MAX_TEXT = 1000  # stored of one message; a reply is at most two segments
MAX_PHONE = 32


class Direction(TitledEnum):
    inbound = "inbound"
    outbound = "outbound"


set_titles(Direction, {"inbound": _l("From the resident"), "outbound": _l("To the resident")})


class MessageState(TitledEnum):
    received = "received"  # inbound
    queued = "queued"  # outbound, waiting for the worker
    sending = "sending"  # being handed to the gateway (or its worker stopped while it was)
    sent = "sent"  # accepted by the gateway
    delivered = "delivered"  # the phone has it (delivery report)
    failed = "failed"  # given up, or refused by the network
    replied = "replied"  # an answer given straight back to an inbound message


set_titles(MessageState, {
    "received": _l("Received"), "queued": _l("Waiting to be sent"),
    "sending": _l("Handed to the gateway, not confirmed"), "sent": _l("Sent"),
    "delivered": _l("Delivered"), "failed": _l("Not delivered"), "replied": _l("Answered")})


class SmsMessage(db.Model):
    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, 16))
    phone: Mapped[str] = mapped_column(String(MAX_PHONE))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    language: Mapped[str | None] = mapped_column(String(16))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    # What the message is about: "status", "help", a workflow action (notifications), …
    topic: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[MessageState] = mapped_column(enum_column(MessageState, 16))
    detail: Mapped[str] = mapped_column(String(255), default="")  # the gateway's last word
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claim: Mapped[Claim | None] = relationship()

    def __repr__(self) -> str:
        return f"<SmsMessage {self.id} {self.direction.value} {self.state.value}>"


class OptOut(db.Model):
    """A number that texted STOP: no notifications until it texts START. Answers to its own
    questions are still given."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(MAX_PHONE), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
