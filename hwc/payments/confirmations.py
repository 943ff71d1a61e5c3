"""The bank's confirmation file taken back against a payment run: every line that names a
voucher of the run with its amount pays it, once; every other line is kept in the report with
its problem. Reading the file is bounded at the edge; a file that is not a CSV writes nothing."""

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hwc.accounts.models import Role, User
from hwc.audit.trail import record_event
from hwc.core.edge import NOT_TEXT, DateOutOfRange, parse_date
from hwc.core.enums import TitledEnum, set_titles
from hwc.core.money import money_string, parse_decimal
from hwc.extensions import db
from hwc.payments.models import Confirmation, PaymentRun, PaymentRunItem
from hwc.vouchers.models import MAX_REFERENCE, Voucher, VoucherStatus
from hwc.vouchers.operations import record_payment
from hwc.workflow.errors import InvalidTransition, RoleNotAllowed, WorkflowError
from hwc.workflow.service import role_may

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LINES = 20_000
MAX_FIELD = 128
MAX_FILE_NAME = 255
DELIMITERS = (",", ";", "\t")
REQUIRED_COLUMNS = ("reference", "amount")
OPTIONAL_COLUMNS = ("paid_on", "bank_reference")
# Who may read the reconciliation reports of the runs in their area; paying is finance's alone.
READERS = frozenset({Role.finance, Role.auditor})
# Banks in China write GBK (read as GB18030, its superset); the rest of the world UTF-8.
ENCODINGS = ("utf-8-sig", "gb18030")
# Control characters other than tab and line ends: binary, not a text file.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Problem(TitledEnum):
    unknown = "unknown"                  # no such voucher in this run
    duplicate = "duplicate"              # the same reference earlier in this file
    already_paid = "already_paid"        # paid before: never paid twice
    void = "void"
    amount_mismatch = "amount_mismatch"  # the file's amount is not the voucher's
    bad_line = "bad_line"                # an amount or date that cannot be read
    refused = "refused"                  # the workflow refused the payment (its message)


set_titles(Problem, {
    "unknown": _l("No such voucher in this run"), "duplicate": _l("Twice in this file"),
    "already_paid": _l("Already paid"), "void": _l("Voucher void"),
    "amount_mismatch": _l("Amount differs"), "bad_line": _l("Unreadable line"),
    "refused": _l("Payment refused")})


class RunNotFound(WorkflowError):
    """No such payment run, or one outside the user's area: both look the same."""

    status = 404


class ConfirmationNotFound(WorkflowError):
    status = 404


class UnreadableFile(WorkflowError):
    """The upload is not a confirmation file this system reads; nothing was written."""

    status = 422


@dataclass(frozen=True)
class Line:
    """One line of the file as read: its line number, the fields by column name, and why it
    cannot be read (None when it can)."""

    number: int
    fields: dict[str, str]
    error: str | None = None

    @property
    def reference(self) -> str:
        return self.fields.get("reference", "")


def _text(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(_("The file is larger than 2 MB."))
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(_("The file is not a CSV file in UTF-8 or GBK."))
    if NOT_TEXT.search(text) or CONTROL.search(text):
        raise UnreadableFile(_("The file is not a CSV file in UTF-8 or GBK."))
    if text.count("\n") > MAX_LINES:
        raise UnreadableFile(_("The file has more than %(max)d lines.", max=MAX_LINES))
    return text


def _header(row: list[str]) -> list[str]:
    header = [name.strip().lower() for name in row]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing or len(set(header)) != len(header):
        raise UnreadableFile(_("The first line must name the columns, among them reference "
                               "and amount (and, if the bank gives them, paid_on and "
                               "bank_reference), each once."))
    return header


def _line(number: int, header: list[str], row: list[str]) -> Line:
    if len(row) != len(header):
        return Line(number, {}, _("This line has %(got)d fields; the header has %(want)d.",
                                  got=len(row), want=len(header)))
    fields = {name: value.strip() for name, value in zip(header, row, strict=True)
              if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    if any(len(value) > MAX_FIELD for value in fields.values()):
        return Line(number, {name: value[:MAX_FIELD] for name, value in fields.items()},
                    _("A field is longer than %(max)d characters.", max=MAX_FIELD))
    return Line(number, fields)


def read_lines(data: bytes) -> list[Line]:
    """The file's lines after its header, blank ones skipped; ``UnreadableFile`` when the
    file is too big, not text in UTF-8 (with or without BOM) or GBK, not a CSV (``,``, ``;``
    or tab between fields) or has no reference and amount columns. A line that cannot be
    read on its own (wrong number of fields, too long) comes back with its ``error``."""
    text = _text(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise UnreadableFile(_("The file is empty."))
        header = _header(header)
        lines = [_line(reader.line_num, header, row) for row in reader
                 if any(cell.strip() for cell in row)]
    except csv.Error:
        raise UnreadableFile(_("Line %(line)d is not valid CSV.", line=reader.line_num)) \
            from None
    if not lines:
        raise UnreadableFile(_("The file holds no payment lines."))
    return lines


# --- reading runs and reports ------------------------------------------------------------

def _may_read(actor: User) -> None:
    if actor.role not in READERS:
        raise RoleNotAllowed(_("Your role may not do this."))


def find_run(run_id: int, *, actor: User) -> PaymentRun:
    """The payment run if it lies in ``actor``'s area (else ``RunNotFound``) and the actor
    may read its reports (finance, auditors; else ``RoleNotAllowed``)."""
    run = db.session.get(PaymentRun, run_id) if isinstance(run_id, int) else None
    if run is None or not actor.can_see_region(run.region):
        raise RunNotFound(_("No such payment run in your area."))
    _may_read(actor)
    return run


def confirmations_of(run: PaymentRun, *, actor: User) -> list[Confirmation]:
    """The confirmation files taken back against the run, the newest first."""
    run = find_run(run.id, actor=actor)
    return list(db.session.scalars(select(Confirmation).where(Confirmation.run_id == run.id)
                                   .order_by(Confirmation.id.desc())))


def get_confirmation(confirmation_id: int, *, actor: User) -> Confirmation:
    """The report if its run lies in ``actor``'s area (else ``ConfirmationNotFound``)."""
    found = (db.session.get(Confirmation, confirmation_id)
             if isinstance(confirmation_id, int) else None)
    if found is None or not actor.can_see_region(found.run.region):
        raise ConfirmationNotFound(_("No such confirmation file in your area."))
    _may_read(actor)
    return found


# --- taking the file back ----------------------------------------------------------------

def _run_vouchers(run: PaymentRun) -> dict[str, Voucher]:
    """Every voucher the run issued (void ones too: a line for one is reported), by number."""
    return {voucher.number: voucher for voucher in db.session.scalars(
        select(Voucher).join(PaymentRunItem, PaymentRunItem.voucher_id == Voucher.id)
        .where(PaymentRunItem.run_id == run.id))}


@dataclass
class _Payment:
    amount: Decimal
    paid_on: date | None
    bank_reference: str


def _payment(line: Line) -> _Payment | str:
    """What a readable line asks to pay, or why it cannot be read."""
    try:
        amount = parse_decimal(line.fields.get("amount", ""))
    except (InvalidOperation, ValueError):
        return _("The amount “%(amount)s” is not a number such as 12000.00.",
                 amount=line.fields.get("amount", ""))
    raw_day = line.fields.get("paid_on", "")
    try:
        paid_on = parse_date(raw_day) if raw_day else None
    except DateOutOfRange as error:
        return error.message
    return _Payment(amount, paid_on, " ".join(line.fields.get("bank_reference", "").split()))


def _problem(line: Line, problem: Problem, detail: str = "") -> dict:
    return {"line": line.number, "reference": line.reference[:MAX_FIELD],
            "problem": problem.value, "detail": detail}


def _already_paid(voucher: Voucher) -> str:
    return _("Paid on %(day)s, reference %(reference)s.",
             day=voucher.paid_on.isoformat() if voucher.paid_on else "",
             reference=voucher.payment_reference or "")


class _Reconciliation:
    """The lines of one file matched against one run's vouchers, paying the good ones."""

    def __init__(self, run: PaymentRun, file_name: str, actor: User):
        self.vouchers = _run_vouchers(run)
        self.file_name, self.actor = file_name, actor
        self.first_line: dict[str, int] = {}
        self.problems: list[dict] = []
        self.paid_count, self.paid_total = 0, Decimal(0)

    def take(self, line: Line) -> None:
        problem = self._check(line)
        if problem is not None:
            self.problems.append(problem)

    def _check(self, line: Line) -> dict | None:
        if line.error is not None:
            return _problem(line, Problem.bad_line, line.error)
        if not line.reference:
            return _problem(line, Problem.bad_line, _("The line has no reference."))
        if line.reference in self.first_line:
            return _problem(line, Problem.duplicate, _(
                "The same reference is on line %(line)d.", line=self.first_line[line.reference]))
        self.first_line[line.reference] = line.number
        payment = _payment(line)
        if isinstance(payment, str):
            return _problem(line, Problem.bad_line, payment)
        voucher = self.vouchers.get(line.reference)
        if voucher is None:
            return _problem(line, Problem.unknown)
        if voucher.status is VoucherStatus.void:
            return _problem(line, Problem.void, voucher.void_reason or "")
        if voucher.status is VoucherStatus.paid:
            return _problem(line, Problem.already_paid, _already_paid(voucher))
        if payment.amount != voucher.amount:
            return _problem(line, Problem.amount_mismatch, _(
                "The file says %(file)s, the voucher %(voucher)s %(currency)s.",
                file=line.fields["amount"], voucher=money_string(voucher.amount,
                                                                 voucher.currency),
                currency=voucher.currency))
        return self._pay(line, voucher, payment)

    def _pay(self, line: Line, voucher: Voucher, payment: _Payment) -> dict | None:
        reference = payment.bank_reference or f"{self.file_name[:100]}:{line.number}"
        try:
            # One line's refusal rolls back that line alone. ``record_payment`` locks the
            # voucher row: a second import of the same file at the same time waits here, then
            # finds the voucher paid (InvalidTransition) and never pays it again.
            with db.session.begin_nested():
                record_payment(voucher, actor=self.actor, method="bank",
                               reference=reference[:MAX_REFERENCE], paid_on=payment.paid_on)
        except InvalidTransition:
            db.session.refresh(voucher)
            if voucher.status is VoucherStatus.paid:
                return _problem(line, Problem.already_paid, _already_paid(voucher))
            return _problem(line, Problem.void, voucher.void_reason or "")
        except WorkflowError as error:
            return _problem(line, Problem.refused, error.message)
        self.paid_count += 1
        self.paid_total += voucher.amount
        return None


def _clean_name(file_name: str) -> str:
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())[:MAX_FILE_NAME].strip()
    return name or "confirmation.csv"


def import_confirmation(run: PaymentRun, data: bytes, file_name: str, *,
                        actor: User) -> Confirmation:
    """Take the bank's confirmation file back against ``run``: each good line pays its
    voucher (``record_payment``, method bank, the bank's reference or the file's name and
    line); every other line is kept in the report. Finance in the run's area only
    (``RunNotFound`` outside it, ``RoleNotAllowed`` for other roles); ``UnreadableFile`` for
    a file that is not a confirmation CSV, and then nothing is written. Audited."""
    run = find_run(run.id, actor=actor)
    if not role_may(actor, "record_payment"):
        raise RoleNotAllowed(_("Your role may not do this."))
    lines = read_lines(data)
    name = _clean_name(file_name)
    reconciliation = _Reconciliation(run, name, actor)
    for line in lines:
        reconciliation.take(line)
    confirmation = Confirmation(
        run_id=run.id, file_name=name, sha256=hashlib.sha256(data).hexdigest(),
        line_count=len(lines), paid_count=reconciliation.paid_count,
        paid_total=reconciliation.paid_total, problems=reconciliation.problems,
        created_by_id=actor.id)
    db.session.add(confirmation)
    db.session.flush()
    record_event("confirmation_imported", actor=actor, changes={
        "run": run.id, "confirmation": confirmation.id, "file": name,
        "sha256": confirmation.sha256, "lines": len(lines), "paid": reconciliation.paid_count,
        "paid_total": money_string(reconciliation.paid_total, run.currency),
        "problems": len(reconciliation.problems)})
    return confirmation
