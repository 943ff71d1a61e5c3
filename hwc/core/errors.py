"""Error pages: translated, never a stack trace."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
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
    413: _l("The upload is too large."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing was saved; please try again."),
}


def render_error(error: HTTPException):
    code = error.code or 500
    if request.path.startswith("/api/"):
        from hwc.api.problems import problem_response

        return problem_response(code)
    message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if isinstance(error, Refused):  # refused at the edge, with the reason
        message = error.description
    return render_template("errors/error.html", code=code, message=message), code


def handle_unexpected(error: Exception):
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("unhandled error")
    return render_template("errors/error.html", code=500, message=MESSAGES[500]), 500


def init_app(app) -> None:
    app.register_error_handler(HTTPException, render_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
