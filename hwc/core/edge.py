"""Bounds checked where a request comes in: ids in URLs, JSON bodies and calendar dates.

Whatever lies outside them is refused here with a clear message, before it can reach the
database or the time-zone arithmetic, where it would end as a server error."""

import re
from datetime import date

import flask
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The largest id a 64-bit signed integer column holds (SQLite and PostgreSQL ``bigint``).
MAX_ID = 2**63 - 1
# Dates a person may filter by; anything outside is a typo, and year 1 or 9999 breaks the
# conversion between time zones.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# No request body of this API nests deeper than a few levels; 32 leaves room for any client.
MAX_JSON_DEPTH = 32
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` in a route matches only ids the database can hold: a larger number is a 404,
    like any other id that does not exist."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


class DateOutOfRange(ValueError):
    """A date that cannot be read, or lies outside ``EARLIEST_DATE`` … ``LATEST_DATE``;
    ``message`` says so in the reader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_date(text: str) -> date:
    """The calendar date ``text`` (``YYYY-MM-DD``) within the bounds, or ``DateOutOfRange``."""
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise DateOutOfRange(_("Use a date such as 2026-11-20.")) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise DateOutOfRange(_("Use a date between %(first)s and %(last)s.",
                               first=EARLIEST_DATE.isoformat(), last=LATEST_DATE.isoformat()))
    return day


class UnsafeJSON(ValueError):
    """A JSON body refused at the edge; ``field`` names the place (``losses[1].description``)
    when one value is at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


class RefusedJSON(BadRequest):
    """The HTTP answer to a JSON body that is malformed or over the bounds: 400, or 422 with
    ``errors`` when one value is at fault."""

    def __init__(self, cause: ValueError | None):
        message = cause.message if isinstance(cause, UnsafeJSON) else _(
            "The request body is not valid JSON.")
        super().__init__(message)
        field = cause.field if isinstance(cause, UnsafeJSON) else None
        self.errors = {field: [message]} if field is not None else None
        if field is not None:
            self.code = 422


def _refuse_constant(name: str):
    raise UnsafeJSON(_("The request body is not valid JSON: %(value)s is not a number in JSON.",
                       value=name))


def _child(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_json(value) -> None:
    """Refuse (``UnsafeJSON``) a value nested deeper than ``MAX_JSON_DEPTH`` or holding a lone
    surrogate, which is not text and cannot be stored; walks without recursion."""
    pending = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                raise UnsafeJSON(_("Contains a character that is not valid text "
                                   "(a lone surrogate)."), path)
            continue
        if isinstance(item, dict):
            children = list(item.items())
        elif isinstance(item, list):
            children = list(enumerate(item))
        else:
            continue
        if depth >= MAX_JSON_DEPTH:
            raise UnsafeJSON(_("The request body is nested too deeply (at most %(max)d levels).",
                               max=MAX_JSON_DEPTH))
        for key, child in children:
            if isinstance(key, str) and LONE_SURROGATE.search(key):
                raise UnsafeJSON(_("Contains a character that is not valid text "
                                   "(a lone surrogate)."), path)
            pending.append((child, _child(path, key), depth + 1))


class CheckedJSONProvider(DefaultJSONProvider):
    """The app's JSON, reading without ``NaN`` or ``Infinity`` and within ``check_json``'s
    bounds. Raises ``UnsafeJSON`` (a ValueError, so a silent ``get_json`` gives None)."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise UnsafeJSON(_("The request body is nested too deeply (at most %(max)d "
                               "levels).", max=MAX_JSON_DEPTH)) from None
        check_json(value)
        return value


class Request(flask.Request):
    """Flask's request, answering a JSON body that cannot be read with the reason."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:
            return super().on_json_loading_failed(e)  # not JSON at all: 415
        raise RefusedJSON(e)


def init_app(app) -> None:
    """Install the bounds; call before any blueprint adds its routes."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = CheckedJSONProvider(app)
    app.request_class = Request
