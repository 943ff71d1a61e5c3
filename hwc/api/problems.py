"""RFC 9457 problem details: every API error is ``application/problem+json`` in the caller's
language, and bad input is never a 500."""

from flask import current_app, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from hwc.core.edge import Refused

PROBLEM_TYPE = "urn:hwc:problem:"

TITLES = {
    400: lambda: _("Bad request"),
    401: lambda: _("Authentication required"),
    403: lambda: _("Forbidden"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("Conflict"),
    413: lambda: _("Payload too large"),
    415: lambda: _("Unsupported media type"),
    422: lambda: _("Invalid input"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Internal error"),
    503: lambda: _("Service unavailable"),
}


class ApiProblem(Exception):
    """Raise from an API view to answer with a problem document."""

    def __init__(self, status: int, detail: str = "", *, kind: str | None = None,
                 errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.kind = status, detail, kind
        self.errors, self.headers = errors, headers or {}


def problem_response(status: int, detail: str = "", *, kind: str | None = None,
                     errors: dict | None = None, headers: dict | None = None):
    body = {
        "type": PROBLEM_TYPE + kind if kind else "about:blank",
        "title": TITLES.get(status, TITLES[500])(),
        "status": status,
        "detail": detail or TITLES.get(status, TITLES[500])(),
    }
    if errors:
        body["errors"] = {name: [str(m) for m in messages] for name, messages in errors.items()}
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_blueprint(bp) -> None:
    from hwc.core.errors import register_conflict_handlers

    register_conflict_handlers(bp)

    @bp.errorhandler(ApiProblem)
    def handle_problem(error: ApiProblem):
        return problem_response(error.status, error.detail, kind=error.kind,
                                errors=error.errors, headers=error.headers)

    @bp.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        headers = {"Allow": ", ".join(error.valid_methods)} if getattr(
            error, "valid_methods", None) else None
        if isinstance(error, Refused):
            return problem_response(error.code, error.description, kind="refused",
                                    errors=error.errors)
        if error.code == 429:
            return problem_response(429, _("Too many requests. Please wait and try again."),
                                    kind="rate-limited")
        return problem_response(error.code or 500, headers=headers)

    @bp.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        from hwc.extensions import db

        db.session.rollback()
        current_app.logger.exception("API error")
        if current_app.testing and current_app.config.get("PROPAGATE_EXCEPTIONS", True):
            raise error
        return problem_response(500, _("Something went wrong on our side. Nothing was saved."))
