"""Making a backup archive of the instance and restoring one into an empty instance."""

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext

from hwc.audit.trail import record_event
from hwc.backup import database
from hwc.backup.archive import (
    DATABASE_AREA,
    ArchiveRefused,
    ArchiveWriter,
    Manifest,
    instance_areas,
    sha256_of,
    unpack,
)
from hwc.backup.database import DatabaseUnusable

__all__ = ["ArchiveRefused", "BackupFailed", "DatabaseUnusable", "RestoreFailed", "TargetNotEmpty",
           "default_archive_name", "make_backup", "restore_backup"]


class BackupFailed(Exception):
    """No archive was written; the message says why."""


class RestoreFailed(Exception):
    """The restore stopped after writing part of it; the message says what to do."""


class TargetNotEmpty(Exception):
    """The database or the instance's files already hold something the archive would replace;
    nothing was written. ``force`` replaces them."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    sha256: str
    bytes: int
    members: int
    dialect: str
    alembic_revision: str


@dataclass(frozen=True)
class RestoreReport:
    created_at: str
    dialect: str
    alembic_revision: str
    files: int
    needs_upgrade: bool


def default_archive_name(now: datetime | None = None) -> str:
    return f"hwc-backup-{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}.tar"


def make_backup(output: Path, *, actor=None) -> BackupReport:
    """Write one archive at ``output`` (mode 0600, whole or not at all; an existing file is
    never replaced): the database as of one moment, every file of ``instance_areas`` and the
    manifest. Then records a ``backup_made`` event naming the archive's SHA-256; the caller
    commits. ``BackupFailed`` or ``DatabaseUnusable`` when nothing was written."""
    output = output.resolve()
    revision = database.alembic_revision()
    if revision is None:
        raise BackupFailed(_("The database has no schema yet (run “flask db upgrade”): there "
                             "is nothing to back up."))
    if output.exists():
        raise BackupFailed(_("%(path)s already exists; choose another file.", path=str(output)))
    try:
        # The dump is staged beside the archive (a large database may not fit in /tmp).
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=".hwc-backup-") as scratch:
            dumped, member, size = database.dump(Path(scratch))
            writer = ArchiveWriter(output)
            try:
                writer.add(dumped, member)
                dumped.unlink()
                for area in instance_areas():
                    for file in area.files():
                        writer.add(file, area.member(file))
                writer.finish(Manifest(
                    dialect=database.dialect(), alembic_revision=revision,
                    created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    database_member=member, database_bytes=size))
            except BaseException:
                writer.abandon()
                raise
    except OSError as error:
        raise BackupFailed(_("The backup cannot be written: %(error)s", error=error)) from error
    report = BackupReport(path=output, sha256=sha256_of(output), bytes=output.stat().st_size,
                          members=len(writer.members), dialect=database.dialect(),
                          alembic_revision=revision)
    record_event("backup_made", actor=actor, changes={
        "archive": output.name, "sha256": report.sha256, "bytes": report.bytes,
        "members": report.members, "alembic_revision": revision})
    return report


def restore_backup(archive: Path, *, force: bool = False) -> RestoreReport:
    """Restore an archive made by ``make_backup`` into this instance: first every member is
    checked against the manifest (``ArchiveRefused``: tampered, another format, another kind
    of database, a schema newer than this version of HWC), then the target (``TargetNotEmpty``
    for a database holding tables or an instance file that differs from the archive's, unless
    ``force``); only then the database, then the files, each file whole. Identical files
    already in place are left as they are."""
    areas = {area.name: area for area in instance_areas()}
    with tempfile.TemporaryDirectory(prefix="hwc-restore-") as scratch_name:
        scratch = Path(scratch_name)
        manifest = unpack(archive, scratch, set(areas))
        _check_fits(manifest)
        prepared = database.prepare(scratch / manifest.database_member, manifest.database_bytes)
        placements = _placements(manifest, areas, scratch)
        if not force:
            _check_target_empty(placements)
        database.restore(prepared, replace=force)
        try:
            for staged, target in placements:
                if not (target.is_file() and sha256_of(target) == sha256_of(staged)):
                    _place(staged, target)
        except OSError as error:
            raise RestoreFailed(_(
                "The database is restored but the files are not all in place: %(error)s. "
                "Free the space or fix the permissions, then restore again with --force.",
                error=error)) from error
    _known, head = database.known_revisions()
    return RestoreReport(created_at=manifest.created_at, dialect=manifest.dialect,
                         alembic_revision=manifest.alembic_revision, files=len(placements),
                         needs_upgrade=manifest.alembic_revision != head)


def _check_fits(manifest: Manifest) -> None:
    if manifest.dialect != database.dialect():
        raise ArchiveRefused(_(
            "This backup holds a %(theirs)s database; this instance uses %(ours)s. Restore it "
            "into a %(theirs)s database.", theirs=manifest.dialect, ours=database.dialect()))
    known, _head = database.known_revisions()
    if manifest.alembic_revision not in known:
        raise ArchiveRefused(_(
            "This backup's database is at schema revision %(revision)s, which this version of "
            "HWC does not know: restore it with the version of HWC that made it, or a newer "
            "one.", revision=manifest.alembic_revision))


def _placements(manifest: Manifest, areas: dict, scratch: Path) -> list[tuple[Path, Path]]:
    """(staged file, where it goes) for every member but the database."""
    placements = []
    for name in sorted(manifest.members):
        area = name.split("/", 1)[0]
        if area != DATABASE_AREA:
            placements.append((scratch / name, areas[area].target(name)))
    if len({target for _staged, target in placements}) != len(placements):
        raise ArchiveRefused(_("The backup archive holds two files for one place: it was "
                               "altered."))
    return placements


def _check_target_empty(placements: list[tuple[Path, Path]]) -> None:
    tables = database.table_names()
    if tables:
        raise TargetNotEmpty(ngettext(
            "The database already holds %(num)d table: a backup is restored into an empty "
            "database. Use --force to replace what it holds.",
            "The database already holds %(num)d tables: a backup is restored into an empty "
            "database. Use --force to replace what it holds.", len(tables)))
    differing = [str(target) for staged, target in placements
                 if target.exists() and not (target.is_file()
                                             and sha256_of(target) == sha256_of(staged))]
    if differing:
        raise TargetNotEmpty(ngettext(
            "%(num)d file of this instance differs from the backup's (%(files)s): a backup is "
            "restored into empty instance folders. Use --force to replace it.",
            "%(num)d files of this instance differ from the backup's (%(files)s): a backup is "
            "restored into empty instance folders. Use --force to replace them.",
            len(differing), files=", ".join(differing[:3])))


def _place(staged: Path, target: Path) -> None:
    """Put a file in place whole: written aside in the target's folder, then renamed. Folders
    are created readable by the owner only: they may hold keys."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    aside = target.with_name(f".{target.name}.restoring")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(staged, "rb") as source, os.fdopen(descriptor, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
    aside.chmod(staged.stat().st_mode & 0o777)  # as archived (0600 for keys)
    aside.replace(target)
