"""Writing and checking the audit trail: a hash chain of events whose head and regular
checkpoints are signed with the instance's audit key.

The chain shows an event altered, removed or inserted; the head's signature shows the newest
events removed with the head moved back, or history recomputed with ``event_digest``; checkpoints
pin history every ``HWC_AUDIT_CHECKPOINT_EVERY`` events. Someone who also holds the key can
re-sign a rewrite; only a checkpoint kept outside the database (``flask hwc audit checkpoint``,
then ``verify --against``) catches that.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from hwc.audit.events import EventKind, event_kind
from hwc.audit.keys import AuditKey, audit_key
from hwc.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditHead
from hwc.audit.signing import (
    KeptCheckpoint,
    checkpoint_problem,
    head_problem,
    sign_checkpoint,
    sign_head,
)
from hwc.core.db import utcnow
from hwc.extensions import db

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


def event_digest(event: AuditEvent) -> str:
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
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS_HASH, checkpoints=0)
        db.session.add(head)
        db.session.flush()
    return head


def record_event(
    action: EventKind | str,
    *,
    actor=None,
    claim=None,
    from_status: str | None = None,
    to_status: str | None = None,
    comment: str = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Append an event to the chain and sign the new head (with a checkpoint every
    ``HWC_AUDIT_CHECKPOINT_EVERY`` events); call inside the transaction that makes the change.

    A head whose signature does not hold is never re-signed here, so new events cannot hide a
    truncation or a rewrite: the trail stays unverifiable until an operator looks into it.
    ``action`` must be one of the ``EventKind``s (``UnknownEventKind`` otherwise)."""
    action = event_kind(action)
    head, key = _lock_head(), audit_key()
    trusted = head_problem(head, key) is None
    event = _append(head, action, actor=actor, claim=claim, from_status=from_status,
                    to_status=to_status, comment=comment, changes=changes)
    if trusted:
        every = current_app.config["HWC_AUDIT_CHECKPOINT_EVERY"]
        if every > 0 and event.seq % every == 0:
            _add_checkpoint(head, key)
        sign_head(head, key)
    else:
        current_app.logger.error("audit event %d appended after a head whose signature does not "
                                 "hold; the head is not re-signed: run flask hwc audit verify",
                                 event.seq)
    db.session.flush()
    return event


def _append(head: AuditHead, action: str, *, actor, claim, from_status, to_status, comment,
            changes) -> AuditEvent:
    event = AuditEvent(
        seq=head.seq + 1,
        claim_id=claim.id if claim is not None else None,
        actor_id=actor.id if actor is not None else None,
        actor_role=str(actor.role) if actor is not None else "system",
        action=str(action),
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
    return event


def _add_checkpoint(head: AuditHead, key: AuditKey) -> AuditCheckpoint:
    """A signed checkpoint of the head; the caller signs the head, which counts it."""
    checkpoint = AuditCheckpoint(number=head.checkpoints + 1, seq=head.seq, hash=head.hash,
                                 created_at=utcnow().replace(microsecond=0))
    sign_checkpoint(checkpoint, key)
    db.session.add(checkpoint)
    head.checkpoints = checkpoint.number
    return checkpoint


class CheckpointRefused(Exception):
    """No checkpoint can be signed now; the message says why."""


def write_checkpoint(*, accept_head: bool = False) -> AuditCheckpoint:
    """A signed checkpoint of the chain's head as it is now: a new one, or the one already
    there. Refuses a head whose signature does not hold, unless ``accept_head`` (after an upgrade
    from an unsigned trail, or a lost key, once ``verify`` found the chain itself intact): then
    an ``accept_audit_head`` event records that the head was taken as it stood. The caller
    commits."""
    head, key = _lock_head(), audit_key()
    if head.seq == 0:
        raise CheckpointRefused(_("The audit trail is empty: there is nothing to sign."))
    problem = head_problem(head, key)
    if problem and not accept_head:
        raise CheckpointRefused(_(
            "Not signed: %(problem)s. Run “flask hwc audit verify”; if the chain is intact and "
            "the head was signed by no key or by a lost one, run “flask hwc audit checkpoint "
            "--accept-head”.", problem=problem))
    if problem:
        _append(head, EventKind.accept_audit_head, actor=None, claim=None, from_status=None,
                to_status=None, comment="",
                changes={"signed_by": {"from": head.key_fingerprint, "to": key.fingerprint}})
    checkpoint = db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.seq == head.seq))
    if checkpoint is not None:
        if problem := checkpoint_problem(checkpoint, key):
            raise CheckpointRefused(_("Not signed: %(problem)s. Run “flask hwc audit verify”.",
                                      problem=problem))
        return checkpoint
    checkpoint = _add_checkpoint(head, key)
    sign_head(head, key)
    db.session.flush()
    return checkpoint


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str = ""


def _in_order(model, column, batch: int) -> Iterator:
    """Every row of ``model`` in the order of the unique ``column``, read ``batch`` at a time."""
    last = None
    while True:
        query = select(model).order_by(column).limit(batch)
        if last is not None:
            query = query.where(column > last)
        rows = db.session.scalars(query).all()
        yield from rows
        if len(rows) < batch:
            return
        last = getattr(rows[-1], column.key)


def verify_chain(batch: int = 1000, kept: Sequence[KeptCheckpoint] = ()) -> ChainReport:
    """Walk the chain from the first event, ``batch`` events at a time: each must follow the one
    before without a gap, hold its hash, and hash to what it claims; each stored checkpoint must
    be signed with the audit key, numbered without gaps, and name the hash its event still has;
    the head must match the last event, be signed, and count every checkpoint. Then each
    ``kept`` checkpoint's event must still have the kept hash. Reports the first problem."""
    key = audit_key()
    checkpoints = _in_order(AuditCheckpoint, AuditCheckpoint.seq, batch)
    checkpoint, number = next(checkpoints, None), 1
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in _in_order(AuditEvent, AuditEvent.id, batch):
        if event.seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               _("event %(seq)d is missing", seq=expected_seq))
        if event.prev_hash != expected_prev:
            return ChainReport(False, checked, event.seq,
                               _("event %(seq)d does not follow the one before", seq=event.seq))
        if event_digest(event) != event.hash:
            return ChainReport(False, checked, event.seq,
                               _("event %(seq)d was altered", seq=event.seq))
        if checkpoint is not None and checkpoint.seq == event.seq:
            if problem := _checkpoint_problem(checkpoint, number, event, key):
                return ChainReport(False, checked, event.seq, problem)
            checkpoint, number = next(checkpoints, None), number + 1
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditHead, HEAD_ID) or AuditHead(seq=0, hash=GENESIS_HASH,
                                                          checkpoints=0)
    if head.seq != checked or head.hash != expected_prev:
        return ChainReport(False, checked, checked + 1,
                           _("events after %(checked)d were removed (the chain's head is at "
                             "%(head)d)", checked=checked, head=head.seq))
    if problem := head_problem(head, key):
        return ChainReport(False, checked, head.seq, problem)
    if checkpoint is not None:
        return ChainReport(False, checked, head.seq, _(
            "checkpoint %(number)d is at event %(seq)d, beyond the chain's head at event "
            "%(head)d: newer events were removed", number=checkpoint.number,
            seq=checkpoint.seq, head=head.seq))
    if head.checkpoints > number - 1:
        return ChainReport(False, checked, head.seq,
                           _("checkpoint %(number)d is missing", number=number))
    if head.checkpoints < number - 1:
        return ChainReport(False, checked, head.seq, ngettext(
            "there is %(num)d checkpoint, but the chain's head counts %(counted)d",
            "there are %(num)d checkpoints, but the chain's head counts %(counted)d",
            number - 1, counted=head.checkpoints))
    for kept_checkpoint in kept:
        if problem := _kept_problem(kept_checkpoint):
            return ChainReport(False, checked, kept_checkpoint.seq, problem)
    return ChainReport(True, checked)


def _checkpoint_problem(checkpoint: AuditCheckpoint, number: int, event: AuditEvent,
                        key: AuditKey) -> str | None:
    if checkpoint.number != number:
        return _("checkpoint %(number)d is missing", number=number)
    if problem := checkpoint_problem(checkpoint, key):
        return problem
    if checkpoint.hash != event.hash:
        return _("event %(seq)d no longer has the hash that checkpoint %(number)d signed: "
                 "history up to it was rewritten", seq=event.seq, number=number)
    return None


def _kept_problem(kept: KeptCheckpoint) -> str | None:
    hash_ = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == kept.seq))
    if hash_ is None:
        return _("event %(seq)d, which the kept checkpoint %(number)d signed, is gone: the "
                 "chain was cut back", seq=kept.seq, number=kept.number)
    if hash_ != kept.hash:
        return _("event %(seq)d no longer has the hash of the kept checkpoint %(number)d: "
                 "history up to it was rewritten", seq=kept.seq, number=kept.number)
    return None
