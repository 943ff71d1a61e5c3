"""Error pages: translated, never a stack trace."""

import sqlite3

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from hwc.core.edge import Refused
from hwc.extensions import db

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in to continue."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist, or it is not in your area."),
    405: _l("This action is not available here."),
    409: _l("Someone else changed this in the meantime. Reload and try again."),
    503: _l("The system is busy. Please try again in a moment."),
    413: _l("The upload is too large."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing was saved; please try again."),
}


# Paths whose errors another feature answers in its own format (the API: problem+json), each with
# the function that renders them: ``(status, detail, kind=, headers=)`` → response.
ERROR_FORMATS = "hwc.error_formats"


def answer_errors_under(app, prefix: str, render) -> None:
    """Let ``render`` answer every error under the path ``prefix``."""
    app.extensions.setdefault(ERROR_FORMATS, {})[prefix] = render


def _own_format():
    for prefix, render in current_app.extensions.get(ERROR_FORMATS, {}).items():
        if request.path.startswith(prefix):
            return render
    return None


def render_error(error: HTTPException):
    code = error.code or 500
    render = _own_format()
    if render is not None:
        return render(code)
    message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if isinstance(error, Refused):  # refused at the edge, with the reason
        message = error.description
    return render_template("errors/error.html", code=code, message=message), code


STALE = _l("Someone else changed this claim in the meantime. Reload it.")
BUSY = _l("The system is busy. Please try again in a moment.")


def _answer(code: int, message, kind: str, headers: dict | None = None):
    render = _own_format()
    if render is not None:
        return render(code, str(message), kind=kind, headers=headers)
    return render_template("errors/error.html", code=code, message=message), code, headers or {}


def handle_stale(error: StaleDataError):
    """Two writers changed the same row at once: the later one is told to reload (409)."""
    db.session.rollback()
    return _answer(409, STALE, "StaleClaim")


def handle_integrity(error: IntegrityError):
    """A unique key taken by a concurrent request between our check and our insert (two
    administrators creating one username at once): the later one is told to reload (409).
    Operations check what they can first; this is the backstop, so it is logged."""
    db.session.rollback()
    current_app.logger.warning("integrity conflict answered 409: %s", error.orig)
    return _answer(409, MESSAGES[409], "conflict")


def database_unavailable(error: DBAPIError) -> bool:
    """Whether ``error`` says the database cannot serve now but may in a moment, rather than
    that the request or the schema is wrong: a connection lost or refused (a restarted or
    failed-over server; the pool pings and replaces stale connections on the next request), a
    server starting up or shutting down, a deadlock or serialization failure, or a SQLite
    database locked past the busy timeout."""
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return "database is locked" in str(original)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a requirement
        return False
    # psycopg's OperationalError: classes 08 (connection), 40 (rollback), 53 (resources),
    # 55P03 (lock not available), 57 (operator intervention: shutdown, cancel) and 58.
    return isinstance(original, psycopg.OperationalError)


def handle_database_error(error: DBAPIError):
    """A database that cannot serve for the moment is "busy, try again" (503 with
    ``Retry-After``), never a crash; any other database error is the bug it is."""
    db.session.rollback()
    if not database_unavailable(error):
        raise error
    current_app.logger.warning("database unavailable, answered 503: %s", error.orig)
    return _answer(503, BUSY, "busy", {"Retry-After": "2"})


def register_conflict_handlers(target) -> None:
    """Races answer 409 (or 503 for a database locked, restarting or out of reach) on
    ``target``: the app, and every blueprint that has its own catch-all handler (which would
    otherwise win)."""
    target.register_error_handler(StaleDataError, handle_stale)
    target.register_error_handler(IntegrityError, handle_integrity)
    target.register_error_handler(DBAPIError, handle_database_error)


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error")
    return render_template("errors/error.html", code=500, message=MESSAGES[500]), 500


def init_app(app) -> None:
    app.register_error_handler(HTTPException, render_error)
    register_conflict_handlers(app)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
