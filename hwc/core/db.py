"""Column types and time helpers shared by every feature's models."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

# How long a SQLite writer waits for another one before the request answers "busy".
SQLITE_BUSY_TIMEOUT_MS = 15_000


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so values are normalised to UTC on the way in and marked UTC on the
    way out; a naive datetime is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; HWC stores timezone-aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def local_date(moment: datetime, zone: tzinfo | None = None):
    """The calendar date of ``moment`` in ``zone``; by default in the deployment's time zone
    (for a claim, pass its village's: ``jurisdiction_of(claim).zone``)."""
    if zone is None:
        from zoneinfo import ZoneInfo

        from hwc.core.settings import get_setting

        zone = ZoneInfo(get_setting("time_zone"))
    return moment.astimezone(zone).date()


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    """WAL (readers never wait for the writer), a busy timeout, and transactions begun by
    SQLAlchemy rather than by the sqlite3 module (see ``_sqlite_begin``)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


_WRITE_LOCK = ContextVar("hwc_sqlite_write_lock", default=False)


@contextmanager
def write_lock_on_begin() -> Iterator[None]:
    """Inside this block, every SQLite transaction takes the write lock when it begins, as a
    writing request's does (the job worker: it claims and completes jobs)."""
    token = _WRITE_LOCK.set(True)
    try:
        yield
    finally:
        _WRITE_LOCK.reset(token)


def writes(view):
    """Mark a view that writes although it answers GET (a gateway's callback, which can only
    call with GET): on SQLite its transaction takes the write lock when it begins, as a POST's
    does, instead of failing with "database is locked" when it first writes."""
    view.writes = True
    return view


def _writes(endpoint: str | None) -> bool:
    from flask import current_app

    return bool(getattr(current_app.view_functions.get(endpoint), "writes", False))


def _sqlite_begin(connection) -> None:
    """A web request that may write (POST, PUT, PATCH, DELETE) takes SQLite's write lock when
    its transaction begins, so concurrent writers queue (up to the busy timeout) instead of
    failing at once with "database is locked" when both try to upgrade a read lock. Page views
    and commands begin a plain transaction, which never waits while it only reads."""
    if connection.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    writing = _WRITE_LOCK.get() or (has_request_context() and (
        request.method not in ("GET", "HEAD", "OPTIONS") or _writes(request.endpoint)))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def init_sqlite() -> None:
    """Install the SQLite connection settings once per process (every engine)."""
    if not event.contains(Engine, "connect", _sqlite_connect):
        event.listen(Engine, "connect", _sqlite_connect)
        event.listen(Engine, "begin", _sqlite_begin)
