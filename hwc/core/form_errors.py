"""Showing the domain's field errors on a page's form: each message beside the field it concerns,
the rest flashed, so that no refusal goes unseen."""

import re
from collections.abc import Iterable, Mapping, Sequence

from flask import flash
from wtforms import FieldList

# ``losses[2].quantity``: a field of one row of a list.
ROW_FIELD = re.compile(r"(?P<list>[\w.]+)\[(?P<index>\d+)\]\.(?P<name>\w+)")


def show_errors(form, errors: Mapping[str, Iterable], fields: Mapping | None = None) -> None:
    """Put each message of ``errors`` (domain field name → messages, as ``ClaimValidationError``
    and ``WorkflowError`` give them) on the form field it concerns, and flash those that concern
    none.

    ``fields`` maps a domain name to a form field's name (``{"claimant.phone": "phone"}``), or a
    list's name to the form's ``FieldList`` name or to its rows (``{"losses": "rows"}`` puts
    ``losses[2].quantity`` on the third row's ``quantity``). A name without an entry goes to
    the form field of that name, if there is one."""
    fields = fields or {}
    for name, messages in errors.items():
        field = field_for(form, name, fields) if form is not None else None
        if field is None:
            for message in messages:
                flash(str(message), "error")
            continue
        field.errors = [*(field.errors or ()), *(str(message) for message in messages)]


def field_for(form, name: str, fields: Mapping):
    """The form field that shows errors about the domain's ``name``, or None."""
    if (match := ROW_FIELD.fullmatch(name)) and match["list"] in fields:
        rows = fields[match["list"]]
        entries: Sequence = getattr(form, rows).entries if isinstance(rows, str) else rows
        index = int(match["index"])
        if index >= len(entries):
            return None
        return entries[index].form._fields.get(match["name"])
    target = fields.get(name, name)
    field = form._fields.get(target) if isinstance(target, str) and target else None
    return None if isinstance(field, FieldList) else field  # a list's own errors are flashed
