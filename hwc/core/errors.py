"""Error pages: translated, never a stack trace."""

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
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


def handle_operational(error: OperationalError):
    """A database that stays locked past the busy timeout (SQLite) is "busy", not a crash."""
    db.session.rollback()
    if "database is locked" not in str(error.orig):
        raise error
    return _answer(503, BUSY, "busy", {"Retry-After": "2"})


def register_conflict_handlers(target) -> None:
    """Races answer 409 (or 503 for a locked database) on ``target``: the app, and every
    blueprint that has its own catch-all handler (which would otherwise win)."""
    target.register_error_handler(StaleDataError, handle_stale)
    target.register_error_handler(IntegrityError, handle_integrity)
    target.register_error_handler(OperationalError, handle_operational)


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error")
    return render_template("errors/error.html", code=500, message=MESSAGES[500]), 500


def init_app(app) -> None:
    app.register_error_handler(HTTPException, render_error)
    register_conflict_handlers(app)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
