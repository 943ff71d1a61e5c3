"""The voucher signing keys: one Ed25519 key per issuing jurisdiction, in the instance folder,
never in the database; rotated keys stay on disk so that the vouchers they signed still verify.

Layout under ``HWC_VOUCHER_KEYS_PATH`` (default ``<instance>/voucher-keys``)::

    CN-JL-HC/current                    the active key's fingerprint
    CN-JL-HC/1f0c9a7e5b2d4c83.pem       one file per key (PKCS#8 PEM, mode 0600)
    _deployment/…                       the jurisdiction "" (no region sets a prefix)

A key is created on first use and rotated by ``flask hwc voucher rotate-key``. Creating and
rotating hold a lock file in the jurisdiction's directory, key files appear whole (written aside,
then hard-linked into place) and ``current`` is replaced by a rename, so two processes never make
two different current keys and a reader always sees a whole file. The ``current`` file is read
at each signing (a rotation takes effect in every worker at its next voucher); a key file is
parsed once per process. Back the folder up with the instance folder, apart from the database.

``published_keys_json()`` is what ``flask hwc voucher keys`` prints: the public half of every key,
for a verifier without a connection (``load_published_keys``).
"""

import base64
import binascii
import fcntl
import json
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from flask import current_app
from flask_babel import gettext as _

from hwc.audit.keys import PUBLIC_KEY_BYTES, fingerprint, raw_signature_holds

DEPLOYMENT_DIRECTORY = "_deployment"  # the directory of the jurisdiction "" (never a region code)
JURISDICTION = re.compile(r"[A-Za-z0-9-]{1,64}")
FINGERPRINT = re.compile(r"[0-9a-f]{16}")
CURRENT_FILE = "current"
LOCK_FILE = ".lock"
PUBLISHED_FORMAT = "hwc-voucher-keys"
PUBLISHED_VERSION = 1


class VoucherKeyError(RuntimeError):
    """A key file or the ``current`` file exists but cannot be used."""


class PublishedKeysUnreadable(ValueError):
    """The text given as published keys is not what ``published_keys_json`` prints."""


def check_jurisdiction(jurisdiction: str) -> str:
    """``jurisdiction`` if it can name a key directory: "" or a region code (letters, digits,
    hyphens, at most 64 characters); ValueError otherwise, so no text reaches the file system
    as a path."""
    if jurisdiction == "" or (isinstance(jurisdiction, str)
                              and JURISDICTION.fullmatch(jurisdiction)):
        return jurisdiction
    raise ValueError(f"not a jurisdiction code: {jurisdiction!r}")


@dataclass(frozen=True)
class PublicKey:
    """What anyone may know of a key: enough to check the vouchers it signed."""

    fingerprint: str  # 16 hex digits, also the key id in a seal (as 8 bytes)
    public_key: bytes  # raw, 32 bytes
    created_on: date
    current: bool  # False once rotated out; a retired key still verifies what it signed

    @property
    def key_id(self) -> bytes:
        return bytes.fromhex(self.fingerprint)

    @property
    def public_key_base64(self) -> str:
        return base64.b64encode(self.public_key).decode("ascii")

    def verifies(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (raw, 64 bytes) is this key's signature of ``message``."""
        return raw_signature_holds(self.public_key, message, signature)


@dataclass(frozen=True)
class VoucherKey:
    """A jurisdiction's private signing key, as loaded from its file."""

    jurisdiction: str
    private: Ed25519PrivateKey
    public_key: bytes  # raw, 32 bytes
    created_on: date

    @classmethod
    def of(cls, jurisdiction: str, private: Ed25519PrivateKey, created_on: date) -> "VoucherKey":
        return cls(jurisdiction, private, private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw), created_on)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    @property
    def key_id(self) -> bytes:
        return bytes.fromhex(self.fingerprint)

    def sign(self, message: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of ``message``."""
        return self.private.sign(message)

    def public(self, *, current: bool = True) -> PublicKey:
        return PublicKey(self.fingerprint, self.public_key, self.created_on, current)


# --- the instance's keys -------------------------------------------------------------------------

_loaded: dict[Path, VoucherKey] = {}
_loading = threading.Lock()


def keys_root() -> Path:
    configured = current_app.config.get("HWC_VOUCHER_KEYS_PATH")
    return Path(configured or Path(current_app.instance_path) / "voucher-keys").resolve()


def _directory(jurisdiction: str) -> Path:
    return keys_root() / (check_jurisdiction(jurisdiction) or DEPLOYMENT_DIRECTORY)


def signing_key(jurisdiction: str) -> VoucherKey:
    """The jurisdiction's current key, created (and logged) on first use."""
    directory = _directory(jurisdiction)
    name = _read_current(directory)
    if name is None:
        with _locked(directory):
            name = _read_current(directory)
            if name is None:  # still none now that we hold the lock: this process makes it
                name = _publish(directory, jurisdiction, _new_key(directory, jurisdiction),
                                first=True)
    return _key(directory, jurisdiction, name)


def current_fingerprint(jurisdiction: str) -> str | None:
    """The fingerprint of the jurisdiction's current key; None before its first voucher."""
    return _read_current(_directory(jurisdiction))


def rotate_key(jurisdiction: str) -> VoucherKey:
    """Make a new key the jurisdiction's current one; the old keys stay, to verify the vouchers
    they signed. Logged; the caller records the audit event."""
    directory = _directory(jurisdiction)
    with _locked(directory):
        key = _new_key(directory, jurisdiction)
        _publish(directory, jurisdiction, key, first=False)
    return key


def public_keys() -> dict[str, list[PublicKey]]:
    """Every jurisdiction's keys: the retired ones oldest first, then the current one."""
    root = keys_root()
    keys: dict[str, list[PublicKey]] = {}
    if not root.is_dir():
        return keys
    for directory in sorted(root.iterdir()):
        if directory.name == DEPLOYMENT_DIRECTORY:
            jurisdiction = ""
        elif JURISDICTION.fullmatch(directory.name):
            jurisdiction = directory.name
        else:
            continue
        current = _read_current(directory)
        found = [_key(directory, jurisdiction, path.stem)
                 for path in directory.glob("*.pem") if FINGERPRINT.fullmatch(path.stem)]
        found.sort(key=lambda key: (key.fingerprint == current, key.created_on, key.fingerprint))
        if found:
            keys[jurisdiction] = [key.public(current=key.fingerprint == current) for key in found]
    return keys


def _key(directory: Path, jurisdiction: str, name: str) -> VoucherKey:
    path = directory / f"{name}.pem"
    key = _loaded.get(path)
    if key is None:
        with _loading:
            key = _loaded.get(path) or _read_key(path, jurisdiction)
            _loaded[path] = key
    return key


def _read_current(directory: Path) -> str | None:
    """The fingerprint the ``current`` file names; None when there is no such file yet."""
    path = directory / CURRENT_FILE
    try:
        name = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise VoucherKeyError(_("The voucher key file %(path)s cannot be read: %(error)s",
                                path=str(path), error=error)) from error
    if not FINGERPRINT.fullmatch(name):
        raise VoucherKeyError(_("The voucher key file %(path)s does not name a key.",
                                path=str(path)))
    return name


def _read_key(path: Path, jurisdiction: str) -> VoucherKey:
    try:
        pem = path.read_bytes()
        private = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, TypeError) as error:
        raise VoucherKeyError(_("The voucher key file %(path)s cannot be read: %(error)s",
                                path=str(path), error=error)) from error
    if not isinstance(private, Ed25519PrivateKey):
        raise VoucherKeyError(_("The voucher key file %(path)s is not an Ed25519 key.",
                                path=str(path)))
    key = VoucherKey.of(jurisdiction, private, _created_on(pem, path))
    if key.fingerprint != path.stem:
        raise VoucherKeyError(_("The voucher key file %(path)s holds the key %(fingerprint)s, "
                                "not the one its name says.", path=str(path),
                                fingerprint=key.fingerprint))
    if path.stat().st_mode & 0o077:
        current_app.logger.warning("the voucher key %s can be read by other users; "
                                   "chmod 600 it", path)
    return key


def _created_on(pem: bytes, path: Path) -> date:
    """The date written in the explanatory text before the PEM block (RFC 7468 allows it);
    the file's modification date for a key written by hand without one."""
    found = re.search(rb"^Created: (\d{4}-\d{2}-\d{2})$", pem.split(b"-----BEGIN", 1)[0], re.M)
    if found:
        try:
            return date.fromisoformat(found.group(1).decode("ascii"))
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


@contextmanager
def _locked(directory: Path):
    """Hold the jurisdiction's lock file: one creator or rotator at a time, across threads
    (each holds its own open file) and processes."""
    directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.mkdir(exist_ok=True, mode=0o700)
    with open(directory / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _new_key(directory: Path, jurisdiction: str) -> VoucherKey:
    """Write a new key file (mode 0600), not yet current."""
    private = Ed25519PrivateKey.generate()
    created_on = datetime.now(UTC).date()
    key = VoucherKey.of(jurisdiction, private, created_on)
    header = (f"HWC voucher signing key\nJurisdiction: {jurisdiction or DEPLOYMENT_DIRECTORY}\n"
              f"Created: {created_on.isoformat()}\n").encode("ascii")
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # A hard link appears whole or not at all and never replaces an existing file.
    _write_aside(directory, header + pem, lambda temporary: os.link(
        temporary, directory / f"{key.fingerprint}.pem"))
    return key


def _publish(directory: Path, jurisdiction: str, key: VoucherKey, *, first: bool) -> str:
    """Make ``key`` the current one (a rename: readers see the old name or the new one)."""
    _write_aside(directory, f"{key.fingerprint}\n".encode("ascii"),
                 lambda temporary: os.replace(temporary, directory / CURRENT_FILE))
    _sync_directory(directory)
    _loaded[directory / f"{key.fingerprint}.pem"] = key
    current_app.logger.warning(
        "%s voucher signing key %s for %s; back up %s with the instance folder",
        "created the first" if first else "rotated to a new", key.fingerprint,
        jurisdiction or "the deployment", directory)
    return key.fingerprint


def _write_aside(directory: Path, content: bytes, put_in_place) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".new-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        put_in_place(temporary)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- published keys ------------------------------------------------------------------------------

def published_keys_json() -> str:
    """The public half of every key, as JSON for ``flask hwc voucher keys`` and offline
    verifiers: ``{"format": "hwc-voucher-keys", "version": 1, "jurisdictions": {"CN-JL-HC":
    [{"fingerprint", "public_key" (base64, raw 32 bytes), "created" (ISO date), "status"
    ("current" or "retired")}]}}``; the deployment's keys under ""."""
    return json.dumps({
        "format": PUBLISHED_FORMAT,
        "version": PUBLISHED_VERSION,
        "jurisdictions": {
            jurisdiction: [{
                "fingerprint": key.fingerprint,
                "public_key": key.public_key_base64,
                "created": key.created_on.isoformat(),
                "status": "current" if key.current else "retired",
            } for key in keys]
            for jurisdiction, keys in public_keys().items()
        },
    }, indent=2, ensure_ascii=False)


def load_published_keys(text: str) -> dict[str, list[PublicKey]]:
    """The keys ``published_keys_json`` printed; ``PublishedKeysUnreadable`` for anything else.
    A fingerprint is checked against its key, not trusted."""
    try:
        document = json.loads(text)
        if (not isinstance(document, dict) or document.get("format") != PUBLISHED_FORMAT
                or document.get("version") != PUBLISHED_VERSION
                or not isinstance(document.get("jurisdictions"), dict)):
            raise PublishedKeysUnreadable(_("This is not a file of published voucher keys."))
        return {check_jurisdiction(jurisdiction): [_published_key(entry) for entry in entries]
                for jurisdiction, entries in document["jurisdictions"].items()}
    except PublishedKeysUnreadable:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as error:
        raise PublishedKeysUnreadable(
            _("The published voucher keys cannot be read: %(error)s", error=error)) from error


def _published_key(entry: dict) -> PublicKey:
    public_key = base64.b64decode(entry["public_key"], validate=True)
    if len(public_key) != PUBLIC_KEY_BYTES:
        raise ValueError(f"a public key is {PUBLIC_KEY_BYTES} bytes, not {len(public_key)}")
    if entry["fingerprint"] != fingerprint(public_key):
        raise ValueError(f"the fingerprint {entry['fingerprint']!r} is not that of its key")
    if entry["status"] not in ("current", "retired"):
        raise ValueError(f"unknown key status {entry['status']!r}")
    return PublicKey(entry["fingerprint"], public_key, date.fromisoformat(entry["created"]),
                     entry["status"] == "current")
