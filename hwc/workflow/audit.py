"""Writing and checking the hash-chained audit trail."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.workflow.models import GENESIS_HASH, AuditHead, WorkflowEvent

HEAD_ID = 1


def _plain(value):
    """JSON-safe, stable form of a changed value (Decimals and times as strings)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def changed_values(before: dict, after: dict) -> dict:
    """``{key: {"from": …, "to": …}}`` for every value that differs between two snapshots:
    the shape of ``changes`` in every audit event."""
    return {key: {"from": before.get(key), "to": value}
            for key, value in after.items() if before.get(key) != value}


def event_digest(event: WorkflowEvent) -> str:
    """SHA-256 over the event's content and the previous hash, in a canonical JSON form."""
    payload = {
        "seq": event.seq, "claim_id": event.claim_id, "actor_id": event.actor_id,
        "actor_role": event.actor_role, "action": event.action,
        "from_status": event.from_status, "to_status": event.to_status,
        "comment": event.comment, "changes": event.changes,
        "created_at": int(event.created_at.timestamp()),
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_head() -> AuditHead:
    head = db.session.scalar(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS_HASH)
        db.session.add(head)
        db.session.flush()
    return head


def record_event(
    action: str,
    *,
    actor=None,
    claim=None,
    from_status: str | None = None,
    to_status: str | None = None,
    comment: str = "",
    changes: dict | None = None,
) -> WorkflowEvent:
    """Append an event to the chain; call inside the transaction that makes the change."""
    head = _lock_head()
    event = WorkflowEvent(
        seq=head.seq + 1,
        claim_id=claim.id if claim is not None else None,
        actor_id=actor.id if actor is not None else None,
        actor_role=str(actor.role) if actor is not None else "system",
        action=action,
        from_status=str(from_status) if from_status is not None else None,
        to_status=str(to_status) if to_status is not None else None,
        comment=comment or "",
        changes=_plain(changes or {}),
        created_at=utcnow().replace(microsecond=0),
        prev_hash=head.hash,
    )
    event.hash = event_digest(event)
    db.session.add(event)
    head.seq, head.hash = event.seq, event.hash
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str = ""


def verify_chain(batch: int = 1000) -> ChainReport:
    """Walk the chain from the first event: each must follow the one before without a gap,
    hold its hash, and hash to what it claims; the head must match the last event."""
    expected_prev, expected_seq, checked, last_id = GENESIS_HASH, 1, 0, 0
    while True:
        events = db.session.scalars(
            select(WorkflowEvent).where(WorkflowEvent.id > last_id)
            .order_by(WorkflowEvent.id).limit(batch)).all()
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return ChainReport(False, checked, expected_seq,
                                   f"event {expected_seq} is missing")
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.seq,
                                   f"event {event.seq} does not follow the one before")
            if event_digest(event) != event.hash:
                return ChainReport(False, checked, event.seq,
                                   f"event {event.seq} was altered")
            expected_prev, expected_seq = event.hash, expected_seq + 1
            checked, last_id = checked + 1, event.id
    head = db.session.get(AuditHead, HEAD_ID)
    head_seq = head.seq if head else 0
    if head_seq != checked or (head and head.hash != expected_prev):
        return ChainReport(False, checked, checked + 1,
                           f"events after {checked} were removed (the chain's head is at "
                           f"{head_seq})")
    return ChainReport(True, checked)
