"""Dumping and restoring the database: SQLite through its online backup API (a consistent copy
while the app runs), PostgreSQL through ``pg_dump --format=custom`` and ``pg_restore`` of the
server's own major version (or a newer one), found as ``tests/pg_cluster.py`` finds ``initdb``."""

import glob
import gzip
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from hwc.backup.archive import ArchiveRefused
from hwc.extensions import db

SQLITE_MEMBER = "database/hwc.sqlite3.gz"
POSTGRES_MEMBER = "database/hwc.pgdump"
CHUNK = 1 << 20
TOOL_TIMEOUT_SECONDS = 24 * 3600
SQLITE_WAIT_SECONDS = 30


class DatabaseUnusable(Exception):
    """The database cannot be dumped or restored (a tool missing or failing, an in-memory
    database); the message says why."""


def dialect() -> str:
    return db.engine.dialect.name


def alembic_revision() -> str | None:
    """The revision ``flask db upgrade`` last brought the database to; None before any."""
    try:
        with db.engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def known_revisions() -> tuple[set[str], str]:
    """Every revision this version of HWC has a migration for, and the newest (the head)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    return {revision.revision for revision in script.walk_revisions()}, script.get_current_head()


def table_names() -> list[str]:
    """The tables already in the target database (its default schema)."""
    try:
        return sorted(inspect(db.engine).get_table_names())
    except SQLAlchemyError as error:
        raise DatabaseUnusable(_("The database cannot be read: %(error)s",
                                 error=error.orig or error)) from error


# --- dumping -------------------------------------------------------------------------------------

def dump(folder: Path) -> tuple[Path, str, int]:
    """Dump the database into ``folder``: the file, its member name in the archive, and the
    size of the database file a restore works from."""
    if dialect() == "sqlite":
        return _dump_sqlite(folder)
    if dialect() == "postgresql":
        return _dump_postgres(folder)
    raise DatabaseUnusable(_("Backing up a %(dialect)s database is not supported.",
                             dialect=dialect()))


def _sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise DatabaseUnusable(_("The SQLite database must be a file to be backed up or "
                                 "restored."))
    return Path(name).resolve()


def _give_up_after(seconds: float):
    """A progress callback for ``sqlite3``'s backup, which otherwise retries a locked database
    for ever: after ``seconds`` of waiting it stops with ``DatabaseUnusable``."""
    deadline = time.monotonic() + seconds

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and \
                time.monotonic() > deadline:
            raise DatabaseUnusable(_("The SQLite database stayed locked for %(seconds)d "
                                     "seconds: stop HWC's servers and workers and try again.",
                                     seconds=seconds))

    return progress


def _dump_sqlite(folder: Path) -> tuple[Path, str, int]:
    copy = folder / "hwc.sqlite3"
    source = sqlite3.connect(_sqlite_path())
    target = sqlite3.connect(copy)
    try:
        # One step: a consistent snapshot; writers go on (WAL).
        source.backup(target, progress=_give_up_after(SQLITE_WAIT_SECONDS))
        target.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
    except sqlite3.Error as error:
        raise DatabaseUnusable(_("The SQLite database cannot be copied: %(error)s",
                                 error=error)) from error
    finally:
        target.close()
        source.close()
    packed = folder / "hwc.sqlite3.gz"
    with open(copy, "rb") as plain, gzip.open(packed, "wb", compresslevel=6) as squeezed:
        shutil.copyfileobj(plain, squeezed, CHUNK)
    size = copy.stat().st_size
    copy.unlink()
    return packed, SQLITE_MEMBER, size


def _dump_postgres(folder: Path) -> tuple[Path, str, int]:
    dumped = folder / "hwc.pgdump"
    _run_tool("pg_dump", "--format=custom", "--no-password", f"--file={dumped}")
    return dumped, POSTGRES_MEMBER, dumped.stat().st_size


# --- restoring -----------------------------------------------------------------------------------

def prepare(dumped: Path, expected_bytes: int) -> Path:
    """The file ``restore`` reads, checked before anything is written: the SQLite member
    unpacked beside it (refused if it unpacks to more than the manifest said, or is not a whole
    SQLite database); the PostgreSQL dump as it is (``pg_restore`` checks it)."""
    if dialect() != "sqlite":
        return dumped
    plain = _unpack(dumped, expected_bytes)
    try:
        connection = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
        try:
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error as error:
        verdict = str(error)
    if verdict != "ok":
        raise ArchiveRefused(_("The database in the backup archive is damaged: %(error)s",
                               error=verdict))
    return plain


def restore(prepared: Path, *, replace: bool) -> None:
    """Restore the database from ``prepared``. ``replace``: the target may hold tables, which
    are replaced (SQLite: the whole file; PostgreSQL: ``pg_restore --clean``)."""
    db.session.remove()
    db.engine.dispose()
    if dialect() == "sqlite":
        _restore_sqlite(prepared)
    else:
        _restore_postgres(prepared, replace=replace)
    db.engine.dispose()


def _unpack(packed: Path, expected_bytes: int) -> Path:
    plain, written = packed.with_suffix(""), 0
    try:
        with gzip.open(packed, "rb") as squeezed, open(plain, "wb") as out:
            while chunk := squeezed.read(CHUNK):
                written += len(chunk)
                if written > expected_bytes:
                    raise ArchiveRefused(_("The database in the backup archive is larger than "
                                           "its manifest says: it was altered."))
                out.write(chunk)
    except (OSError, EOFError) as error:
        raise ArchiveRefused(_("The database in the backup archive cannot be unpacked: "
                               "%(error)s", error=error)) from error
    return plain


def _restore_sqlite(plain: Path) -> None:
    source = sqlite3.connect(plain)
    target = sqlite3.connect(_sqlite_path())
    try:
        source.backup(target, progress=_give_up_after(SQLITE_WAIT_SECONDS))
    except sqlite3.Error as error:
        raise DatabaseUnusable(_("The SQLite database cannot be written: %(error)s",
                                 error=error)) from error
    finally:
        target.close()
        source.close()


def _restore_postgres(dumped: Path, *, replace: bool) -> None:
    options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
               "--no-password"]
    if replace:
        options += ["--clean", "--if-exists"]
    _run_tool("pg_restore", *options, str(dumped))


# --- the PostgreSQL tools ------------------------------------------------------------------------

def _run_tool(name: str, *arguments: str) -> None:
    url = db.engine.url
    environment = dict(os.environ)
    if url.password:  # in the environment, not on a command line every user can list
        environment["PGPASSWORD"] = url.password
    address = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    command = [str(postgres_tool(name)), *arguments, f"--dbname={address}"]
    try:
        subprocess.run(command, check=True,  # noqa: S603 - our tool, the configured URL capture_output=True, env=environment,
                       timeout=TOOL_TIMEOUT_SECONDS)
    except subprocess.CalledProcessError as error:
        detail = error.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise DatabaseUnusable(_("%(tool)s failed: %(error)s", tool=name,
                                 error=detail)) from error
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DatabaseUnusable(_("%(tool)s failed: %(error)s", tool=name,
                                 error=error)) from error


def postgres_tool(name: str) -> Path:
    """``pg_dump`` or ``pg_restore`` of the server's major version, else the oldest newer one
    installed (an older one refuses the server's dumps): ``HWC_PG_BINDIR`` first, then
    ``/usr/lib/postgresql/<major>/bin``, then the one on ``PATH``."""
    with db.engine.connect() as connection:
        server = connection.dialect.server_version_info[0]
    candidates = [os.environ.get("HWC_PG_BINDIR", "")]
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                       key=lambda folder: _major(Path(folder).parent.name))
    candidates += [folder for folder in installed
                   if _major(Path(folder).parent.name) == server]
    candidates += [folder for folder in installed
                   if _major(Path(folder).parent.name) > server]
    for folder in candidates:
        if folder and (Path(folder) / name).exists():
            return Path(folder) / name
    found = shutil.which(name)
    if found:
        return Path(found)
    raise DatabaseUnusable(_("%(tool)s for PostgreSQL %(major)d (or newer) is not installed.",
                             tool=name, major=server))


def _major(text: str) -> int:
    return int(text) if text.isdigit() else -1
