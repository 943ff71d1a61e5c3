"""Importing a rate schedule from the CSV officials publish: every bad row reported with its
line number, and nothing imported unless everything is right."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from hwc.claims.models import Condition, LossKind, Unit
from hwc.claims.validation import UNITS_FOR_KIND
from hwc.core.money import InvalidCurrency, check_currency, parse_decimal
from hwc.extensions import db
from hwc.rates.models import Basis, Rate, RateSchedule
from hwc.regions.models import Region
from hwc.workflow.audit import record_event

COLUMNS = ("kind", "category", "condition", "unit", "basis", "rate", "cap", "currency")
REQUIRED_COLUMNS = ("kind", "category", "unit", "basis", "rate", "currency")
CATEGORY = re.compile(r"[a-z][a-z0-9_]{0,31}")
UNITS_FOR_RATE = {**UNITS_FOR_KIND, LossKind.livestock: {Unit.head, Unit.kg, Unit.item}}
MAX_PERCENT = Decimal(1000)


@dataclass(frozen=True)
class ImportProblem:
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
    if isinstance(source, str):
        return source
    raw = source.read() if hasattr(source, "read") else source
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScheduleImportError([ImportProblem(1, None, _(
            "The file is not UTF-8 text. Save the spreadsheet as “CSV UTF-8”."))]) from None


def _amount(problems, line, column, value, *, required) -> Decimal | None:
    if not value:
        if required:
            problems.append(ImportProblem(line, column, _(
                "Line %(line)d: the column “%(column)s” is empty.", line=line, column=column)))
        return None
    try:
        number = parse_decimal(value)
    except (InvalidOperation, ValueError):
        problems.append(ImportProblem(line, column, _(
            "Line %(line)d: “%(value)s” in the column “%(column)s” is not a number.",
            line=line, value=value, column=column)))
        return None
    if number < 0:
        problems.append(ImportProblem(line, column, _(
            "Line %(line)d: the column “%(column)s” cannot be negative.", line=line,
            column=column)))
        return None
    return number


def _choice(problems, line, column, value, enum):
    try:
        return enum(value)
    except ValueError:
        problems.append(ImportProblem(line, column, _(
            "Line %(line)d: unknown %(column)s “%(value)s”; use one of: %(values)s.",
            line=line, column=column, value=value, values=", ".join(m.value for m in enum))))
        return None


def parse_rows(text: str) -> tuple[list[Rate], str | None, list[ImportProblem]]:
    """The rates in ``text``, the schedule's currency, and every problem found."""
    problems: list[ImportProblem] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return [], None, [ImportProblem(1, None, _("The file is empty."))]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        return [], None, [ImportProblem(1, None, _(
            "Line 1: the header must name the columns %(columns)s.",
            columns=", ".join(COLUMNS)))]
    rates, currencies, seen = [], set(), {}
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
            rate = _parse_row(problems, line, values, currencies)
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
        problems.append(ImportProblem(2, None, _("The file has no rates.")))
    if len(currencies) > 1:
        problems.append(ImportProblem(1, "currency", _(
            "Every rate of a schedule must be in the same currency, not %(currencies)s.",
            currencies=", ".join(sorted(currencies)))))
    return rates, (currencies.pop() if len(currencies) == 1 else None), problems


def _parse_row(problems, line, values, currencies) -> Rate | None:
    before = len(problems)
    kind = _choice(problems, line, "kind", values.get("kind", ""), LossKind)
    category = values.get("category", "")
    if not CATEGORY.fullmatch(category):
        problems.append(ImportProblem(line, "category", _(
            "Line %(line)d: the category “%(value)s” must be lower-case letters, digits and "
            "underscores.", line=line, value=category)))
    condition = values.get("condition") or None
    if condition is not None:
        condition = _choice(problems, line, "condition", condition, Condition)
    unit = _choice(problems, line, "unit", values.get("unit", ""), Unit)
    if kind is not None and unit is not None and unit not in UNITS_FOR_RATE[kind]:
        problems.append(ImportProblem(line, "unit", _(
            "Line %(line)d: the unit “%(unit)s” does not fit %(kind)s.", line=line,
            unit=unit.value, kind=kind.value)))
    basis = _choice(problems, line, "basis", values.get("basis", ""), Basis)
    rate = _amount(problems, line, "rate", values.get("rate", ""), required=True)
    if basis == Basis.percent_of_value and rate is not None and rate > MAX_PERCENT:
        problems.append(ImportProblem(line, "rate", _(
            "Line %(line)d: a percentage above %(max)s is not plausible.", line=line,
            max=MAX_PERCENT)))
    cap = _amount(problems, line, "cap", values.get("cap", ""), required=False)
    try:
        currencies.add(check_currency(values.get("currency", "")))
    except InvalidCurrency:
        problems.append(ImportProblem(line, "currency", _(
            "Line %(line)d: “%(value)s” is not an ISO 4217 currency code.", line=line,
            value=values.get("currency", ""))))
    if len(problems) > before:
        return None
    return Rate(line=line, kind=kind, category=category,
                condition=str(condition) if condition else None, unit=unit, basis=basis,
                rate=rate, cap=cap)


def import_schedule(source, *, region: Region, effective_from: date, name: str | None = None,
                    actor=None, source_name: str = "") -> RateSchedule:
    """Add the schedule in ``source`` (CSV text, bytes or a file) for ``region`` from
    ``effective_from``. Raises ``ScheduleImportError`` with every problem, and then adds
    nothing."""
    rates, currency, problems = parse_rows(_text(source))
    exists = db.session.scalar(select(RateSchedule.id).where(
        RateSchedule.region_id == region.id, RateSchedule.effective_from == effective_from))
    if exists is not None:
        problems.insert(0, ImportProblem(0, None, _(
            "A schedule for this area already takes effect on %(date)s.",
            date=effective_from.isoformat())))
    if problems:
        raise ScheduleImportError(problems)
    schedule = RateSchedule(region=region, effective_from=effective_from,
                            name=(name or f"{region.code} {effective_from.isoformat()}")[:128],
                            currency=currency, source_name=source_name[:255], rates=rates,
                            created_by_id=actor.id if actor is not None else None)
    db.session.add(schedule)
    db.session.flush()
    record_event("rates_imported", actor=actor, changes={
        "schedule_id": schedule.id, "region": region.code, "name": schedule.name,
        "effective_from": effective_from.isoformat(), "currency": currency,
        "rates": len(rates)})
    return schedule
