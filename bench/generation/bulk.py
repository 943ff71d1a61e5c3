"""Writing many rows fast: ``COPY`` on PostgreSQL (psycopg 3), ``executemany`` in large
transactions on SQLite; and the audit chain of the generated events, hashed and checkpointed
with the trail's own functions."""

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy import JSON, Date, Numeric, Uuid, select, text

from hwc.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from hwc.audit.signing import sign_checkpoint, sign_head
from hwc.audit.trail import HEAD_ID, event_digest
from hwc.claims.models import Claim, Claimant, Evidence, LossItem
from hwc.core.db import UTCDateTime
from hwc.extensions import db
from hwc.sms.models import SmsMessage
from hwc.vouchers.models import Voucher, VoucherSequence

# The columns of each table in the order the row makers give them.
COLUMNS = {
    "claimants": ("id", "name", "phone", "language", "village_id", "id_number", "bank_account",
                  "created_at"),
    "claims": ("id", "code", "client_uuid", "claimant_id", "village_id", "occurred_at",
               "reported_at", "lat", "lon", "gps_accuracy_m", "species", "narrative", "status",
               "filed_by_id", "verified_by_id", "approved_by_id", "second_approved_by_id",
               "currency", "claimed_total", "assessed_total", "approved_total", "paid_total",
               "rate_schedule_id", "findings", "reason", "submitted_at", "verified_at",
               "approved_at", "decided_at", "paid_at", "due_at", "notice_until", "created_at",
               "updated_at", "version"),
    "loss_items": ("id", "claim_id", "position", "kind", "category", "condition", "quantity",
                   "unit", "claimed_value", "damage_share", "growth_stage", "age_class",
                   "description", "assessed_quantity", "unit_value", "rate_basis", "rate_value",
                   "rate_cap", "rate_unit", "amount"),
    "evidence": ("id", "claim_id", "stored_name", "original_name", "content_type", "size",
                 "width", "height", "sha256", "captured_at", "lat", "lon", "caption",
                 "uploaded_by_id", "created_at"),
    "vouchers": ("id", "number", "claim_id", "issuer", "prefix", "period", "seq", "amount",
                 "principal", "interest", "interest_days", "interest_detail", "budget_id",
                 "currency", "status", "authority", "office_language", "issued_on", "issued_at",
                 "issued_by_id", "seal", "key_fingerprint", "payment_method",
                 "payment_reference", "paid_on", "paid_at", "paid_by_id", "void_reason",
                 "voided_at", "voided_by_id"),
    "sms_messages": ("id", "direction", "phone", "text", "language", "claim_id", "topic",
                     "state", "detail", "created_at", "sent_at", "delivered_at"),
    "workflow_events": ("id", "seq", "claim_id", "actor_id", "actor_role", "action",
                        "from_status", "to_status", "comment", "changes", "created_at",
                        "prev_hash", "hash"),
}
MODELS = {"claimants": Claimant, "claims": Claim, "loss_items": LossItem, "evidence": Evidence,
          "vouchers": Voucher, "sms_messages": SmsMessage, "workflow_events": AuditEvent}
# Parents before children, for the foreign keys.
ORDER = ("claimants", "claims", "loss_items", "evidence", "vouchers", "sms_messages",
         "workflow_events")
JSON_COLUMNS = {("vouchers", "interest_detail"), ("workflow_events", "changes")}


def _sqlite_time(moment: datetime) -> str:
    """As SQLAlchemy stores a UTC time in SQLite (naive, with microseconds)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def _hex(value) -> str:
    return value.hex


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def last_ids() -> dict:
    """The largest id in each table the generator fills (0 when empty)."""
    return {name: db.session.scalar(select(db.func.coalesce(db.func.max(model.id), 0)))
            for name, model in MODELS.items()}


class Writer:
    """Appends rows to the tables over one raw DB-API connection of the app's engine."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.postgresql = self.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.written = dict.fromkeys(COLUMNS, 0)
        self.driver = self.raw.driver_connection
        if not self.postgresql:
            # hwc.core.db leaves SQLite's transactions to SQLAlchemy: begin them here.
            self.driver.execute("PRAGMA synchronous=OFF")
            self.driver.execute("PRAGMA journal_mode=WAL")
            self.processors = {name: self._processors(name) for name in COLUMNS}

    def _processors(self, name: str) -> list:
        """(position, conversion) of the columns whose values SQLite stores in another form:
        what SQLAlchemy's own bind processors do for these types, without their per-value
        overhead."""
        table = MODELS[name].__table__
        converters = []
        for position, column in enumerate(COLUMNS[name]):
            kind = table.c[column].type
            if isinstance(kind, UTCDateTime):
                converters.append((position, _sqlite_time))
            elif isinstance(kind, Numeric):
                converters.append((position, float))
            elif isinstance(kind, Uuid):
                converters.append((position, _hex))
            elif isinstance(kind, Date):
                converters.append((position, date.isoformat))
            elif isinstance(kind, JSON):
                converters.append((position, _json))
        return converters

    def write(self, name: str, rows) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.postgresql:
            self._copy(name, rows)
        else:
            if not self.driver.in_transaction:
                self.driver.execute("BEGIN IMMEDIATE")
            self._insert(name, rows)
        self.written[name] += len(rows)

    def _copy(self, name: str, rows) -> None:
        json_at = [i for i, c in enumerate(COLUMNS[name]) if (name, c) in JSON_COLUMNS]
        with self.driver.cursor() as cursor, cursor.copy(
                f"COPY {name} ({', '.join(COLUMNS[name])}) FROM STDIN") as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i], ensure_ascii=False)
                copy.write_row(row)

    def _insert(self, name: str, rows) -> None:
        converters = self.processors[name]
        marks = ", ".join("?" for _ in COLUMNS[name])
        prepared = []
        for row in rows:
            row = list(row)
            for position, convert in converters:
                if row[position] is not None:
                    row[position] = convert(row[position])
            prepared.append(row)
        self.driver.executemany(
            f"INSERT INTO {name} ({', '.join(COLUMNS[name])}) VALUES ({marks})",  # noqa: S608
            prepared)

    def commit(self) -> None:
        if self.postgresql:
            self.raw.commit()
        elif self.driver.in_transaction:
            self.driver.execute("COMMIT")

    def close(self) -> None:
        if not self.postgresql:
            self.driver.execute("PRAGMA synchronous=FULL")
        self.raw.close()


class Chain:
    """Continues the audit chain from its head: numbers the events, hashes each with
    ``event_digest`` and signs a checkpoint every ``every`` events, as ``record_event`` does."""

    def __init__(self, key, every: int) -> None:
        head = db.session.get(AuditHead, HEAD_ID)
        self.seq = head.seq if head else 0
        self.hash = head.hash if head else "0" * 64
        self.checkpoints = head.checkpoints if head else 0
        self.key, self.every = key, every

    def link(self, events, first_id: int) -> tuple[list, list]:
        """The events as ``workflow_events`` rows, and the checkpoint rows they reach."""
        rows, checkpoints = [], []
        for n, (claim_id, actor_id, role, action, from_status, to_status, comment, changes,
                created_at) in enumerate(events):
            event = SimpleNamespace(seq=self.seq + 1, claim_id=claim_id, actor_id=actor_id,
                                    actor_role=role, action=action, from_status=from_status,
                                    to_status=to_status, comment=comment, changes=changes,
                                    created_at=created_at, prev_hash=self.hash)
            event.hash = event_digest(event)
            rows.append((first_id + n, event.seq, claim_id, actor_id, role, action, from_status,
                         to_status, comment, changes, created_at, self.hash, event.hash))
            self.seq, self.hash = event.seq, event.hash
            if self.every > 0 and self.seq % self.every == 0:
                self.checkpoints += 1
                checkpoint = SimpleNamespace(number=self.checkpoints, seq=self.seq,
                                             hash=self.hash, created_at=created_at)
                sign_checkpoint(checkpoint, self.key)
                checkpoints.append(checkpoint)
        return rows, checkpoints

    def save_checkpoints(self, checkpoints) -> None:
        if checkpoints:
            db.session.execute(AuditCheckpoint.__table__.insert(), [
                {"number": c.number, "seq": c.seq, "hash": c.hash, "created_at": c.created_at,
                 "signature": c.signature, "key_fingerprint": c.key_fingerprint}
                for c in checkpoints])

    def sign_head(self) -> None:
        """Move the head to the last generated event and sign it."""
        head = db.session.get(AuditHead, HEAD_ID)
        if head is None:
            head = AuditHead(id=HEAD_ID)
            db.session.add(head)
        head.seq, head.hash, head.checkpoints = self.seq, self.hash, self.checkpoints
        sign_head(head, self.key)


def save_voucher_sequences(last: dict) -> None:
    """The numbering tables at the last number given in each prefix and period, so that the
    next voucher issued takes the number after."""
    for (prefix, period), seq in last.items():
        row = db.session.get(VoucherSequence, (prefix, period))
        if row is None:
            db.session.add(VoucherSequence(prefix=prefix, period=period, last=seq))
        else:
            row.last = max(row.last, seq)


def fix_sequences() -> None:
    """PostgreSQL: every id sequence past the largest id (COPY gave ids explicitly)."""
    for name in MODELS:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"))
