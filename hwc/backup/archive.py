"""The backup archive: a tar holding the database dump, the instance's files and a
``manifest.json`` naming every member's SHA-256.

The tar itself is not compressed: evidence photos, PDFs and PostgreSQL's custom-format dump are
compressed already, so only the SQLite database is stored gzipped (``database.py``). Writing
goes to a file created with mode 0600 beside the target and renamed into place when whole.
Reading checks every member's header first (regular files only, names under the known areas, no
``..``, the total within the free space), extracts with ``tarfile``'s ``data`` filter into a
private scratch folder, and checks every SHA-256 against the manifest before anything else
happens.
"""

import hashlib
import io
import json
import os
import shutil
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import current_app
from flask_babel import gettext as _

from hwc.vouchers.keys import keys_root

FORMAT = "hwc-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_AREA = "database"
MAX_MANIFEST_BYTES = 1 << 30  # a million evidence files make about 150 MB of manifest
CHUNK = 1 << 20


class ArchiveRefused(Exception):
    """The archive cannot be restored (unreadable, tampered, another format or database); the
    message says why. Nothing has been written when it is raised."""


@dataclass(frozen=True)
class Area:
    """Files of the instance kept in the archive under ``name/``: a folder's regular files, or
    one file (``single``) kept as ``name/<its file name>``."""

    name: str
    path: Path
    single: bool = False

    def member(self, file: Path) -> str:
        if self.single:
            return f"{self.name}/{self.path.name}"
        return f"{self.name}/{file.relative_to(self.path).as_posix()}"

    def target(self, member: str) -> Path:
        """Where the member goes on this instance (for a single file: the configured path,
        whatever the file was called where the backup was made)."""
        relative = PurePosixPath(member).relative_to(self.name)
        return self.path if self.single else self.path.joinpath(*relative.parts)

    def files(self) -> Iterator[Path]:
        """The area's regular files, sorted. Symbolic links are not followed, and names starting
        with a dot are left out: they are locks and files being written aside."""
        if self.single:
            if self.path.is_file() and not self.path.is_symlink():
                yield self.path
            return
        if not self.path.is_dir():
            return
        for folder, folders, names in os.walk(self.path):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            for name in sorted(names):
                path = Path(folder) / name
                if not name.startswith(".") and path.is_file() and not path.is_symlink():
                    yield path


def instance_areas() -> list[Area]:
    """The instance's files a restored deployment needs: the uploads (evidence photos, budget
    documents), the audit key, every voucher key (retired ones verify the vouchers they signed)
    and the payment runs' PDFs and bank files (served from disk, not re-rendered)."""
    config = current_app.config
    return [
        Area("uploads", Path(config["HWC_UPLOAD_PATH"]).resolve()),
        Area("audit-key", Path(config["HWC_AUDIT_KEY_PATH"]).resolve(), single=True),
        Area("voucher-keys", keys_root()),
        Area("payment-runs", (Path(current_app.instance_path) / "payment_runs").resolve()),
    ]


@dataclass
class Manifest:
    """What ``manifest.json`` says: the format, where the archive came from, and every other
    member's SHA-256 and size."""

    dialect: str
    alembic_revision: str
    created_at: str
    database_member: str
    database_bytes: int  # the database file as restored (the SQLite member is gzipped)
    members: dict[str, dict] = field(default_factory=dict)
    format: str = FORMAT
    version: int = VERSION

    def as_json(self) -> bytes:
        return json.dumps({
            "format": self.format, "version": self.version, "created_at": self.created_at,
            "dialect": self.dialect, "alembic_revision": self.alembic_revision,
            "database": {"member": self.database_member, "bytes": self.database_bytes},
            "members": self.members,
        }, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def parse(cls, text: bytes) -> "Manifest":
        try:
            document = json.loads(text)
            if not isinstance(document, dict) or document.get("format") != FORMAT:
                raise ArchiveRefused(_("This is not an HWC backup archive."))
            if document.get("version") != VERSION:
                raise ArchiveRefused(_(
                    "This backup archive has format version %(found)s; this version of HWC "
                    "restores version %(known)d.", found=document.get("version"), known=VERSION))
            members = document["members"]
            for name, entry in members.items():
                if not (isinstance(name, str) and isinstance(entry["sha256"], str)
                        and isinstance(entry["bytes"], int)):
                    raise TypeError(name)
            database = document["database"]
            return cls(dialect=str(document["dialect"]),
                       alembic_revision=str(document["alembic_revision"]),
                       created_at=str(document["created_at"]),
                       database_member=str(database["member"]),
                       database_bytes=int(database["bytes"]), members=members)
        except ArchiveRefused:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise ArchiveRefused(_("The backup's manifest cannot be read: %(error)s",
                                   error=error)) from error


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing:
    """A file read through, hashing what is read (``tarfile`` reads exactly the member's size)."""

    def __init__(self, file) -> None:
        self.file, self.digest = file, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.digest.update(chunk)
        return chunk


class ArchiveWriter:
    """Adds members to a new archive at ``path``, written aside (mode 0600) and renamed into
    place by ``finish``; the manifest records each member's SHA-256 as it is added."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial")
        descriptor = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.file = os.fdopen(descriptor, "wb")
        self.tar = tarfile.open(  # noqa: SIM115 - closed by finish() or abandon()
            fileobj=self.file, mode="w", format=tarfile.PAX_FORMAT)
        self.members: dict[str, dict] = {}

    def add(self, source: Path, member: str) -> None:
        info = self.tar.gettarinfo(str(source), arcname=member)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with open(source, "rb") as file:
            reader = _Hashing(file)
            self.tar.addfile(info, reader)
        self.members[member] = {"sha256": reader.digest.hexdigest(), "bytes": info.size}

    def finish(self, manifest: Manifest) -> None:
        manifest.members = dict(self.members)
        text = manifest.as_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(text), 0o600, int(time.time())
        self.tar.addfile(info, io.BytesIO(text))
        self.tar.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.partial, self.path)

    def abandon(self) -> None:
        self.tar.close()
        self.file.close()
        self.partial.unlink(missing_ok=True)


def _checked_members(tar: tarfile.TarFile, areas: set[str]) -> list[tarfile.TarInfo]:
    """Every member, refused unless each is a regular file named ``manifest.json`` or under a
    known area, with no absolute path, ``..`` or repeated name."""
    members, seen = [], set()
    for info in tar.getmembers():
        path = PurePosixPath(info.name)
        if (not info.isreg() or info.issparse() or path.is_absolute() or ".." in path.parts
                or info.name != path.as_posix() or info.name in seen
                or (info.name != MANIFEST and (len(path.parts) < 2
                                               or path.parts[0] not in areas))):
            raise ArchiveRefused(_("The backup archive holds a member it should not: %(name)s",
                                   name=info.name))
        seen.add(info.name)
        members.append(info)
    return members


def unpack(archive: Path, scratch: Path, areas: set[str]) -> Manifest:
    """Extract the archive into ``scratch`` (a private, empty folder) and return its manifest,
    once every member's SHA-256 matches it and no member is missing or extra; ``ArchiveRefused``
    otherwise."""
    try:
        with tarfile.open(archive, mode="r:") as tar:
            members = _checked_members(tar, areas | {DATABASE_AREA})
            by_name = {info.name: info for info in members}
            if MANIFEST not in by_name:
                raise ArchiveRefused(_("The backup archive has no manifest."))
            if by_name[MANIFEST].size > MAX_MANIFEST_BYTES:
                raise ArchiveRefused(_("The backup's manifest is too large."))
            manifest = Manifest.parse(tar.extractfile(by_name[MANIFEST]).read())
            needed = sum(info.size for info in members) + manifest.database_bytes
            if needed > shutil.disk_usage(scratch).free:
                raise ArchiveRefused(_(
                    "Unpacking the backup needs %(mb)d MB in %(folder)s; there is less free "
                    "space (set TMPDIR to a larger folder).", mb=needed // 2**20 + 1,
                    folder=str(scratch)))
            tar.extractall(scratch, members=members, filter="data")
    except (OSError, tarfile.TarError) as error:
        raise ArchiveRefused(_("The backup archive cannot be read: %(error)s",
                               error=error)) from error
    _check_sums(manifest, scratch, set(by_name) - {MANIFEST})
    return manifest


def _check_sums(manifest: Manifest, scratch: Path, names: set[str]) -> None:
    if names != set(manifest.members):
        odd = sorted(names ^ set(manifest.members))
        raise ArchiveRefused(_("The backup archive does not hold what its manifest lists "
                               "(%(names)s): it was altered.", names=", ".join(odd[:5])))
    if manifest.database_member not in names:
        raise ArchiveRefused(_("The backup archive holds no database."))
    for name in sorted(names):
        if sha256_of(scratch / name) != manifest.members[name]["sha256"]:
            raise ArchiveRefused(_("The member %(name)s of the backup archive does not match "
                                   "its SHA-256 in the manifest: it was altered.", name=name))
