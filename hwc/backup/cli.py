"""``flask hwc backup`` and ``flask hwc restore``."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from hwc.audit.keys import AuditKeyError
from hwc.backup.operations import (
    ArchiveRefused,
    BackupFailed,
    DatabaseUnusable,
    RestoreFailed,
    TargetNotEmpty,
    default_archive_name,
    make_backup,
    restore_backup,
)
from hwc.extensions import db

RESTORED, ARCHIVE_REFUSED, TARGET_NOT_EMPTY, FAILED = 0, 1, 2, 3


def _fail(message: str, code: int):
    click.echo(message, err=True)
    raise SystemExit(code)


@click.command("backup")
@with_appcontext
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write (it must not exist yet); default "
                   "hwc-backup-<UTC time>.tar in the current folder.")
def backup_command(output: Path | None):
    """Write ONE archive of this instance: the database (a consistent copy while the app runs),
    the uploaded evidence, the audit and voucher signing keys, the payment runs' PDFs and bank
    files, and a manifest with each member's SHA-256. The archive holds SECRETS (the signing
    keys, whole bank accounts): it is created readable by its owner only (mode 0600); keep it
    encrypted and away from the servers. The backup is recorded in the audit trail. Exit 0
    written, 3 nothing written."""
    output = output or Path(default_archive_name())
    try:
        report = make_backup(output, actor=None)
        db.session.commit()
    except (BackupFailed, DatabaseUnusable, AuditKeyError) as error:
        db.session.rollback()
        _fail(str(error), FAILED)
    click.echo(_("Backup written to %(path)s (%(mb).1f MB, %(members)d files, SHA-256 "
                 "%(sha256)s).", path=str(report.path), mb=report.bytes / 2**20,
                 members=report.members, sha256=report.sha256))


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace what the database and the instance's folders already hold "
                   "(tables, a different audit or voucher key, other files at the same names).")
def restore_command(archive: Path, force: bool):
    """Restore ARCHIVE (written by “flask hwc backup”) into this instance's EMPTY database and
    instance folders; stop HWC's servers and workers first. Every member is checked against the
    manifest's SHA-256 before anything is written; the archive is unpacked in TMPDIR first.
    Exit 0 restored; 1 the archive is refused (altered, another format, another kind of
    database, a newer schema), nothing written; 2 the database or a key or file already holds
    something else (use --force), nothing written; 3 the database or a tool failed (the message
    says whether anything was written)."""
    try:
        report = restore_backup(archive, force=force)
    except ArchiveRefused as error:
        _fail(str(error), ARCHIVE_REFUSED)
    except TargetNotEmpty as error:
        _fail(str(error), TARGET_NOT_EMPTY)
    except (DatabaseUnusable, RestoreFailed) as error:
        _fail(str(error), FAILED)
    except OSError as error:
        _fail(_("The restore failed: %(error)s", error=error), FAILED)
    click.echo(_("Restored the backup made at %(created)s: the %(dialect)s database and "
                 "%(files)d files.", created=report.created_at, dialect=report.dialect,
                 files=report.files))
    if report.needs_upgrade:
        click.echo(_("The database is at schema revision %(revision)s: run “flask db upgrade” "
                     "before starting HWC.", revision=report.alembic_revision))
