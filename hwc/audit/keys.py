"""The audit signing key: one Ed25519 key in the instance folder, never in the database.

It signs the audit chain's head and checkpoints, so that someone who can write to the database
but cannot read the instance folder cannot move the head back or re-sign a rewritten history.
The file (``HWC_AUDIT_KEY_PATH``, PEM, mode 0600) is created on first use and loaded once per
process; back it up with the instance folder, apart from the database backups.
"""

import base64
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app
from flask_babel import gettext as _

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class AuditKeyError(RuntimeError):
    """The key file exists but cannot be read as an Ed25519 private key."""


def fingerprint(public_key: bytes) -> str:
    """What names a key in messages and records: 16 hex digits of SHA-256 of the raw key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def signature_holds(public_key: bytes, message: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (base64) is the raw Ed25519 public key's signature of ``message``;
    False for anything malformed."""
    try:
        raw = base64.b64decode(signature or "", validate=True)
    except ValueError:
        return False
    return raw_signature_holds(public_key, message, raw)


def raw_signature_holds(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (raw, 64 bytes) is the raw Ed25519 public key's signature of
    ``message``; False for anything malformed."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class AuditKey:
    private: Ed25519PrivateKey
    public_key: bytes  # raw, 32 bytes

    @classmethod
    def of(cls, private: Ed25519PrivateKey) -> "AuditKey":
        return cls(private, private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    @property
    def public_key_base64(self) -> str:
        return base64.b64encode(self.public_key).decode("ascii")

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")

    def signed(self, message: bytes, signature: str | None) -> bool:
        return signature_holds(self.public_key, message, signature)


_loaded: dict[Path, AuditKey] = {}
_loading = threading.Lock()


def audit_key() -> AuditKey:
    """The instance's audit key, read once per process; created (and logged) if missing."""
    path = Path(current_app.config["HWC_AUDIT_KEY_PATH"]).resolve()
    key = _loaded.get(path)
    if key is None:
        with _loading:
            key = _loaded.get(path) or _load_or_create(path)
            _loaded[path] = key
    return key


def _load_or_create(path: Path) -> AuditKey:
    if not path.exists() and (created := _create(path)) is not None:
        return created
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise AuditKeyError(_("The audit key %(path)s cannot be read: %(error)s",
                              path=str(path), error=error)) from error
    if not isinstance(private, Ed25519PrivateKey):
        raise AuditKeyError(_("The audit key %(path)s is not an Ed25519 key.", path=str(path)))
    if path.stat().st_mode & 0o077:
        current_app.logger.warning("the audit key %s can be read by other users; "
                                   "chmod 600 it", path)
    return AuditKey.of(private)


def _create(path: Path) -> AuditKey | None:
    """Write a new key with mode 0600; None if another process created the file first."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        # A hard link appears whole or not at all, and never replaces another worker's key.
        os.link(temporary, path)
    except FileExistsError:
        return None
    finally:
        os.unlink(temporary)
    key = AuditKey.of(private)
    current_app.logger.warning("created a new audit signing key %s (fingerprint %s); back it "
                               "up with the instance folder", path, key.fingerprint)
    return key
