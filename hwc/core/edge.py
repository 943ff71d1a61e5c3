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
from wtforms.validators import ValidationError

# The largest id every database holds: ids are ``Integer`` columns, 32-bit on PostgreSQL
# (SQLite's reach 2**63 - 1). A table whose ids outgrow this needs BigInteger and a new bound.
MAX_ID = 2**31 - 1
# Dates a person may filter by; anything outside is a typo, and year 1 or 9999 breaks the
# conversion between time zones.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# No request body of this API nests deeper than a few levels; 32 leaves room for any client.
MAX_JSON_DEPTH = 32
# Characters no text field may hold: NUL (PostgreSQL refuses it) and lone surrogates (not
# Unicode text at all; JSON's "\ud800" escape is the only way in).
NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


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


def _out_of_range() -> str:
    return _("Use a date between %(first)s and %(last)s.", first=EARLIEST_DATE.isoformat(),
             last=LATEST_DATE.isoformat())


def parse_date(text: str) -> date:
    """The calendar date ``text`` (``YYYY-MM-DD``) within the bounds, or ``DateOutOfRange``."""
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise DateOutOfRange(_("Use a date such as 2026-11-20.")) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise DateOutOfRange(_out_of_range())
    return day


def date_within_bounds(form, field) -> None:
    """WTForms validator: the date field's value lies within the bounds."""
    if field.data is not None and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(_out_of_range())


class UnsafeJSON(ValueError):
    """A JSON body refused at the edge; ``field`` names the place (``losses[1].description``)
    when one value is at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


class Refused(BadRequest):
    """A request refused at the edge. ``description`` says why in the reader's language, and
    ``errors`` names the field when one is at fault (pages and problem documents show both)."""

    def __init__(self, message: str, *, field: str | None = None, code: int = 400):
        super().__init__(message)
        self.code = code
        self.errors = {field: [message]} if field is not None else None


def not_text_message(text: str) -> str | None:
    """Why ``text`` cannot be stored as text, or None when it can."""
    found = NOT_TEXT.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("Contains a NUL character, which is not text.")
    return _("Contains a character that is not valid text (a lone surrogate).")


def _too_deep() -> UnsafeJSON:
    return UnsafeJSON(_("The request body is nested too deeply (at most %(max)d levels).",
                        max=MAX_JSON_DEPTH))


def _refuse_constant(name: str):
    raise UnsafeJSON(_("The request body is not valid JSON: %(value)s is not a number in JSON.",
                       value=name))


def _child(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_json(value) -> None:
    """Refuse (``UnsafeJSON``) a value nested deeper than ``MAX_JSON_DEPTH`` or holding a
    string that is not text (``not_text_message``); walks without recursion."""
    pending = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, str):
            if message := not_text_message(item):
                raise UnsafeJSON(message, path)
            continue
        if isinstance(item, dict):
            children = list(item.items())
        elif isinstance(item, list):
            children = list(enumerate(item))
        else:
            continue
        if depth >= MAX_JSON_DEPTH:
            raise _too_deep()
        for key, child in children:
            if isinstance(key, str) and (message := not_text_message(key)):
                raise UnsafeJSON(message, path)
            pending.append((child, _child(path, key), depth + 1))


class CheckedJSONProvider(DefaultJSONProvider):
    """The app's JSON, reading without ``NaN`` or ``Infinity`` and within ``check_json``'s
    bounds. Raises ``UnsafeJSON`` (a ValueError, so a silent ``get_json`` gives None)."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise _too_deep() from None
        check_json(value)
        return value


class Request(flask.Request):
    """Flask's request, answering a JSON body that cannot be read with the reason."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:
            return super().on_json_loading_failed(e)  # not JSON at all: 415
        if isinstance(e, UnsafeJSON):
            raise Refused(e.message, field=e.field, code=400 if e.field is None else 422)
        raise Refused(_("The request body is not valid JSON."))


def refuse_what_is_not_text() -> None:
    """Before every view: no path, query, form field or file name may hold a character that
    is not text (a NUL would reach PostgreSQL, which refuses it, as a server error)."""
    if message := not_text_message(flask.request.path):
        raise Refused(message)
    for source in (flask.request.args, flask.request.form):
        for name, values in source.lists():
            for text in (name, *values):
                if message := not_text_message(text or ""):  # a part may lack its name
                    raise Refused(message, field=name)
    for name, upload in flask.request.files.items(multi=True):
        if message := not_text_message(upload.filename or ""):
            raise Refused(message, field=name)


def init_app(app) -> None:
    """Install the bounds; call before any blueprint adds its routes."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = CheckedJSONProvider(app)
    app.request_class = Request
    app.before_request(refuse_what_is_not_text)
