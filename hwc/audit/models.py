"""The audit trail: an append-only chain of events, each holding the hash of the one before; its
head and regular checkpoints are signed with the instance's audit key (``keys``)."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.accounts.models import User
from hwc.core.db import UTCDateTime, utcnow
from hwc.extensions import db

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """One transition or change: who, in what role, when, from which state to which, and what
    changed. Rows are never updated or deleted; ``flask hwc audit verify`` proves it."""

    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)  # 1, 2, 3 … without gaps
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32), default="")
    action: Mapped[str] = mapped_column(String(48))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship()

    @property
    def title(self) -> str:
        """What happened, as a timeline says it ("Submitted"), in the reader's language."""
        from hwc.audit.events import event_title

        return event_title(self.action)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action} {self.from_status}->{self.to_status}>"


SIGNATURE_LENGTH = 88  # 64 bytes in base64
FINGERPRINT_LENGTH = 16


class AuditHead(db.Model):
    """The chain's head (one row): the last sequence number and hash, and how many checkpoints
    there are, signed together with the audit key. Appending locks it, so concurrent writers queue
    instead of forking the chain; moving it back or dropping a checkpoint needs the key."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    checkpoints: Mapped[int] = mapped_column(default=0, server_default="0")
    signature: Mapped[str | None] = mapped_column(String(SIGNATURE_LENGTH))
    key_fingerprint: Mapped[str | None] = mapped_column(String(FINGERPRINT_LENGTH))


class AuditCheckpoint(db.Model):
    """A signed statement that event ``seq`` had ``hash``: written every
    ``HWC_AUDIT_CHECKPOINT_EVERY`` events and by ``flask hwc audit checkpoint``, which prints it
    for an auditor to keep offline. Numbered 1, 2, 3 … without gaps, in the order of ``seq``."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("seq > 0", name="seq_positive"),
    )

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[str] = mapped_column(String(SIGNATURE_LENGTH))
    key_fingerprint: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH))

    def __repr__(self) -> str:
        return f"<AuditCheckpoint {self.number} at event {self.seq}>"
