"""Importing a rate schedule from the CSV officials publish: every bad row reported with its
line number, and nothing imported unless everything is right."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from hwc.audit.trail import record_event
from hwc.core.money import InvalidCurrency, check_currency, parse_decimal
from hwc.extensions import db
from hwc.losses.models import CODE, Condition
from hwc.losses.vocabulary import Vocabulary, vocabulary_at
from hwc.rates.models import Basis, Rate, RateSchedule
from hwc.regions.models import Region
from hwc.regions.operations import RegionNotFound

COLUMNS = ("kind", "category", "condition", "unit", "basis", "rate", "cap", "currency")
# ``condition`` and ``cap`` may be left out of the header: their cells may be empty anyway.
REQUIRED_COLUMNS = ("kind", "category", "unit", "basis", "rate", "currency")
MAX_PERCENT = Decimal(1000)
# What the columns can hold: rate Numeric(16, 4), cap Numeric(16, 2).
PLACES = {"rate": 4, "cap": 2}
LIMIT = {"rate": Decimal(10) ** 12, "cap": Decimal(10) ** 14}
WHOLE_FILE = 0  # the line of a problem with the upload as a whole


@dataclass(frozen=True)
class ImportProblem:
    """One reason the CSV cannot be imported: ``line`` is the file's line number (header = 1,
    0 for the upload as a whole), ``column`` the column at fault if one is, ``message`` the
    translated sentence a person reads."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        return self.message


class ScheduleImportError(ValueError):
    """The CSV cannot be imported; ``problems`` lists every reason, line by line."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _text(source) -> str:
    """The CSV as text without a byte-order mark; undecodable bytes are a problem."""
    raw = source.read() if hasattr(source, "read") else source
    if isinstance(raw, str):
        return raw.lstrip("\ufeff")
    try:
        return bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = bytes(raw)[:error.start].count(b"\n") + 1
        raise ScheduleImportError([ImportProblem(line, None, _(
            "Line %(line)d: the file is not UTF-8 text. Save the spreadsheet as “CSV UTF-8”.",
            line=line))]) from None


def _header_problems(header: list[str]) -> list[ImportProblem]:
    problems = []
    for name in header:
        if name not in COLUMNS:
            problems.append(ImportProblem(1, name, _(
                "Line 1: unknown column “%(column)s”; the columns are %(columns)s.",
                column=name, columns=", ".join(COLUMNS))))
    for name in sorted({n for n in header if header.count(n) > 1 and n in COLUMNS}):
        problems.append(ImportProblem(1, name, _(
            "Line 1: the column “%(column)s” appears more than once.", column=name)))
    for name in REQUIRED_COLUMNS:
        if name not in header:
            problems.append(ImportProblem(1, name, _(
                "Line 1: the column “%(column)s” is missing.", column=name)))
    return problems


def _unknown(column: str, line: int, value: str, values: str) -> str:
    if column == "kind":
        return _("Line %(line)d: unknown kind “%(value)s”; use one of: %(values)s.",
                 line=line, value=value, values=values)
    if column == "condition":
        return _("Line %(line)d: unknown condition “%(value)s”; use one of: %(values)s, or "
                 "leave it empty for any.", line=line, value=value, values=values)
    if column == "unit":
        return _("Line %(line)d: unknown unit “%(value)s”; use one of: %(values)s.",
                 line=line, value=value, values=values)
    return _("Line %(line)d: unknown basis “%(value)s”; use one of: %(values)s.",
             line=line, value=value, values=values)


def _choice(problems, line, column, value, enum):
    try:
        return enum(value)
    except ValueError:
        values = ", ".join(member.value for member in enum)
        problems.append(ImportProblem(line, column, _unknown(column, line, value, values)))
        return None


def _term(problems, line, column, value, codes: list[str]) -> str | None:
    if value in codes:
        return value
    problems.append(ImportProblem(line, column, _unknown(column, line, value, ", ".join(codes))))
    return None


def _category(problems, line, value, kind: str | None, vocabulary: Vocabulary) -> str:
    if not CODE.fullmatch(value):
        problems.append(ImportProblem(line, "category", _(
            "Line %(line)d: the category “%(value)s” must be lower-case letters, digits and "
            "underscores.", line=line, value=value)))
    elif kind is not None and not vocabulary.has_category(kind, value):
        known = ", ".join(term.code for term in vocabulary.categories(kind)) or "—"
        problems.append(ImportProblem(line, "category", _(
            "Line %(line)d: unknown category “%(value)s” of the kind “%(kind)s” here; use one "
            "of: %(values)s.", line=line, value=value, kind=kind, values=known)))
    return value


def _amount(problems, line, column, value, *, required) -> Decimal | None:
    if not value:
        if required:
            problems.append(ImportProblem(line, column, _(
                "Line %(line)d: the column “%(column)s” is empty.", line=line, column=column)))
        return None
    try:
        number = parse_decimal(value)
    except (InvalidOperation, ValueError):
        number = None
    if number is None:
        problems.append(ImportProblem(line, column, _(
            "Line %(line)d: “%(value)s” in the column “%(column)s” is not a number.",
            line=line, value=value, column=column)))
    elif number < 0:
        problems.append(ImportProblem(line, column, _(
            "Line %(line)d: the column “%(column)s” cannot be negative.", line=line,
            column=column)))
    elif number >= LIMIT[column]:
        problems.append(ImportProblem(line, column, _(
            "Line %(line)d: “%(value)s” in the column “%(column)s” is too large.",
            line=line, value=value, column=column)))
    elif -number.as_tuple().exponent > PLACES[column]:
        problems.append(ImportProblem(line, column, _(
            "Line %(line)d: “%(value)s” in the column “%(column)s” has more than "
            "%(places)d decimal places.", line=line, value=value, column=column,
            places=PLACES[column])))
    else:
        return number
    return None


def _parse_row(problems, line, values, vocabulary: Vocabulary) -> Rate | None:
    """The row's rate, or None after adding each of its problems to ``problems``."""
    before = len(problems)
    kind = _term(problems, line, "kind", values.get("kind", ""),
                 [term.code for term in vocabulary.kinds()])
    category = _category(problems, line, values.get("category", ""), kind, vocabulary)
    condition = values.get("condition") or None
    if condition is not None:
        condition = _choice(problems, line, "condition", condition, Condition)
    unit = _term(problems, line, "unit", values.get("unit", ""),
                 list(dict.fromkeys(term.code for term in vocabulary.units())))
    if kind is not None and unit is not None and not vocabulary.has_unit(kind, unit):
        problems.append(ImportProblem(line, "unit", _(
            "Line %(line)d: the unit “%(unit)s” does not fit the kind “%(kind)s”.", line=line,
            unit=unit, kind=kind)))
    basis = _choice(problems, line, "basis", values.get("basis", ""), Basis)
    rate = _amount(problems, line, "rate", values.get("rate", ""), required=True)
    if basis == Basis.percent_of_value and rate is not None and rate > MAX_PERCENT:
        problems.append(ImportProblem(line, "rate", _(
            "Line %(line)d: a percentage above %(max)s is not plausible.", line=line,
            max=MAX_PERCENT)))
    cap = _amount(problems, line, "cap", values.get("cap", ""), required=False)
    if len(problems) > before:
        return None
    return Rate(line=line, kind=kind, category=category,
                condition=condition.value if condition else None, unit=unit, basis=basis,
                rate=rate, cap=cap)


def _currency(problems, line, value, first: tuple[str, int] | None) -> tuple[str, int] | None:
    """Check the row's currency; returns the schedule's (currency, first line) so far."""
    try:
        currency = check_currency(value)
    except InvalidCurrency:
        problems.append(ImportProblem(line, "currency", _(
            "Line %(line)d: “%(value)s” is not an ISO 4217 currency code.", line=line,
            value=value)))
        return first
    if first is None:
        return currency, line
    if currency != first[0]:
        problems.append(ImportProblem(line, "currency", _(
            "Line %(line)d: the currency %(value)s differs from %(first)s on line "
            "%(first_line)d; a schedule has one currency.", line=line, value=currency,
            first=first[0], first_line=first[1])))
    return first


def parse_rows(text: str, region: Region | None = None,
               ) -> tuple[list[Rate], str | None, list[ImportProblem]]:
    """The rates in ``text`` (unsaved) in the loss vocabulary that applies in ``region`` (None:
    the vocabulary for everywhere), the schedule's currency, and every problem found."""
    vocabulary = vocabulary_at(region)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], None, [ImportProblem(1, None, _("Line 1: the file is empty."))]
    except csv.Error as error:
        return [], None, [ImportProblem(1, None, _(
            "Line %(line)d cannot be read: %(error)s", line=1, error=str(error)))]
    problems = _header_problems(header)
    if problems:
        return [], None, problems
    rates, seen, currency = [], {}, None
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(ImportProblem(line, None, _(
                    "Line %(line)d: expected %(expected)d columns, found %(found)d.",
                    line=line, expected=len(header), found=len(row))))
                continue
            values = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
            rate = _parse_row(problems, line, values, vocabulary)
            currency = _currency(problems, line, values["currency"], currency)
            if rate is None:
                continue
            key = (rate.kind, rate.category, rate.condition)
            if key in seen:
                problems.append(ImportProblem(line, None, _(
                    "Line %(line)d repeats the rate of line %(first)d.", line=line,
                    first=seen[key])))
                continue
            seen[key] = line
            rates.append(rate)
    except csv.Error as error:
        problems.append(ImportProblem(reader.line_num, None, _(
            "Line %(line)d cannot be read: %(error)s", line=reader.line_num, error=str(error))))
    if not rates and not problems:
        problems.append(ImportProblem(2, None, _("Line 2: the file has no rates.")))
    return rates, (currency[0] if currency else None), problems


def import_schedule(source, *, region: Region, effective_from: date, name: str | None = None,
                    actor, source_name: str = "") -> RateSchedule:
    """Add the schedule in ``source`` (CSV text, bytes or a file) for ``region`` from
    ``effective_from``, flush it and record the audit event; the caller commits. ``actor``
    (None: the system, e.g. the command line) must administer ``region``, else
    ``RegionNotFound``.

    Raises ``ScheduleImportError`` with every problem found, and then adds nothing."""
    if actor is not None and not actor.administers(region):
        raise RegionNotFound(region.code)
    rates, currency, problems = parse_rows(_text(source), region)
    exists = db.session.scalar(select(RateSchedule.id).where(
        RateSchedule.region_id == region.id, RateSchedule.effective_from == effective_from))
    if exists is not None:
        problems.insert(0, ImportProblem(WHOLE_FILE, None, _(
            "A schedule for this area already takes effect on %(date)s.",
            date=effective_from.isoformat())))
    if problems:
        raise ScheduleImportError(problems)
    name = (name or "").strip() or f"{region.code} {effective_from.isoformat()}"
    schedule = RateSchedule(region=region, effective_from=effective_from, name=name[:128],
                            currency=currency, source_name=source_name[:255], rates=rates,
                            created_by_id=actor.id if actor is not None else None)
    db.session.add(schedule)
    db.session.flush()
    record_event("rates_imported", actor=actor, changes={
        "schedule_id": schedule.id, "region": region.code, "name": schedule.name,
        "effective_from": effective_from.isoformat(), "currency": currency,
        "rates": len(rates)})
    return schedule
