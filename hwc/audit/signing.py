"""What the audit key signs, and checking it: the chain's head and its checkpoints, and the
checkpoint lines an auditor keeps offline.

The signed messages are fixed UTF-8 texts, so that any Ed25519 tool can check a kept line:

- head: ``hwc-audit-head\\n<seq>\\n<hash>\\n<number of checkpoints>``
- checkpoint: ``hwc-audit-checkpoint\\n<number>\\n<seq>\\n<hash>\\n<created_at>``, the time as
  ``YYYY-MM-DDTHH:MM:SSZ``.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import gettext as _

from hwc.audit.keys import PUBLIC_KEY_BYTES, AuditKey, fingerprint, signature_holds
from hwc.audit.models import AuditCheckpoint, AuditHead

HASH = re.compile(r"[0-9a-f]{64}")
LARGEST_NUMBER = 2**31 - 1  # the largest sequence number an Integer column holds everywhere


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def head_message(seq: int, hash_: str, checkpoints: int) -> bytes:
    return f"hwc-audit-head\n{seq}\n{hash_}\n{checkpoints}".encode()


def checkpoint_message(number: int, seq: int, hash_: str, created_at: str) -> bytes:
    return f"hwc-audit-checkpoint\n{number}\n{seq}\n{hash_}\n{created_at}".encode()


def _message_of_head(head: AuditHead) -> bytes:
    return head_message(head.seq, head.hash, head.checkpoints)


def _message_of_checkpoint(checkpoint: AuditCheckpoint) -> bytes:
    return checkpoint_message(checkpoint.number, checkpoint.seq, checkpoint.hash,
                              _time(checkpoint.created_at))


def sign_head(head: AuditHead, key: AuditKey) -> None:
    head.signature, head.key_fingerprint = key.sign(_message_of_head(head)), key.fingerprint


def sign_checkpoint(checkpoint: AuditCheckpoint, key: AuditKey) -> None:
    checkpoint.signature = key.sign(_message_of_checkpoint(checkpoint))
    checkpoint.key_fingerprint = key.fingerprint


def head_problem(head: AuditHead, key: AuditKey) -> str | None:
    """Why the head's signature does not vouch for it, or None. A new, empty trail is unsigned."""
    if head.signature is None:
        if head.seq == 0 and head.checkpoints == 0:
            return None
        return _("the chain's head is not signed")
    if head.key_fingerprint != key.fingerprint:
        return _("the chain's head was signed with another key (fingerprint %(theirs)s; this "
                 "instance's audit key is %(ours)s)", theirs=head.key_fingerprint,
                 ours=key.fingerprint)
    if not key.signed(_message_of_head(head), head.signature):
        return _("the chain's head does not match its signature: it was moved or rewritten "
                 "without the audit key")
    return None


def checkpoint_problem(checkpoint: AuditCheckpoint, key: AuditKey) -> str | None:
    """Why a stored checkpoint's signature does not vouch for it, or None."""
    if checkpoint.key_fingerprint != key.fingerprint:
        return _("checkpoint %(number)d was signed with another key (fingerprint %(theirs)s; "
                 "this instance's audit key is %(ours)s)", number=checkpoint.number,
                 theirs=checkpoint.key_fingerprint, ours=key.fingerprint)
    if not key.signed(_message_of_checkpoint(checkpoint), checkpoint.signature):
        return _("checkpoint %(number)d does not match its signature: it was altered",
                 number=checkpoint.number)
    return None


def checkpoint_line(checkpoint: AuditCheckpoint, key: AuditKey) -> str:
    """The checkpoint as one JSON line, with the public key that checks it."""
    return json.dumps({
        "number": checkpoint.number, "seq": checkpoint.seq, "hash": checkpoint.hash,
        "created_at": _time(checkpoint.created_at), "signature": checkpoint.signature,
        "public_key": key.public_key_base64, "fingerprint": key.fingerprint,
    })


# --- checkpoints kept offline ---------------------------------------------------------------

class KeptCheckpointError(ValueError):
    """A file of kept checkpoints cannot be read or holds something other than checkpoints."""


@dataclass(frozen=True)
class KeptCheckpoint:
    number: int
    seq: int
    hash: str
    created_at: str
    public_key: bytes
    signature: str

    @property
    def signature_holds(self) -> bool:
        """Whether the line's own public key signed it (the key need not be this instance's)."""
        return signature_holds(self.public_key, checkpoint_message(
            self.number, self.seq, self.hash, self.created_at), self.signature)


def _positive(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= LARGEST_NUMBER


def _parse(line: str) -> KeptCheckpoint | None:
    """The checkpoint on one line, or None if the line is not one."""
    try:
        fields = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(fields, dict):
        return None
    number, seq, hash_ = fields.get("number"), fields.get("seq"), fields.get("hash")
    texts = [fields.get(name) for name in ("created_at", "signature", "public_key",
                                           "fingerprint")]
    if not (_positive(number) and _positive(seq) and isinstance(hash_, str)
            and HASH.fullmatch(hash_) and all(isinstance(text, str) for text in texts)):
        return None
    created_at, signature, key_text, key_fingerprint = texts
    try:
        public_key = base64.b64decode(key_text, validate=True)
    except binascii.Error:
        return None
    if len(public_key) != PUBLIC_KEY_BYTES or fingerprint(public_key) != key_fingerprint:
        return None
    return KeptCheckpoint(number, seq, hash_, created_at, public_key, signature)


def read_kept_checkpoints(path: Path) -> list[KeptCheckpoint]:
    """Every checkpoint in a file of lines printed by ``flask hwc audit checkpoint``, each
    checked against the public key on its line; raises ``KeptCheckpointError`` with a message."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise KeptCheckpointError(_("%(file)s cannot be read: %(error)s", file=str(path),
                                    error=getattr(error, "strerror", None) or error)) from error
    kept = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        checkpoint = _parse(line)
        if checkpoint is None:
            raise KeptCheckpointError(_(
                "Line %(line)d of %(file)s is not an audit checkpoint as “flask hwc audit "
                "checkpoint” prints it.", line=number, file=str(path)))
        if not checkpoint.signature_holds:
            raise KeptCheckpointError(_(
                "Line %(line)d of %(file)s does not match its signature with the public key on "
                "the line: it was altered.", line=number, file=str(path)))
        kept.append(checkpoint)
    if not kept:
        raise KeptCheckpointError(_("%(file)s holds no audit checkpoint.", file=str(path)))
    return kept
